"""Which language a citizen writes.

Two questions with different answers: which language to *reply* in (Bahasa Indonesia
or English, the languages the gateway speaks) and which language the *complaint* is in
(recorded as written: Javanese and Sundanese too, answered in Indonesian).

A short message gives little evidence, so the reply language counts function words that
are frequent in one language and rare in the other, and answers None when unsure: the
caller keeps what it knew before. The complaint's language comes from CLD2 (pycld2,
Google's compact language detector, which knows Javanese and Sundanese), trusted only
when it calls its own answer reliable.
"""

from __future__ import annotations

import re

import pycld2

from normalizer.tracking import without_tracking_codes

_WORD = re.compile(r"[a-z']+")
_ID = frozenset(
    """yang dan di ke dari ini itu tidak gak ga nggak enggak tdk sudah sdh belum blm ada
    dengan dgn untuk utk saya kami kita mohon tolong sejak karena krn jalan jln rusak
    pak bu bapak ibu sangat sekali banyak warga kami desa kelurahan kecamatan kabupaten
    kota mau ingin lapor laporan aduan minta bagaimana kapan dimana apa siapa juga atau
    tapi tetapi sampai masih lagi akan bisa harus sebelah depan belakang dekat halo hai
    selamat pagi siang sore malam terima kasih makasih bantuan batal lewati kirim ya""".split()
)
_EN = frozenset(
    """the and is are was were of to in on at for with this that there has have had not
    please help my our we i you they it road broken since because near behind front
    street village city district want would like report complaint how when where what who
    also or but until still again will can could should very many hello hi good morning
    evening thanks thank cancel skip send yes""".split()
)


def detect_language(text: str) -> str | None:
    """``"en"``, ``"id"``, or None when the text does not tell."""
    words = _WORD.findall(without_tracking_codes(text).lower())
    en = sum(w in _EN for w in words)
    idn = sum(w in _ID for w in words)
    if en > idn:
        return "en"
    if idn > en:
        return "id"
    return None


# CLD2's codes where they differ from ISO 639-1; Malay written here is Indonesian.
_CLD2_CODES = {"jw": "jv", "ms": "id", "in": "id"}
REGIONAL = frozenset({"jv", "su", "mad", "ban", "bug", "min", "ace"})


# Everyday Javanese and Sundanese words that Indonesian does not use: CLD2 reads a short
# Javanese complaint full of Indonesian loanwords as Indonesian, these do not.
_JAVANESE = frozenset(
    """wis ora durung kula aku banget neng ing karo saben nganti ambune omah dalan dalane
    banyu opo piye yen jare kudu wong bocah iso ana ngendi tekan kanggo mboten sampun
    dereng nggih sasi bengi esuk swarane telung patang rong njaluk dhuwit mlebu oleh
    didandani gedhe akeh kuwat tuku larang rega ngurus satus ewu kuitansine""".split()
)
_SUNDANESE = frozenset(
    """abdi teu tos pisan acan saurna cenah aya henteu sareng upami unggal dugi lembur
    cai runtah naon kumaha atuh ieu eta tilu opat dinten seueur ageung liang dibenerkeun
    ruksak sorana kolot beas bantosan kantos dibagikeun sadayana pareum stopan parapatan
    isuk hese kedah mayar sarebu kuitansina meser kiat patani sakola murid diajar""".split()
)


def _marker_language(text: str) -> str | None:
    words = _WORD.findall(text.lower())
    jv = sum(w in _JAVANESE for w in words)
    su = sum(w in _SUNDANESE for w in words)
    if max(jv, su) >= 2 and max(jv, su) * 4 >= len(words):
        return "jv" if jv > su else "su"
    return None


def text_language(text: str) -> str | None:
    """The language ``text`` is written in (ISO 639-1 where there is one), or None."""
    if len(text.split()) < 3:
        return None
    if marked := _marker_language(text):
        return marked
    try:
        reliable, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:  # invalid UTF-8 sequences and the like
        return None
    code = details[0][1]
    if code == "un" or (not reliable and code not in ("jw", "su")):
        return None
    return _CLD2_CODES.get(code, code)


def complaint_language(text: str, reply_language: str) -> str:
    """The language to record for a complaint: a regional language when the text is
    clearly in one, else the language the conversation is held in."""
    found = text_language(text)
    return found if found in REGIONAL else reply_language


_LETTERS = re.compile(r"[^\W\d_]+")
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
_SAME_LETTER = re.compile(r"(.)\1{3,}")


def is_gibberish(text: str) -> bool:
    """A message with no words in it ("asdfghjkl", "????", "xxxxxx", "p"): answered
    kindly, never taken as a complaint."""
    from normalizer.categories import ABBREVIATIONS

    raw = [w.lower() for w in _LETTERS.findall(text)]
    words = [ABBREVIATIONS.get(w, w) for w in raw]  # SMS spellings are words
    letters = sum(len(w) for w in words)
    if letters < 2:
        return True
    odd = sum(
        len(w)
        for w in words
        if _CONSONANT_RUN.search(w) or _SAME_LETTER.search(w) or not set(w) & set("aeiouy")
    )
    return odd / letters > 0.5
