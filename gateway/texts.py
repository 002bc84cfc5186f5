"""Everything the gateway says to a citizen, in Bahasa Indonesia and English.

Each text may have an ``sms`` form: shorter, plain GSM-7, within one 160-character
segment, because SMS reporters pay for what they send and we pay for every segment.
"""

from __future__ import annotations

from normalizer.gsm import SINGLE_SEGMENT_SEPTETS, septets, to_gsm7

LANGUAGES = ("id", "en")

TEXTS: dict[str, dict[str, str]] = {
    "ask_complaint": {
        "id": "Halo, ini layanan pengaduan SP4N-LAPOR!. Silakan tulis keluhan Anda: apa yang "
        "terjadi, di mana, dan sejak kapan.",
        "en": "Hello, this is the SP4N-LAPOR! complaint service. Please describe your "
        "complaint: what happened, where, and since when.",
        "id.sms": "LAPOR!: Tulis keluhan Anda (apa, di mana, sejak kapan). Atau kirim sekaligus: "
        "LAPOR <isi keluhan> LOKASI <tempat>",
        "en.sms": "LAPOR!: Describe your complaint (what, where, since when). Or all at once: "
        "LAPOR <complaint> LOKASI <place>",
    },
    "not_understood": {
        "id": "Maaf, kami belum memahami pesan Anda. Ceritakan keluhan Anda dengan kata-kata, "
        "misalnya: Jalan di depan SDN 3 berlubang sejak sebulan.",
        "en": "Sorry, we could not understand your message. Please describe your complaint in "
        "words, for example: The road in front of SDN 3 has had a big pothole for a month.",
    },
    "already_reported": {
        "id": "Laporan yang sama sudah kami terima dengan kode {code} (status: {status}). Tidak "
        "perlu melapor lagi; cek kapan saja dengan STATUS {code}.",
        "en": "We already have this complaint as {code} (status: {status}). No need to report "
        "it again; check it any time with STATUS {code}.",
        "id.sms": "Laporan ini sudah kami terima: {code} ({status}). Cek: STATUS {code}",
        "en.sms": "We already have this complaint: {code} ({status}). Check: STATUS {code}",
    },
    "flood": {
        "id": "Pesan Anda terlalu banyak dalam waktu singkat. Mohon tunggu sebentar, lalu kirim "
        "lagi.",
        "en": "You sent many messages in a short time. Please wait a minute, then write again.",
    },
    "ask_category": {
        "id": "Laporan Anda termasuk yang mana? Balas nomornya (atau LEWATI bila ragu):\n{options}",
        "en": "What is your complaint about? Reply with its number (or SKIP if unsure):\n{options}",
    },
    "choose_category": {
        "id": "Balas nomor dari daftar di atas, misalnya 1, atau LEWATI.",
        "en": "Reply with a number from the list above, for example 1, or SKIP.",
    },
    "ask_region": {
        "id": "{name} yang mana: Kota {name} atau Kabupaten {name}? Balas KOTA atau KABUPATEN.",
        "en": "Which {name}: the city (Kota {name}) or the regency (Kabupaten {name})? Reply "
        "KOTA or KABUPATEN.",
    },
    "need_more": {
        "id": "Mohon ceritakan keluhan Anda sedikit lebih lengkap: apa yang terjadi dan di mana?",
        "en": "Please tell us a little more: what happened, and where?",
    },
    "ask_location": {
        "id": "Di mana lokasinya? Tulis alamat atau nama tempat, bagikan lokasi Anda, atau balas "
        "LEWATI.",
        "en": "Where did it happen? Write the address or place, share your location, or reply "
        "SKIP.",
        "id.sms": "Di mana lokasinya? Balas dengan alamat/nama tempat, atau LEWATI.",
        "en.sms": "Where did it happen? Reply with the address or place, or SKIP.",
    },
    "ask_media": {
        "id": "Ada foto atau dokumen pendukung? Kirim sekarang, atau balas LEWATI.",
        "en": "Do you have a photo or document? Send it now, or reply SKIP.",
    },
    "more_description": {
        "id": "Keterangan tambahan dicatat. Kirim foto/dokumen, atau balas LEWATI.",
        "en": "Added to your complaint. Send a photo or document, or reply SKIP.",
    },
    "media_added": {
        "id": "Lampiran ke-{count} diterima.",
        "en": "Attachment {count} received.",
    },
    "ask_privacy": {
        "id": "Pilih kerahasiaan laporan:\n1 = Publik (laporan dapat dilihat umum)\n"
        "2 = Rahasia (laporan tidak dipublikasikan, identitas hanya untuk instansi)\n"
        "3 = Anonim (identitas Anda tidak diteruskan)\nBalas 1, 2, atau 3.",
        "en": "Choose how private your complaint is:\n1 = Public (anyone can see the complaint)\n"
        "2 = Confidential (not published; your identity only goes to the agency)\n"
        "3 = Anonymous (your identity is never passed on)\nReply 1, 2 or 3.",
        "id.sms": "Kerahasiaan? 1=Publik 2=Rahasia (identitas hanya utk instansi) "
        "3=Anonim (identitas tdk diteruskan). Balas 1, 2, atau 3.",
        "en.sms": "Privacy? 1=Public 2=Confidential (identity only to the agency) "
        "3=Anonymous (identity never passed on). Reply 1, 2 or 3.",
    },
    "summary": {
        "id": "Ringkasan laporan:\n{description}\nLokasi: {location}\nLampiran: {attachments}\n"
        "Kerahasiaan: {privacy}\nBalas KIRIM untuk mengirim atau BATAL untuk membatalkan.",
        "en": "Your complaint:\n{description}\nLocation: {location}\nAttachments: {attachments}\n"
        "Privacy: {privacy}\nReply SEND to submit or CANCEL to discard.",
        "id.sms": "{description} | {location} | {privacy}. KIRIM utk mengirim, BATAL utk batal.",
        "en.sms": "{description} | {location} | {privacy}. SEND to submit, CANCEL to discard.",
    },
    "confirm_again": {
        "id": "Balas KIRIM untuk mengirim laporan atau BATAL untuk membatalkan.",
        "en": "Reply SEND to submit your complaint or CANCEL to discard it.",
    },
    "submitted": {
        "id": "Terima kasih, laporan Anda tercatat dengan kode {code}. Simpan kode ini dan cek "
        "perkembangannya dengan STATUS {code}.",
        "en": "Thank you, your complaint is recorded as {code}. Keep this code and check its "
        "progress with STATUS {code}.",
        "id.sms": "Laporan diterima. Kode: {code}. Cek status: STATUS {code}",
        "en.sms": "Complaint received. Code: {code}. Check status: STATUS {code}",
    },
    "cancelled": {
        "id": "Laporan dibatalkan. Kirim LAPOR kapan saja untuk mulai lagi.",
        "en": "Complaint discarded. Send LAPOR any time to start again.",
    },
    "nothing_to_cancel": {
        "id": "Tidak ada laporan yang sedang dibuat. Kirim LAPOR untuk mulai.",
        "en": "There is no complaint in progress. Send LAPOR to start one.",
    },
    "help": {
        "id": "Cara melapor: tulis keluhan Anda lalu ikuti pertanyaannya. Perintah: LEWATI, "
        "KIRIM, BATAL, STATUS <kode>. Lewat SMS sekaligus: LAPOR <isi> LOKASI <tempat>.",
        "en": "To complain: describe the problem, then answer the questions. Commands: SKIP, "
        "SEND, CANCEL, STATUS <code>. By SMS in one go: LAPOR <complaint> LOKASI <place>.",
        "id.sms": "Kirim: LAPOR <isi keluhan> LOKASI <tempat>. Cek: STATUS <kode>. "
        "Perintah lain: LEWATI, KIRIM, BATAL.",
        "en.sms": "Send: LAPOR <complaint> LOKASI <place>. Check: STATUS <code>. "
        "Other commands: SKIP, SEND, CANCEL.",
    },
    "status": {
        "id": "{code}: {status} (sejak {date}).",
        "en": "{code}: {status} (since {date}).",
    },
    "status_owner": {
        "id": "{code} ({title}): {status} (sejak {date}).",
        "en": "{code} ({title}): {status} (since {date}).",
    },
    "public_mention": {
        "id": "Terima kasih. Demi melindungi data Anda, mohon lanjutkan laporan ini lewat pesan "
        "langsung (DM) ke akun ini.",
        "en": "Thank you. To protect your data, please continue this report by direct message "
        "(DM) to this account.",
    },
    "status_unknown": {
        "id": "Kode {code} tidak ditemukan. Periksa kembali kode laporan Anda.",
        "en": "Code {code} was not found. Please check your tracking code.",
    },
    "status_usage": {
        "id": "Tulis STATUS diikuti kode laporan, misalnya STATUS LPR-7K3M9Q2X.",
        "en": "Write STATUS followed by your tracking code, e.g. STATUS LPR-7K3M9Q2X.",
    },
    "choose_privacy": {
        "id": "Balas 1 (Publik), 2 (Rahasia), atau 3 (Anonim).",
        "en": "Reply 1 (Public), 2 (Confidential) or 3 (Anonymous).",
    },
    "notify_submitted": {
        "id": "Laporan {code} telah diteruskan ke instansi (no. {central_id}). Kami kabari "
        "perkembangannya.",
        "en": "Complaint {code} has been forwarded to the agency (no. {central_id}). We will "
        "keep you posted.",
    },
    "unsupported_kind": {
        "id": "Maaf, kami belum bisa menerima pesan jenis ini. Silakan tulis dengan teks, atau "
        "kirim foto, dokumen, atau lokasi.",
        "en": "Sorry, we cannot take this kind of message yet. Please write it as text, or send "
        "a photo, document or location.",
    },
    "unsupported_large_file": {
        "id": "Maaf, berkas lebih dari 20 MB tidak bisa kami terima. Kirim berkas yang lebih kecil "
        "atau balas LEWATI.",
        "en": "Sorry, files over 20 MB cannot be received. Send a smaller file or reply SKIP.",
    },
    "notify_status": {
        "id": "Laporan {code}: {status}. {note}",
        "en": "Complaint {code}: {status}. {note}",
    },
    "notify_submitted_link": {
        "id": "Laporan {code} telah diteruskan ke SP4N-LAPOR! Pantau perkembangannya di {link}",
        "en": "Complaint {code} has been forwarded to SP4N-LAPOR! Follow its progress at {link}",
        "id.sms": "Laporan {code} diteruskan ke SP4N-LAPOR!. Pantau: {link}",
        "en.sms": "Complaint {code} forwarded to SP4N-LAPOR!. Follow: {link}",
    },
}

