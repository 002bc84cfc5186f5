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
        "id": "{code} ({title}): {status} (sejak {date}).{note}",
        "en": "{code} ({title}): {status} (since {date}).{note}",
    },
    "status_list": {
        "id": "Laporan Anda yang masih berjalan:\n{lines}\nRincian: STATUS <kode>",
        "en": "Your open complaints:\n{lines}\nDetails: STATUS <code>",
        "id.sms": "Laporan Anda: {lines}. Rincian: STATUS <kode>",
        "en.sms": "Your complaints: {lines}. Details: STATUS <code>",
    },
    "status_none": {
        "id": "Tidak ada laporan Anda yang masih berjalan. Untuk melapor, tulis keluhan Anda atau "
        "kirim LAPOR <isi keluhan>.",
        "en": "You have no open complaints. To complain, describe the problem or send "
        "LAPOR <complaint>.",
        "id.sms": "Tidak ada laporan Anda yg masih berjalan. Melapor: LAPOR <isi> LOKASI <tempat>",
        "en.sms": "You have no open complaints. To complain: LAPOR <complaint> LOKASI <place>",
    },
    "greeting_open": {
        "id": "Halo. Laporan Anda {code}: {status}. Tulis pesan untuk menambah keterangan "
        "laporan itu, atau LAPOR <isi keluhan> untuk laporan baru.",
        "en": "Hello. Your complaint {code}: {status}. Write to add to that complaint, or send "
        "LAPOR <complaint> for a new one.",
        "id.sms": "Laporan {code}: {status}. Balas utk menambah keterangan, atau LAPOR <isi> "
        "utk laporan baru.",
        "en.sms": "Complaint {code}: {status}. Reply to add details, or LAPOR <complaint> for a "
        "new one.",
    },
    "followup_ack": {
        "id": "Terima kasih. Pesan Anda kami tambahkan ke laporan {code} dan diteruskan ke "
        "SP4N-LAPOR!. Untuk laporan baru, kirim LAPOR <isi keluhan>.",
        "en": "Thank you. Your message was added to complaint {code} and passed on to "
        "SP4N-LAPOR!. For a new complaint, send LAPOR <complaint>.",
        "id.sms": "Pesan ditambahkan ke laporan {code}. Laporan baru: LAPOR <isi keluhan>",
        "en.sms": "Added to complaint {code}. New complaint: LAPOR <complaint>",
    },
    "feedback_ask": {
        "id": "Apakah masalah pada laporan {code} sudah selesai? Balas SUDAH atau BELUM, atau "
        "tulis tanggapan Anda.",
        "en": "Is the problem in complaint {code} solved? Reply SUDAH (yes) or BELUM (not yet), "
        "or write your feedback.",
    },
    "feedback_ack": {
        "id": "Terima kasih atas tanggapan Anda untuk laporan {code}. Tanggapan ini kami teruskan "
        "ke SP4N-LAPOR!.",
        "en": "Thank you for your feedback on complaint {code}. We have passed it on to "
        "SP4N-LAPOR!.",
        "id.sms": "Terima kasih, tanggapan Anda utk laporan {code} kami teruskan.",
        "en.sms": "Thank you, your feedback on {code} has been passed on.",
    },
    "reopen_ack": {
        "id": "Kami catat bahwa masalah pada laporan {code} belum selesai. Permintaan agar laporan "
        "dibuka kembali kami teruskan ke SP4N-LAPOR!.",
        "en": "We have noted that the problem in complaint {code} is not solved, and asked "
        "SP4N-LAPOR! to reopen it.",
        "id.sms": "Dicatat: laporan {code} belum selesai. Permintaan buka kembali diteruskan.",
        "en.sms": "Noted: {code} is not solved. We asked for it to be reopened.",
    },
    "thanks_ack": {
        "id": "Sama-sama. Laporan {code} terus kami pantau; cek kapan saja dengan STATUS {code}.",
        "en": "You are welcome. We keep following complaint {code}; check it any time with "
        "STATUS {code}.",
    },
    "welcome": {
        "id": "Sama-sama. Bila ada keluhan, tulis saja di sini.",
        "en": "You are welcome. If you have a complaint, just write it here.",
    },
    "service_info": {
        "id": "Ini layanan pengaduan SP4N-LAPOR! yang dijawab otomatis. Laporan Anda diteruskan ke "
        "SP4N-LAPOR!, diverifikasi, lalu disampaikan ke instansi yang berwenang; perkembangannya "
        "kami kabarkan di sini. Silakan tulis keluhan Anda.",
        "en": "This is the SP4N-LAPOR! complaint service, answered automatically. Your complaint "
        "goes to SP4N-LAPOR!, is verified and passed to the responsible agency; we tell you "
        "here how it goes. Please describe your complaint.",
        "id.sms": "Layanan SP4N-LAPOR! (otomatis). Laporan diverifikasi lalu diteruskan ke "
        "instansi berwenang. Kirim: LAPOR <isi keluhan> LOKASI <tempat>",
        "en.sms": "SP4N-LAPOR! service (automatic). Complaints are verified, then passed to the "
        "agency. Send: LAPOR <complaint> LOKASI <place>",
    },
    "service_info_after": {
        "id": "Laporan Anda diteruskan ke SP4N-LAPOR!, diverifikasi paling lambat 3 hari kerja, "
        "lalu ditindaklanjuti instansi paling lambat 5 hari kerja. Untuk menambah keterangan atau "
        "foto, kirim saja di sini. Cek perkembangan: STATUS.",
        "en": "Your complaint goes to SP4N-LAPOR!, is verified within 3 working days, then acted "
        "on by the agency within 5 working days. To add details or a photo, just send them here. "
        "Progress: STATUS.",
        "id.sms": "Laporan diverifikasi maks 3 hari kerja, ditindaklanjuti maks 5 hari kerja. "
        "Tambah keterangan: balas di sini. Cek: STATUS",
        "en.sms": "Verified within 3 working days, acted on within 5. Add details: reply here. "
        "Progress: STATUS",
    },
    "human": {
        "id": "Baik, pesan Anda kami teruskan ke petugas. Petugas akan membalas di sini pada jam "
        "kerja.",
        "en": "All right, we have passed your message to an operator, who will answer here during "
        "office hours.",
        "id.sms": "Baik, petugas kami akan membalas pada jam kerja.",
        "en.sms": "An operator will answer during office hours.",
    },
    "ask_date": {
        "id": "Kapan kejadiannya, atau sejak kapan? Misalnya: kemarin, sejak 2 minggu, tanggal 3. "
        "Balas LEWATI bila tidak ingat.",
        "en": "When did it happen, or since when? For example: yesterday, for 2 weeks, on the "
        "3rd. Reply SKIP if you do not remember.",
    },
    "ask_date_again": {
        "id": "Mohon tulis tanggal atau perkiraannya, misalnya: kemarin, 3 hari lalu, tanggal 5. "
        "Atau balas LEWATI.",
        "en": "Please write the date or a guess, e.g. yesterday, 3 days ago, on the 5th. Or reply "
        "SKIP.",
    },
    "ask_location_again": {
        "id": "Mohon tulis nama tempat atau alamatnya, misalnya: Jl. Merdeka 10, Kel. Sukajadi, "
        "Kota Bandung. Anda juga bisa membagikan lokasi, atau balas LEWATI.",
        "en": "Please write the place or address, e.g. Jl. Merdeka 10, Kel. Sukajadi, Kota "
        "Bandung. You can also share your location, or reply SKIP.",
        "id.sms": "Mohon tulis tempat/alamatnya, mis. Jl. Merdeka 10 Kel. Sukajadi Kota "
        "Bandung. Atau LEWATI.",
        "en.sms": "Please write the place or address, e.g. Jl. Merdeka 10, Kota Bandung. Or SKIP.",
    },
    "send_media_now": {
        "id": "Silakan kirim foto atau dokumennya sekarang, atau balas LEWATI.",
        "en": "Please send the photo or document now, or reply SKIP.",
    },
    "description_full": {
        "id": "Keterangan laporan Anda sudah sangat panjang; tambahan selebihnya tidak dapat kami "
        "catat. Bila perlu, kirim sebagai laporan baru setelah yang ini terkirim.",
        "en": "Your complaint is already very long; we could not keep the rest. If needed, send it "
        "as a new complaint after this one is submitted.",
        "id.sms": "Keterangan sudah sangat panjang; tambahan tidak dicatat.",
        "en.sms": "Your complaint is already very long; the rest was not kept.",
    },
    "submit_failed": {
        "id": "Maaf, laporan Anda belum dapat dicatat. Draf Anda tetap tersimpan dan petugas kami "
        "akan memeriksanya.",
        "en": "Sorry, we could not record your complaint yet. Your draft is kept and an operator "
        "will look at it.",
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
        "id": "Laporan {code} telah diterima sistem SP4N-LAPOR! dan menunggu verifikasi. Kami "
        "akan mengabarkan perkembangannya di sini.",
        "en": "Complaint {code} has been received by SP4N-LAPOR! and is waiting to be verified. "
        "We will tell you here how it goes.",
        "id.sms": "Laporan {code} diterima SP4N-LAPOR!, menunggu verifikasi. Cek: STATUS {code}",
        "en.sms": "Complaint {code} received by SP4N-LAPOR!, awaiting verification. Check: "
        "STATUS {code}",
    },
    "notify_feedback": {
        "id": "Laporan {code}: instansi menyatakan sudah menindaklanjuti.{note} Apakah masalahnya "
        "sudah selesai? Balas SUDAH atau BELUM, atau tulis tanggapan Anda.",
        "en": "Complaint {code}: the agency says it has acted.{note} Is the problem solved? Reply "
        "SUDAH (yes) or BELUM (not yet), or write your feedback.",
        "id.sms": "Laporan {code} sdh ditindaklanjuti.{note} Sudah selesai? Balas SUDAH/BELUM",
        "en.sms": "Complaint {code} was acted on.{note} Solved? Reply SUDAH (yes) or BELUM (no)",
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
        "id": "Laporan {code} telah diterima SP4N-LAPOR! dan menunggu verifikasi. Pantau "
        "perkembangannya di {link}",
        "en": "Complaint {code} has been received by SP4N-LAPOR! and awaits verification. "
        "Follow its progress at {link}",
        "id.sms": "Laporan {code} diterima SP4N-LAPOR!. Pantau: {link}",
        "en.sms": "Complaint {code} received by SP4N-LAPOR!. Follow: {link}",
    },
}

