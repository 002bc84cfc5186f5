"""Corrections: "eh salah, maksudnya di RT 05", "lokasinya salah, yg bener Jl. Merdeka
20", "ganti jadi rahasia aja". A citizen who sees the summary (or has just answered)
fixes what they said; the fix goes to the field it is about, without the "eh salah"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from normalizer.intent import place_score

# How a correction starts; what follows it is the corrected part.
_CUE = re.compile(
    r"^\W*(?:(?:eh|eh+m*|ehh|oh|maaf|mohon maaf|sorry|oops|waduh|aduh|bentar|sebentar|tunggu|"
    r"wait|pak|bu|min|kak|mas|mbak|ralat|koreksi|revisi|correction|itu|tadi)\b[\s,.!:;-]*)+"
    r"(?:(?:tadi\s+)?(?:salah|keliru|kurang|bukan itu|wrong|ada yang kurang|ada yg kurang|"
    r"lokasinya salah|alamatnya salah|tempatnya salah)\b[\s,.!:;-]*)?"
    r"(?:(?:maksudnya|maksud saya|maksud sy|maksudku|yang bener|yg bener|yang benar|yg benar|"
    r"seharusnya|harusnya|i mean|i meant|meant|it should be|should be|it is)\b[\s,.!:;-]*)?",
    re.IGNORECASE,
)
# Without an interjection, these alone still mark a correction.
_PLAIN = re.compile(
    r"^\W*(?:(?:lokasi(?:nya)?|alamat(?:nya)?|tempat(?:nya)?)\s+(?:salah|keliru)|salah\s+(?:lokasi|"
    r"alamat|tempat)|maksudnya|maksud saya|yang bener|yg bener|yang benar|yg benar|ralat|koreksi|"
    r"the (?:address|location|place) (?:is wrong|should be))\b[\s,.!:;-]*"
    r"(?:(?:maksudnya|yang bener|yg bener|yang benar|yg benar|seharusnya|harusnya)\b[\s,.!:;-]*)?",
    re.IGNORECASE,
)
_ABOUT_PLACE = re.compile(
    r"\b(lokasi|alamat|tempat|lokasinya|alamatnya|tempatnya|address|location|place|"
    r"rt|rw|jl|jln|jalan|gg|gang|kel|kelurahan|desa|ds|kec|kecamatan|kab|kabupaten|kota|dusun|"
    r"depan|dekat|samping|belakang|seberang)\b\.?",
    re.IGNORECASE,
)
_ABOUT_PRIVACY = re.compile(
    r"\b(ganti|jadi|ubah|rubah|change|make it)\b.*\b(publik|umum|rahasia|anonim|public|"
    r"confidential|anonymous)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Correction:
    field: str  # "location", "privacy" or "description"
    text: str  # the corrected part, without "eh salah, maksudnya"


def read_correction(text: str, *, asked_place: bool = False) -> Correction | None:
    """The correction ``text`` makes, or None when it is no correction."""
    if _ABOUT_PRIVACY.search(text) and len(text.split()) <= 10:
        return Correction("privacy", text)
    match = _CUE.match(text)
    cue = match.group(0) if match and match.group(0).strip() else ""
    if not _has_correction_word(cue):
        plain = _PLAIN.match(text)
        if plain is None:
            return None
        cue = plain.group(0)
    rest = text[len(cue) :].strip(" ,.;:-")
    if not rest:
        return None
    place_words = _ABOUT_PLACE.search(cue) or _ABOUT_PLACE.search(rest)
    if (asked_place or place_words) and place_score(rest) >= 0.4 and len(rest.split()) <= 15:
        return Correction("location", rest)
    return Correction("description", rest)


def _has_correction_word(cue: str) -> bool:
    words = cue.lower()
    return any(
        w in words
        for w in (
            "salah",
            "keliru",
            "kurang",
            "maksud",
            "bener",
            "benar",
            "harusnya",
            "ralat",
            "koreksi",
            "revisi",
            "bentar",
            "tunggu",
            "wait",
            "wrong",
            "i mean",
            "should be",
            "correction",
            "sorry",
            "maaf",
        )
    )