LABELS: dict[str, dict[str, str]] = {
    "public": {"id": "Publik", "en": "Public"},
    "confidential": {"id": "Rahasia", "en": "Confidential"},
    "anonymous": {"id": "Anonim", "en": "Anonymous"},
    "none": {"id": "-", "en": "-"},
    "received": {"id": "Diterima", "en": "Received"},
    "queued": {"id": "Dalam antrean pengiriman", "en": "Queued for delivery"},
    "submitted": {"id": "Diteruskan ke instansi", "en": "Forwarded to the agency"},
    "verified": {"id": "Diverifikasi", "en": "Verified"},
    "dispositioned": {"id": "Didisposisikan ke instansi", "en": "Assigned to an agency"},
    "in_progress": {"id": "Sedang ditindaklanjuti", "en": "In progress"},
    "awaiting_feedback": {"id": "Menunggu tanggapan Anda", "en": "Awaiting your feedback"},
    "closed": {"id": "Selesai", "en": "Closed"},
    "on_hold": {"id": "Ditunda", "en": "On hold"},
    "resolved": {"id": "tuntas", "en": "resolved"},
    "duplicate": {"id": "laporan ganda", "en": "duplicate"},
    "not_authority": {"id": "bukan kewenangan instansi", "en": "not the agency's authority"},
    "archived": {"id": "diarsipkan", "en": "archived"},
    "withdrawn": {"id": "dicabut pelapor", "en": "withdrawn"},
    "failed": {
        "id": "Gagal diteruskan, sedang ditangani petugas",
        "en": "Delivery failed, an operator is on it",
    },
}