LABELS: dict[str, dict[str, str]] = {
    "public": {"id": "Publik", "en": "Public"},
    "confidential": {"id": "Rahasia", "en": "Confidential"},
    "anonymous": {"id": "Anonim", "en": "Anonymous"},
    "none": {"id": "-", "en": "-"},
    "received": {"id": "Diterima", "en": "Received"},
    "queued": {"id": "Dalam antrean pengiriman", "en": "Queued for delivery"},
    "submitted": {
        "id": "Diterima SP4N-LAPOR!, menunggu verifikasi",
        "en": "Received by SP4N-LAPOR!, awaiting verification",
    },
    "verified": {"id": "Diverifikasi", "en": "Verified"},
    "dispositioned": {"id": "Didisposisikan ke instansi", "en": "Assigned to an agency"},
    "in_progress": {"id": "Sedang ditindaklanjuti", "en": "In progress"},
    "awaiting_feedback": {
        "id": "Sudah ditindaklanjuti, menunggu tanggapan Anda",
        "en": "Acted on, awaiting your feedback",
    },
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
CHAT_ONLY = frozenset(
    {
        "ask_category",
        "choose_category",
        "ask_region",
        "ask_date",
        "ask_date_again",
        "send_media_now",
        "thanks_ack",
        "welcome",
        "feedback_ask",
        "submit_failed",
    }
)
# Shorter labels for a list of complaints in one SMS.
SHORT_LABELS: dict[str, dict[str, str]] = {
    "submitted": {"id": "Menunggu verifikasi", "en": "Awaiting verification"},
    "awaiting_feedback": {"id": "Menunggu tanggapan Anda", "en": "Awaiting your feedback"},
    "dispositioned": {"id": "Di instansi", "en": "With the agency"},
    "queued": {"id": "Diterima", "en": "Received"},
}


def label(key: str, language: str) -> str:
    entry = LABELS.get(key, {})
    return entry.get(language) or entry.get("id") or key


def short_label(key: str, language: str) -> str:
    entry = SHORT_LABELS.get(key)
    if entry is None:
        return label(key, language)
    return entry.get(language) or entry["id"]


def fits_one_sms(text: str) -> bool:
    return septets(to_gsm7(text)) <= SINGLE_SEGMENT_SEPTETS


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
