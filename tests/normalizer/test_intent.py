"""normalizer.intent: what a message is for, read on labelled examples in every language
the gateway hears (Bahasa Indonesia formal and SMS, English, Javanese, Sundanese)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer.intent import Intent as I
from normalizer.intent import Reading, is_pleasantry, place_score, read

# Held-out examples: written before the module and before TUNE, and not looked at while
# tuning the word lists. Run once on the first version: 100 of 101 (the miss, "minta nomor
# cs nya", showed "minta" taken off as politeness; that was then fixed).
HELD_OUT: list[tuple[str, I]] = [
    # greetings
    ("Halo admin", I.GREETING),
    ("selamat siang bu", I.GREETING),
    ("Assalamu'alaikum wr wb", I.GREETING),
    ("sugeng siang", I.GREETING),
    ("wilujeng sonten", I.GREETING),
    ("good afternoon", I.GREETING),
    ("hallo min", I.GREETING),
    ("sampurasun", I.GREETING),
    # openers
    ("saya mau lapor bu", I.OPENER),
    ("mau ngadu pak", I.OPENER),
    ("I would like to make a complaint", I.OPENER),
    ("kula badhe lapor", I.OPENER),
    ("abdi hoyong lapor", I.OPENER),
    ("selamat malam, saya ingin menyampaikan keluhan", I.OPENER),
    ("permisi pak mau lapor", I.OPENER),
    ("/lapor", I.OPENER),
    ("pagi min, mau komplain", I.OPENER),
    # thanks
    ("makasih banyak ya pak", I.THANKS),
    ("trimakasih", I.THANKS),
    ("thank you very much", I.THANKS),
    ("matur suwun sanget", I.THANKS),
    ("nuhun", I.THANKS),
    ("terima kasih atas bantuannya", I.THANKS),
    ("thx min", I.THANKS),
    ("makasiiih 🙏", I.THANKS),
    # ack
    ("oke pak", I.ACK),
    ("siap bu", I.ACK),
    ("okay", I.ACK),
    ("baik, saya tunggu", I.ACK),
    ("sip mantap", I.ACK),
    ("monggo", I.ACK),
    ("noted, thanks", I.ACK),
    # yes
    ("iya pak", I.YES),
    ("yes", I.YES),
    ("betul sekali", I.YES),
    ("inggih", I.YES),
    ("sumuhun", I.YES),
    ("yup", I.YES),
    ("iyaaa", I.YES),
    ("benar pak", I.YES),
    # no
    ("tidak pak", I.NO),
    ("gak ada", I.NO),
    ("nope", I.NO),
    ("ora", I.NO),
    ("teu aya", I.NO),
    ("nggak ada fotonya", I.NO),
    ("no", I.NO),
    # dont know
    ("saya tidak tahu", I.DONT_KNOW),
    ("kurang tau pak", I.DONT_KNOW),
    ("ora ngerti", I.DONT_KNOW),
    ("teu nyaho", I.DONT_KNOW),
    ("no idea", I.DONT_KNOW),
    ("lupa pak", I.DONT_KNOW),
    # questions
    ("kapan jalannya diperbaiki pak?", I.QUESTION),
    ("berapa lama biasanya ditanggapi?", I.QUESTION),
    ("ini nomor resmi lapor bukan?", I.QUESTION),
    ("bisa lapor lewat sini?", I.QUESTION),
    ("when will it be fixed?", I.QUESTION),
    ("kok belum ada tanggapan?", I.QUESTION),
    ("are you a bot?", I.QUESTION),
    # status
    ("status laporan LPR-7K3M9Q2X", I.STATUS),
    ("bagaimana perkembangan laporan saya?", I.STATUS),
    ("what is the status of my complaint", I.STATUS),
    ("cek status", I.STATUS),
    # human
    ("bisa bicara dengan orang langsung?", I.HUMAN),
    ("tolong sambungkan ke petugas", I.HUMAN),
    ("I want to speak to a real person", I.HUMAN),
    ("minta nomor cs nya", I.HUMAN),
    # new complaint
    ("saya ada laporan lain pak", I.NEW_COMPLAINT),
    ("mau lapor lagi", I.NEW_COMPLAINT),
    ("one more complaint please", I.NEW_COMPLAINT),
    ("ada masalah lain juga bu", I.NEW_COMPLAINT),
    # satisfied
    ("alhamdulillah sudah diperbaiki, terima kasih", I.SATISFIED),
    ("sudah selesai pak, puas", I.SATISFIED),
    ("sampun sae", I.SATISFIED),
    ("it's been fixed, thanks", I.SATISFIED),
    ("lampunya sudah nyala lagi", I.SATISFIED),
    # not fixed
    ("masih sama saja pak belum ada yang datang", I.NOT_FIXED),
    ("belum ditangani sama sekali", I.NOT_FIXED),
    ("sampahnya masih menumpuk", I.NOT_FIXED),
    ("isih rusak", I.NOT_FIXED),
    ("still not fixed", I.NOT_FIXED),
    ("kurang puas, cuma ditambal sedikit", I.NOT_FIXED),
    # cancel
    ("batalkan saja", I.CANCEL),
    ("tidak jadi pak", I.CANCEL),
    ("never mind", I.CANCEL),
    ("ora sido", I.CANCEL),
    # content
    ("lampu jalan di gang mawar mati sudah seminggu", I.CONTENT),
    ("pungli di kantor kelurahan saat urus KTP", I.CONTENT),
    ("tidak ada petugas di puskesmas pada jam kerja", I.CONTENT),
    ("ya ampun jalannya banjir lagi setinggi lutut di RW 07", I.CONTENT),
    ("the streetlights on my road have been off for a week", I.CONTENT),
    ("dalan neng ngarep omahku bolong gedhe", I.CONTENT),
    ("runtah numpuk di sisi jalan raya", I.CONTENT),
    ("Kec. Ngaglik", I.CONTENT),
    ("depan pasar kembang", I.CONTENT),
    ("bantuan sosial tidak sampai ke warga miskin", I.CONTENT),
    # gibberish
    ("qwerty", I.GIBBERISH),
    ("hhhhhh", I.GIBBERISH),
    ("!!!", I.GIBBERISH),
    ("xcvbn", I.GIBBERISH),
]

# A second held-out batch, messier, written after the first version was committed and
# run once before any change it prompted: 56 of 62 (SMS spellings, "kkkkkk").
HELD_OUT_MESSY: list[tuple[str, I]] = [
    ("Slmt pgi pak", I.GREETING),
    ("assalamualaikum warahmatullahi wabarakatuh", I.GREETING),
    ("halo kak, selamat sore", I.GREETING),
    ("MAU LAPOR PAK!!!", I.OPENER),
    ("pak saya mau laporan", I.OPENER),
    ("selamat siang, sy ingin membuat pengaduan", I.OPENER),
    ("hello, i need to report something", I.OPENER),
    ("sugeng enjing pak, kula badhe matur", I.OPENER),
    ("Terima kasih banyak atas responnya 🙏🙏", I.THANKS),
    ("mksih pak", I.THANKS),
    ("tq min", I.THANKS),
    ("nuhun pisan kang", I.THANKS),
    ("OK PAK", I.ACK),
    ("oke, ditunggu kabarnya", I.ACK),
    ("siap laksanakan", I.ACK),
    ("okee siap", I.ACK),
    ("iyaa betul", I.YES),
    ("Ya, benar", I.YES),
    ("bener pak", I.YES),
    ("ya boleh", I.YES),
    ("nggak pak", I.NO),
    ("ga ada foto pak", I.NO),
    ("tidak ada, terima kasih", I.NO),
    ("belum ada pak", I.NO),
    ("Gak tau pak", I.DONT_KNOW),
    ("saya kurang tahu alamat pastinya", I.DONT_KNOW),
    ("mboten ngertos pak", I.DONT_KNOW),
    ("kapan ada tindakan pak??", I.QUESTION),
    ("kenapa lama sekali prosesnya?", I.QUESTION),
    ("apakah data saya aman?", I.QUESTION),
    ("ini gratis kan?", I.QUESTION),
    ("Bagaimana kelanjutan laporan saya kemarin?", I.STATUS),
    ("cek laporan LPR 7K3M9Q2X", I.STATUS),
    ("laporan saya gimana kabarnya pak", I.STATUS),
    ("sambungkan dengan operator", I.HUMAN),
    ("saya mau ngomong sama petugasnya langsung", I.HUMAN),
    ("can i speak with someone", I.HUMAN),
    ("sy mau lapor hal lain pak", I.NEW_COMPLAINT),
    ("ada satu laporan lagi", I.NEW_COMPLAINT),
    ("udah dibenerin pak, mantap", I.SATISFIED),
    ("Alhamdulillah sudah beres pak terima kasih banyak", I.SATISFIED),
    ("tos dibenerkeun, hatur nuhun", I.SATISFIED),
    ("sampai sekarang belum diperbaiki pak", I.NOT_FIXED),
    ("boro boro diperbaiki, dilihat aja belum", I.NOT_FIXED),
    ("masih rusak pak, malah tambah parah", I.NOT_FIXED),
    ("dereng didandosi", I.NOT_FIXED),
    ("gak jadi lapor deh", I.CANCEL),
    ("batal aja pak", I.CANCEL),
    ("tidak usah pak", I.CANCEL),
    ("lampu PJU mati total di sepanjang jalan desa", I.CONTENT),
    ("ada pungutan liar di sekolah anak saya 500rb", I.CONTENT),
    ("Pak, sampah di TPS pasar baru sudah 2 minggu tidak diangkut, bau sekali", I.CONTENT),
    ("warga blm terima bansos bulan ini", I.CONTENT),
    ("banyu PDAM ora mili wis seminggu", I.CONTENT),
    ("sakola di lembur abdi hateupna bocor", I.CONTENT),
    ("ya di depan masjid", I.CONTENT),
    ("jalan berlubang", I.CONTENT),
    ("kelurahan minta uang untuk surat domisili", I.CONTENT),
    ("Desa Sukamaju, Kec. Cibeber", I.CONTENT),
    ("hjhjhjhj", I.GIBBERISH),
    ("?", I.GIBBERISH),
    ("kkkkkkk", I.GIBBERISH),
]

# A third held-out batch, harder still (long mixed messages, regional sentences,
# complaints that open with answer words), run once before any change it prompted: 52 of
# 61 (forms of address, closing wishes, "oh gitu", "sudah … tapi belum").
HELD_OUT_HARD: list[tuple[str, I]] = [
    ("Selamat pagi Bapak/Ibu admin LAPOR", I.GREETING),
    ("assalamualaikum pak, punten", I.GREETING),
    ("halo, apa kabar?", I.GREETING),
    ("Sugeng enjing, nyuwun sewu badhe lapor", I.OPENER),
    ("wilujeng siang, abdi bade ngawadul", I.OPENER),
    ("good evening, I would like to file a complaint", I.OPENER),
    ("pak, mau lapor nih", I.OPENER),
    ("Min mau ngelapor", I.OPENER),
    ("trmksh atas infonya pak", I.THANKS),
    ("makasih ya min, sukses selalu", I.THANKS),
    ("thanks a lot!", I.THANKS),
    ("matur nuwun sanget pak", I.THANKS),
    ("siap, terima kasih", I.ACK),
    ("oh gitu, oke pak", I.ACK),
    ("ok noted", I.ACK),
    ("nggih pak", I.YES),
    ("iya benar itu lokasinya", I.YES),
    ("sure", I.YES),
    ("ya, kirim", I.YES),
    ("tidak ada pak, cuma itu", I.NO),
    ("ndak ada", I.NO),
    ("henteu aya", I.NO),
    ("no, that's all", I.NO),
    ("waduh saya gak tau pak", I.DONT_KNOW),
    ("kurang paham saya", I.DONT_KNOW),
    ("lupa nomornya", I.DONT_KNOW),
    ("prosesnya berapa hari ya?", I.QUESTION),
    ("Apakah identitas pelapor dirahasiakan?", I.QUESTION),
    ("ini dibaca manusia atau mesin?", I.QUESTION),
    ("How do I check the progress?", I.QUESTION),
    ("kumaha prosesna?", I.QUESTION),
    ("gmn laporan saya pak? udh seminggu", I.STATUS),
    ("mau cek status pengaduan", I.STATUS),
    ("any update on my report?", I.STATUS),
    ("hubungkan saya dengan petugas", I.HUMAN),
    ("saya ingin berbicara dengan manusia", I.HUMAN),
    ("ada laporan lain lagi pak", I.NEW_COMPLAINT),
    ("oh iya satu lagi", I.NEW_COMPLAINT),
    ("I'd like to report another issue", I.NEW_COMPLAINT),
    ("sudah diperbaiki kemarin sore, terima kasih pak", I.SATISFIED),
    ("lampu sudah terang lagi", I.SATISFIED),
    ("wis didandani, matur nuwun", I.SATISFIED),
    ("Bohong, sampai hari ini jalannya masih rusak", I.NOT_FIXED),
    ("katanya sudah selesai tapi kenyataannya belum", I.NOT_FIXED),
    ("nothing has changed", I.NOT_FIXED),
    ("masih keneh ruksak", I.NOT_FIXED),
    ("ga jadi deh pak maaf", I.CANCEL),
    ("cancel my report", I.CANCEL),
    ("tidak jadi, sudah diperbaiki sendiri oleh warga", I.CANCEL),
    ("tidak ada penerangan jalan di dusun kami sejak tahun lalu", I.CONTENT),
    ("ya begitulah pak, jalan rusak terus setiap musim hujan", I.CONTENT),
    ("iya pak, ada pohon tumbang menutup jalan di dekat balai desa", I.CONTENT),
    ("ok jadi begini pak, air PDAM mati sudah 3 hari", I.CONTENT),
    ("Kapan jembatan gantung di desa kami dibangun? sudah 5 tahun dijanjikan", I.QUESTION),
    ("oknum petugas minta uang rokok", I.CONTENT),
    ("guru sering tidak masuk kelas", I.CONTENT),
    ("dalan ing desa Wonorejo rusak parah", I.CONTENT),
    ("jalan rusak", I.CONTENT),
    ("got ngebul, banjir tiap hujan", I.CONTENT),
    ("sdfghjkl", I.GIBBERISH),
    ("...???", I.GIBBERISH),
]

# A fourth held-out batch, written against the finished module and run once: 60 of 62
# right. Of the two misses, "parobahan" (Sundanese) was then added to the spellings;
# "Can I report a problem here?" reads as QUESTION with OPENER in ``also``, left so.
HELD_OUT_FINAL: list[tuple[str, I]] = [
    ("Hallo, selamat malam pak", I.GREETING),
    ("Assalamualaikum wr.wb.", I.GREETING),
    ("hi admin", I.GREETING),
    ("sugeng sonten", I.GREETING),
    ("Selamat pagi, saya mau lapor pak", I.OPENER),
    ("Saya ingin melaporkan sesuatu", I.OPENER),
    ("Can I report a problem here?", I.OPENER),
    ("aku pengen ngadu", I.OPENER),
    ("Terima kasih pak atas tanggapannya", I.THANKS),
    ("makasih kak", I.THANKS),
    ("Thanks for your help", I.THANKS),
    ("hatur nuhun kang", I.THANKS),
    ("oke siap, saya tunggu kabarnya", I.ACK),
    ("baik bu", I.ACK),
    ("Oke deh", I.ACK),
    ("Iya", I.YES),
    ("ya pak betul", I.YES),
    ("yes, correct", I.YES),
    ("leres pak", I.YES),
    ("gak", I.NO),
    ("tidak ada pak", I.NO),
    ("No, nothing else", I.NO),
    ("mboten pak", I.NO),
    ("ga tau pak", I.DONT_KNOW),
    ("tidak tahu persis", I.DONT_KNOW),
    ("I'm not sure", I.DONT_KNOW),
    ("teu terang pak", I.DONT_KNOW),
    ("kira-kira berapa lama ditindaklanjuti?", I.QUESTION),
    ("Apakah ini akun resmi LAPOR?", I.QUESTION),
    ("siapa yang akan menangani laporan ini?", I.QUESTION),
    ("Is this free?", I.QUESTION),
    ("sudah sampai mana laporan saya?", I.STATUS),
    ("cek status LPR-7K3M9Q2X", I.STATUS),
    ("laporan saya kemarin bagaimana?", I.STATUS),
    ("saya mau bicara dengan operator", I.HUMAN),
    ("Connect me to an agent please", I.HUMAN),
    ("minta disambungkan ke petugas", I.HUMAN),
    ("ada lagi yang mau saya laporkan", I.NEW_COMPLAINT),
    ("saya punya keluhan lain", I.NEW_COMPLAINT),
    ("another complaint", I.NEW_COMPLAINT),
    ("sudah bagus pak jalannya, terima kasih", I.SATISFIED),
    ("puas sekali, cepat ditangani", I.SATISFIED),
    ("wis beres, suwun", I.SATISFIED),
    ("belum pak, masih sama seperti dulu", I.NOT_FIXED),
    ("jalannya masih berlubang pak, belum ada yang datang", I.NOT_FIXED),
    ("teu acan aya parobahan", I.NOT_FIXED),
    ("it is still broken", I.NOT_FIXED),
    ("batal pak", I.CANCEL),
    ("gak usah deh", I.CANCEL),
    ("cancel aja", I.CANCEL),
    ("saluran air tersumbat sehingga air meluap ke jalan", I.CONTENT),
    ("pelayanan di kantor catatan sipil sangat lambat", I.CONTENT),
    ("ada oknum guru yang memungut biaya tambahan", I.CONTENT),
    ("tidak ada dokter jaga di puskesmas malam hari", I.CONTENT),
    ("Jl. Diponegoro No. 45, Kel. Tegalsari", I.CONTENT),
    ("di perempatan dekat alun-alun", I.CONTENT),
    ("lampu merah di perempatan mati", I.CONTENT),
    ("omah kula kebanjiran", I.CONTENT),
    ("cai PDAM teu ngocor tilu poe", I.CONTENT),
    ("asdasdasd", I.GIBBERISH),
    ("ghjkl", I.GIBBERISH),
    ("!?!?", I.GIBBERISH),
]

# Tuning examples: the word lists were adjusted until these read right.
TUNE: list[tuple[str, I]] = [
    # greetings
    ("halo", I.GREETING),
    ("Halo pak", I.GREETING),
    ("pagi pak", I.GREETING),
    ("selamat pagi", I.GREETING),
    ("Selamat sore bu", I.GREETING),
    ("assalamualaikum", I.GREETING),
    ("asslamualaikum pak", I.GREETING),
    ("punten", I.GREETING),
    ("sugeng enjing", I.GREETING),
    ("wilujeng enjing", I.GREETING),
    ("hi", I.GREETING),
    ("hello there", I.GREETING),
    ("good morning", I.GREETING),
    ("hai kak", I.GREETING),
    ("permisi", I.GREETING),
    ("malam min", I.GREETING),
    ("P", I.GREETING),
    ("halooo", I.GREETING),
    ("sugeng dalu", I.GREETING),
    ("nuwun sewu", I.GREETING),
    # openers
    ("mau lapor pak", I.OPENER),
    ("mau lapor", I.OPENER),
    ("saya ingin melapor", I.OPENER),
    ("mau ngadu", I.OPENER),
    ("Hi, I want to report a problem", I.OPENER),
    ("kulo badhe lapor", I.OPENER),
    ("abdi bade ngalaporkeun", I.OPENER),
    ("/start", I.OPENER),
    ("LAPOR", I.OPENER),
    ("Assalamualaikum, saya mau melapor", I.OPENER),
    ("selamat pagi pak, saya mau mengadukan sesuatu", I.OPENER),
    ("sy mau lapor", I.OPENER),
    ("pak sy mo lapor", I.OPENER),
    ("mau bikin laporan", I.OPENER),
    ("saya mau komplain", I.OPENER),
    ("i have a complaint", I.OPENER),
    ("aku arep lapor", I.OPENER),
    ("tlg pak sy mau lapor", I.OPENER),
    ("punten, abdi bade lapor", I.OPENER),
    ("I'd like to report something", I.OPENER),
    # thanks
    ("terima kasih", I.THANKS),
    ("terimakasih pak", I.THANKS),
    ("makasih", I.THANKS),
    ("mksh", I.THANKS),
    ("trims", I.THANKS),
    ("tq", I.THANKS),
    ("thx", I.THANKS),
    ("suwun", I.THANKS),
    ("matur nuwun", I.THANKS),
    ("hatur nuhun", I.THANKS),
    ("thank you", I.THANKS),
    ("thanks!", I.THANKS),
    ("makasiiih", I.THANKS),
    ("terima kasih banyak bu", I.THANKS),
    ("mkasih ya", I.THANKS),
    ("matur nuwun nggih", I.THANKS),
    ("hatur nuhun pisan", I.THANKS),
    ("makasih min 🙏", I.THANKS),
    # ack
    ("ok", I.ACK),
    ("oke", I.ACK),
    ("okey", I.ACK),
    ("okeee", I.ACK),
    ("baik", I.ACK),
    ("baik pak", I.ACK),
    ("siap", I.ACK),
    ("sip", I.ACK),
    ("noted", I.ACK),
    ("baiklah", I.ACK),
    ("mangga", I.ACK),
    ("y ok", I.ACK),
    ("ok deh", I.ACK),
    ("oke siap pak", I.ACK),
    ("👍", I.ACK),
    ("ya sudah", I.ACK),
    ("got it", I.ACK),
    # yes
    ("ya", I.YES),
    ("iya", I.YES),
    ("iyaa", I.YES),
    ("y", I.YES),
    ("yoi", I.YES),
    ("betul", I.YES),
    ("benar", I.YES),
    ("leres", I.YES),
    ("nggih", I.YES),
    ("muhun", I.YES),
    ("yep", I.YES),
    ("ada", I.YES),
    ("boleh", I.YES),
    ("iya betul pak", I.YES),
    ("ok kirim", I.YES),
    ("ya benar", I.YES),
    ("kirim", I.YES),
    # no
    ("tidak", I.NO),
    ("tdk", I.NO),
    ("nggak", I.NO),
    ("gak", I.NO),
    ("ga", I.NO),
    ("enggak", I.NO),
    ("tidak ada", I.NO),
    ("ndak", I.NO),
    ("mboten", I.NO),
    ("henteu", I.NO),
    ("belum ada", I.NO),
    ("gk ada pak", I.NO),
    ("tidak ada foto", I.NO),
    ("no thanks", I.NO),
    ("mboten wonten", I.NO),
    # dont know
    ("tidak tahu", I.DONT_KNOW),
    ("gatau", I.DONT_KNOW),
    ("gak tau", I.DONT_KNOW),
    ("ndak ngerti", I.DONT_KNOW),
    ("mboten ngertos", I.DONT_KNOW),
    ("teu terang", I.DONT_KNOW),
    ("teu apal", I.DONT_KNOW),
    ("I don't know", I.DONT_KNOW),
    ("not sure", I.DONT_KNOW),
    ("lupa", I.DONT_KNOW),
    ("tdk tau pak", I.DONT_KNOW),
    ("embuh", I.DONT_KNOW),
    # questions
    ("kapan diperbaiki?", I.QUESTION),
    ("sudah sampai mana?", I.QUESTION),
    ("berapa lama prosesnya?", I.QUESTION),
    ("ini bot ya?", I.QUESTION),
    ("gimana caranya?", I.QUESTION),
    ("how long will it take?", I.QUESTION),
    ("kpn diperbaiki pak", I.QUESTION),
    ("sudah diperbaiki belum?", I.QUESTION),
    ("apakah laporan bisa anonim?", I.QUESTION),
    ("ini siapa?", I.QUESTION),
    ("bayar gak lapor disini?", I.QUESTION),
    ("kira kira kapan ditindaklanjuti?", I.QUESTION),
    # status
    ("cek laporan saya", I.STATUS),
    ("status laporan saya", I.STATUS),
    ("gimana laporan saya", I.STATUS),
    ("laporan saya sudah diproses belum", I.STATUS),
    ("check my report", I.STATUS),
    ("cek LPR-7K3M9Q2X", I.STATUS),
    ("status", I.STATUS),
    ("laporan sy gmn pak?", I.STATUS),
    # human
    ("bicara dengan petugas", I.HUMAN),
    ("mau ngobrol sama orang", I.HUMAN),
    ("minta operator", I.HUMAN),
    ("hubungkan ke CS", I.HUMAN),
    ("talk to a human", I.HUMAN),
    ("can I talk to an agent", I.HUMAN),
    ("saya mau bicara dengan admin langsung", I.HUMAN),
    # new complaint
    ("ada laporan lain", I.NEW_COMPLAINT),
    ("mau lapor yang lain", I.NEW_COMPLAINT),
    ("laporan baru", I.NEW_COMPLAINT),
    ("I have another complaint", I.NEW_COMPLAINT),
    ("satu lagi pak", I.NEW_COMPLAINT),
    ("sy mau buat laporan baru", I.NEW_COMPLAINT),
    # satisfied
    ("sudah beres", I.SATISFIED),
    ("sudah diperbaiki terima kasih", I.SATISFIED),
    ("puas", I.SATISFIED),
    ("mantap sudah bagus", I.SATISFIED),
    ("wis apik", I.SATISFIED),
    ("tos beres", I.SATISFIED),
    ("it's fixed", I.SATISFIED),
    ("udh beres pak makasih", I.SATISFIED),
    ("sangat puas", I.SATISFIED),
    ("jalannya sudah diaspal, terima kasih", I.SATISFIED),
    # not fixed
    ("belum diperbaiki", I.NOT_FIXED),
    ("masih rusak", I.NOT_FIXED),
    ("masih berlubang", I.NOT_FIXED),
    ("belum ada perubahan", I.NOT_FIXED),
    ("tidak puas", I.NOT_FIXED),
    ("bohong belum dikerjakan", I.NOT_FIXED),
    ("durung didandani", I.NOT_FIXED),
    ("teu acan dibenerkeun", I.NOT_FIXED),
    ("still broken", I.NOT_FIXED),
    ("not fixed", I.NOT_FIXED),
    ("belum diperbaiki, masih berlubang", I.NOT_FIXED),
    ("terima kasih, tapi jalannya masih berlubang", I.NOT_FIXED),
    ("blm ada perbaikan sama sekali pak", I.NOT_FIXED),
    # cancel
    ("batal", I.CANCEL),
    ("gak jadi", I.CANCEL),
    ("nggak jadi deh", I.CANCEL),
    ("cancel", I.CANCEL),
    ("ga usah", I.CANCEL),
    ("/batal", I.CANCEL),
    # content
    ("mau lapor jalan rusak di depan SD 3 sudah sebulan", I.CONTENT),
    ("tidak ada air bersih sejak 3 hari di RT 5", I.CONTENT),
    ("lampu mati", I.CONTENT),
    ("pak jalan depan rumah saya rusak parah", I.CONTENT),
    ("rahasia", I.CONTENT),
    ("jln berlubang dkt pasar", I.CONTENT),
    ("Jl. Merdeka 10", I.CONTENT),
    ("RT 03 RW 05 desa sukamaju", I.CONTENT),
    ("sampah tidak diangkut 2 minggu", I.CONTENT),
    ("dalan rusak", I.CONTENT),
    ("tolong jalan di kampung kami diperbaiki", I.CONTENT),
    ("there is a big pothole near the market", I.CONTENT),
    ("Assalamualaikum, saya mau melapor jalan rusak di depan SD 3", I.CONTENT),
    ("jalan di desa kami masih rusak sejak tahun lalu dan sering terjadi kecelakaan", I.CONTENT),
    ("yang rusak jembatannya pak", I.CONTENT),
    ("gak ada lampu jalan di gang kami", I.CONTENT),
    ("di rumah saya", I.CONTENT),
    ("kenapa lampu jalan di jalan merdeka mati terus sejak bulan lalu", I.CONTENT),
    # gibberish
    ("asdfgh", I.GIBBERISH),
    ("zzzz", I.GIBBERISH),
    ("????", I.GIBBERISH),
    ("..", I.GIBBERISH),
    ("jkjkjkjk", I.GIBBERISH),
    ("sdfsdfsdf", I.GIBBERISH),
    # added after the messy held-out batch showed the gaps
    ("slmt mlm pak", I.GREETING),
    ("mksi ya kak", I.THANKS),
    ("kami mau laporan", I.OPENER),
    ("belum dicat", I.NOT_FIXED),
    ("sudah tapi belum rapi", I.NOT_FIXED),
    ("sudah dipangkas pohonnya", I.SATISFIED),
    ("lupa nama jalannya", I.DONT_KNOW),
    ("itu saja pak", I.NO),
    ("tidak ada yang perlu ditambahkan", I.NO),
    ("ada, nanti saya kirim", I.YES),
    ("Yes, it's at Jalan Sudirman 5", I.CONTENT),
    ("ibu saya sakit tidak dilayani puskesmas", I.CONTENT),
    ("jalan didepan rumah rusak", I.CONTENT),
    ("pagi pak, kapan diperbaiki?", I.QUESTION),
    ("mau tanya pak", I.QUESTION),
    ("zzzzzzz", I.GIBBERISH),
    # added after the hard held-out batch showed the gaps
    ("Yth. Bapak/Ibu Tim LAPOR", I.GREETING),
    ("nyuwun sewu pak", I.GREETING),
    ("apa kabar pak", I.GREETING),
    ("abdi bade ngawadul", I.OPENER),
    ("makasih, semoga sukses", I.THANKS),
    ("oh begitu ya", I.ACK),
    ("iya itu tempatnya", I.YES),
    ("katanya sudah beres tapi ternyata belum", I.NOT_FIXED),
    ("kapan sekolahnya direnovasi? atapnya bocor terus tiap hujan", I.QUESTION),
    ("Tim LAPOR yth, lampu jalan mati", I.CONTENT),
    # added after probing the module with made-up messages
    ("Pak tolong jalan di Dusun Krajan sudah 2 tahun rusak tidak ada perbaikan", I.CONTENT),
    ("Mohon ditindaklanjuti", I.THANKS),
    ("jalan rusak parah di depan SD 3, mohon segera diperbaiki", I.CONTENT),
    ("please help, the road near my house is flooded", I.CONTENT),
    ("no I don't have a photo", I.NO),
    ("not yet", I.NO),
    ("anonim", I.CONTENT),
    ("Ga ada foto, tapi lubangnya besar sekali di depan masjid", I.CONTENT),
    ("terserah", I.ACK),
    ("punten bade naros", I.QUESTION),
    ("menu", I.QUESTION),
    ("sudah 3 bulan belum ada perbaikan dari dinas", I.NOT_FIXED),
    # added after probing the confirmation, privacy and feedback steps
    ("kirim aja", I.YES),
    ("sudah benar", I.YES),
    ("lanjutkan", I.YES),
    ("gas elpiji langka", I.CONTENT),
    ("publik aja gpp", I.CONTENT),
    ("lumayan", I.SATISFIED),
    ("sudah tapi kurang rapi", I.NOT_FIXED),
    ("disini pak", I.CONTENT),
    ("bot", I.QUESTION),
    ("udah itu aja", I.NO),
    ("tidak usah, terima kasih", I.CANCEL),
    # added after probing English replies
    ("I have no idea", I.DONT_KNOW),
    ("The road is fixed now, thank you", I.SATISFIED),
    ("sorry wrong chat", I.CANCEL),
    ("When will it be fixed?", I.QUESTION),
    ("There's garbage piling up near the market for two weeks", I.CONTENT),
    # added after probing Javanese and Sundanese replies
    ("kula mboten ngertos alamate", I.DONT_KNOW),
    ("abdi teu terang alamatna", I.DONT_KNOW),
    ("durung ana sing teko", I.NOT_FIXED),
    ("nggih, sampun kula kintun", I.YES),
    ("kami belum tahu pak", I.DONT_KNOW),
    ("laporan abdi kumaha?", I.STATUS),
    ("iraha dibenerkeun?", I.QUESTION),
]


def _accuracy(examples: list[tuple[str, I]]) -> tuple[float, list[str]]:
    wrong = [
        f"{text!r}: {read(text).intent} != {want}"
        for text, want in examples
        if read(text).intent is not want
    ]
    return 1 - len(wrong) / len(examples), wrong


def test_tuning_examples_are_read_right():
    accuracy, wrong = _accuracy(TUNE)
    assert accuracy >= 0.95, "\n".join(wrong)


def test_held_out_examples_are_read_right():
    accuracy, wrong = _accuracy(HELD_OUT)
    assert accuracy >= 0.85, "\n".join(wrong)
    accuracy, wrong = _accuracy(HELD_OUT_MESSY + HELD_OUT_HARD + HELD_OUT_FINAL)
    assert accuracy >= 0.85, "\n".join(wrong)


def test_every_intent_has_examples_in_both_sets():
    for examples in (TUNE, HELD_OUT):
        assert {want for _, want in examples} == set(I)
    held_out = HELD_OUT + HELD_OUT_MESSY + HELD_OUT_HARD + HELD_OUT_FINAL
    assert len(TUNE) + len(held_out) >= 250


# -- the cases that failed in production, one by one ---------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "mau lapor pak",
        "Hi, I want to report a problem",
        "Assalamualaikum, saya mau melapor",
        "selamat pagi pak, saya mau mengadukan sesuatu",
        "LAPOR",
        "/start",
        "kulo badhe lapor",
        "abdi bade ngalaporkeun",
    ],
)
def test_an_opener_is_never_the_complaint(text: str):
    reading = read(text)
    assert reading.intent is I.OPENER and reading.content == ""


def test_an_opener_with_the_complaint_keeps_the_complaint():
    reading = read("mau lapor jalan rusak di depan SD 3 sudah sebulan")
    assert reading.intent is I.CONTENT
    assert I.OPENER in reading.also
    assert reading.content == "jalan rusak di depan SD 3 sudah sebulan"


def test_greeting_and_opener_before_the_complaint_are_both_noted():
    reading = read("Assalamualaikum, saya mau melapor jalan rusak di depan SD 3")
    assert reading.intent is I.CONTENT
    assert {I.GREETING, I.OPENER} <= reading.also
    assert reading.content == "jalan rusak di depan SD 3"


@pytest.mark.parametrize("text", ["yang", "yang rusak jembatannya", "yang mana"])
def test_ya_does_not_match_yang(text: str):
    assert read(text).intent is not I.YES


@pytest.mark.parametrize("text", ["ya", "iya", "iyaa", "y", "Ya.", "YA"])
def test_yes(text: str):
    assert read(text).intent is I.YES


def test_ok_kirim_is_a_confirmation_not_content():
    reading = read("ok kirim")
    assert reading.intent in (I.YES, I.ACK) and reading.content == ""


def test_ok_is_ack():
    assert read("ok").intent is I.ACK and read("okeee").intent is I.ACK


def test_tidak_ada_is_no_but_not_inside_a_complaint():
    assert read("tidak ada").intent is I.NO
    reading = read("tidak ada air bersih sejak 3 hari di RT 5")
    assert reading.intent is I.CONTENT and I.NO not in reading.also
    assert reading.content == "tidak ada air bersih sejak 3 hari di RT 5"


def test_a_privacy_word_alone_is_content_with_low_confidence():
    reading = read("rahasia")
    assert reading.intent is I.CONTENT
    assert reading.confidence < 0.3 and reading.content == "rahasia"


def test_thanks_alone_is_thanks_and_creates_nothing():
    reading = read("terima kasih")
    assert reading.intent is I.THANKS and reading.content == "" and is_pleasantry(reading)
    assert read("makasiiih").intent is I.THANKS


def test_words_after_thanks_win():
    reading = read("terima kasih, tapi jalannya masih berlubang")
    assert reading.intent in (I.NOT_FIXED, I.CONTENT)
    assert I.THANKS in reading.also and not is_pleasantry(reading)
    assert reading.content == "jalannya masih berlubang"


def test_feedback_and_questions():
    assert read("kapan diperbaiki?").intent is I.QUESTION
    assert read("belum diperbaiki, masih berlubang").intent is I.NOT_FIXED
    assert read("sudah beres").intent is I.SATISFIED


@pytest.mark.parametrize("text", ["asdfgh", "zzzz", "????", "..", "🤪🤪"])
def test_gibberish(text: str):
    assert read(text).intent is I.GIBBERISH


def test_a_complaint_is_content_with_politeness_taken_off():
    reading = read("pak jalan depan rumah saya rusak parah")
    assert reading.intent is I.CONTENT and reading.content.startswith("jalan")
    assert read("lampu mati").intent is I.CONTENT
    reading = read("tolong jalan di kampung kami diperbaiki, terima kasih pak")
    assert reading.intent is I.CONTENT
    assert reading.content == "jalan di kampung kami diperbaiki" and I.THANKS in reading.also


def test_a_long_message_is_content_unless_it_is_feedback():
    long = "jalan di desa kami masih rusak sejak tahun lalu dan sering terjadi kecelakaan"
    assert read(long).intent is I.CONTENT
    feedback = "sudah dua bulan belum diperbaiki padahal petugas bilang minggu depan datang"
    assert read(feedback).intent is I.NOT_FIXED
    # a first complaint says it too: the dialog finds NOT_FIXED in ``also``
    reading = read("jalan rusak parah sudah sebulan tidak diperbaiki")
    assert reading.intent is I.CONTENT and I.NOT_FIXED in reading.also
    assert read("lampu jalan mati tidak pernah diperbaiki").intent is I.CONTENT


def test_a_closing_plea_is_taken_off_the_complaint():
    reading = read("jalan rusak parah di depan SD 3, mohon segera diperbaiki")
    assert reading.intent is I.CONTENT and reading.content == "jalan rusak parah di depan SD 3"
    assert is_pleasantry(read("mohon ditindaklanjuti pak"))


def test_pleasantries():
    for text in ("halo", "ok", "makasih min", "pagi pak", "siap"):
        assert is_pleasantry(read(text)), text
    for text in ("lampu mati", "ya", "tidak", "mau lapor", "terima kasih, lampu masih mati"):
        assert not is_pleasantry(read(text)), text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read(text: str):
    reading = read(text)
    assert 0 <= reading.confidence <= 1
    assert reading.content in text and reading.intent not in reading.also
    assert 0 <= place_score(text) <= 1


def test_an_answer_before_its_detail():
    reading = read("ya, di depan SD 3")
    assert reading.intent is I.CONTENT and I.YES in reading.also
    assert reading.content == "di depan SD 3"
    reading = read("iya pak, ada pohon tumbang menutup jalan di dekat balai desa")
    assert reading.intent is I.CONTENT and I.YES in reading.also
    assert reading.content == "ada pohon tumbang menutup jalan di dekat balai desa"
    reading = read("ok jadi begini pak, air PDAM mati sudah 3 hari")
    assert reading.intent is I.CONTENT and reading.content == "air PDAM mati sudah 3 hari"
    reading = read("kurang tahu alamat pastinya")
    assert reading.intent is I.DONT_KNOW and reading.content == "alamat pastinya"
    reading = read("kula mboten ngertos alamate")
    assert reading.intent is I.DONT_KNOW and reading.content == "alamate"


def test_the_reading_is_a_value():
    reading = read("Halo")
    assert isinstance(reading, Reading) and 0 <= reading.confidence <= 1
    assert isinstance(reading.also, frozenset)
    with pytest.raises(AttributeError):
        reading.intent = I.YES  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("terima kasih", "id"),
        ("thank you", "en"),
        ("matur nuwun", "jv"),
        ("hatur nuhun", "su"),
        ("kulo badhe lapor", "jv"),
        ("abdi bade lapor", "su"),
        ("sugeng enjing", "jv"),
        ("wilujeng enjing", "su"),
        ("Hi, I want to report a problem", "en"),
        ("mau lapor jalan rusak di depan SD 3 sudah sebulan", "id"),
        ("ok", None),
        ("mboten", "jv"),
        ("muhun", "su"),
        ("OK PAK", "id"),
        ("hubungkan saya dengan petugas", "id"),
        ("dalan ing desa Wonorejo rusak parah", "jv"),
        ("Good morning, the streetlight in front of my house is broken", "en"),
    ],
)
def test_language(text: str, language: str | None):
    assert read(text).language == language


# -- place_score ---------------------------------------------------------------------
PLACES = [
    "depan SD 3",
    "Jl. Merdeka 10",
    "RT 03 RW 05",
    "dekat pasar",
    "kec. ngaglik",
    "Kota Bandung",
    "di rumah saya",
    "Gg. Mawar no 5, Kel. Sukajadi",
    "desa sukamaju kecamatan cibeber",
    "samping masjid al ikhlas",
    "perempatan lampu merah Condongcatur",
    "Sleman",
    "near the market on Jalan Sudirman",
    "Ngaglik",
    "Bandung",
    "jl sudirman",
    "ngarep omahku",
]
NOT_PLACES = [
    "terima kasih",
    "asdfgh",
    "ok",
    "tidak tahu",
    "ya",
    "halo pak",
    "gak ada",
    "batal",
    "saya tidak tahu alamatnya",
    "lampu mati",
    "sampah",
]


@pytest.mark.parametrize("text", PLACES)
def test_places_score_high(text: str):
    assert place_score(text) >= 0.6


@pytest.mark.parametrize("text", NOT_PLACES)
def test_answers_and_pleasantries_are_not_places(text: str):
    assert place_score(text) <= 0.1


def test_a_complaint_without_place_words_is_middling():
    score = place_score("sudah tiga bulan tidak ada yang memperbaiki dan warga kesal sekali")
    assert 0.15 <= score <= 0.5