# Questions only chat channels are asked (a question costs an SMS reporter money): they
# have no SMS form and need not fit one segment.
CHAT_ONLY = frozenset({"ask_category", "choose_category", "ask_region"})


def label(key: str, language: str) -> str:
    entry = LABELS.get(key, {})
    return entry.get(language) or entry.get("id") or key


def render(key: str, language: str, *, sms: bool = False, **values: str) -> str:
    """The text ``key`` in ``language`` (``id`` when unknown), filled with ``values``.

    For SMS the short form is used where there is one, and the result is plain GSM-7.
    """
    language = language if language in LANGUAGES else "id"
    entry = TEXTS[key]
    template = (entry.get(f"{language}.sms") if sms else None) or entry[language]
    text = template.format(**values)
    return to_gsm7(text) if sms else text


def fit_sms(key: str, language: str, shrink: str, **values: str) -> str:
    """An SMS text within one segment, shortening the value named ``shrink`` (e.g. the
    complaint text in a summary) as far as needed."""
    text = render(key, language, sms=True, **values)
    overflow = septets(text) - SINGLE_SEGMENT_SEPTETS
    if overflow <= 0:
        return text
    long_value = to_gsm7(values[shrink])
    keep = max(0, len(long_value) - overflow - 3)
    return render(key, language, sms=True, **{**values, shrink: long_value[:keep].rstrip() + "..."})
