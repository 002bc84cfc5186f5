"""Which language a citizen writes: Bahasa Indonesia (the default) or English.

A short message gives little evidence, so this counts function words that are
frequent in one language and rare in the other, and answers None when unsure: the
caller keeps what it knew before.
"""

from __future__ import annotations

import re

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
    words = _WORD.findall(text.lower())
    en = sum(w in _EN for w in words)
    idn = sum(w in _ID for w in words)
    if en > idn:
        return "en"
    if idn > en:
        return "id"
    return None
