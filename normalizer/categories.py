"""Category and classification guesses from the complaint text.

Weighted keywords from the taxonomy in ``config/categories.toml``, matched on normalized
text: lower case and ASCII, SMS spellings expanded ("yg", "gk", "jln"), common Javanese
and Sundanese words read as their Indonesian equivalent, and each word stemmed with
Sastrawi (Indonesian) and Snowball (English), so "pemadaman" finds "padam" and
"potholes" finds "pothole". Every guess carries a confidence; a weak one falls back to
``lainnya`` and the dialog may ask the citizen to choose. ``bench/classify.py`` measures
both guesses on the labelled corpus in ``tests/data/``.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import snowballstemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from unidecode import unidecode

from config import CATEGORIES_FILE
from normalizer.complaint import Category, Classification

FALLBACK_CODE = "lainnya"
# Below this score nothing is said about the category; below the confidence, lainnya.
MIN_SCORE = 1.5
MIN_CONFIDENCE = 0.3
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_REPEAT = re.compile(r"^([a-z]+)2$")  # "anak2" is "anak-anak"
# Common SMS/chat spellings.
ABBREVIATIONS = {
    "jln": "jalan",
    "jl": "jalan",
    "yg": "yang",
    "dgn": "dengan",
    "tdk": "tidak",
    "gk": "tidak",
    "ga": "tidak",
    "gak": "tidak",
    "nggak": "tidak",
    "enggak": "tidak",
    "sdh": "sudah",
    "udah": "sudah",
    "blm": "belum",
    "krn": "karena",
    "utk": "untuk",
    "dr": "dari",
    "sy": "saya",
    "dpn": "depan",
    "dkt": "dekat",
    "bln": "bulan",
    "thn": "tahun",
    "hr": "hari",
    "mgg": "minggu",
    "jd": "jadi",
    "tp": "tapi",
    "pdhl": "padahal",
    "byk": "banyak",
    "org": "orang",
    "skrg": "sekarang",
    "kmrn": "kemarin",
    "bsr": "besar",
    "msh": "masih",
    "lg": "lagi",
    "gmn": "bagaimana",
    "bgmn": "bagaimana",
    "gimana": "bagaimana",
    "kpn": "kapan",
    "cm": "cuma",
    "hrs": "harus",
    "tlg": "tolong",
    "mhn": "mohon",
    "bpk": "bapak",
    "ibu2": "ibu",
    "sblm": "sebelum",
    "spt": "seperti",
    "dlm": "dalam",
    "pd": "pada",
    "kl": "kalau",
    "klo": "kalau",
    "kalo": "kalau",
    "mlm": "malam",
    "sm": "sama",
    "bs": "bisa",
    "gg": "gang",
    "cr": "cara",
    "ttg": "tentang",
    "jg": "juga",
    "aja": "saja",
    "slokan": "selokan",
    "akte": "akta",
    "ktp-el": "e-ktp",
    "ektp": "e-ktp",
}
# Javanese (jv) and Sundanese (su) words people write in complaints, read as Indonesian
# so the same keywords find them; the complaint keeps its own words and language.
REGIONAL_WORDS = {
    "dalan": "jalan",
    "dalane": "jalan",
    "rusak": "rusak",
    "ruksak": "rusak",
    "banyu": "air",
    "cai": "air",
    "runtah": "sampah",
    "sakola": "sekolah",
    "sekolahan": "sekolah",
    "bantosan": "bantuan",
    "beas": "beras",
    "dhokter": "dokter",
    "lara": "sakit",
    "listrik": "listrik",
    "pareum": "mati",
    "mati": "mati",
    "rega": "harga",
    "larang": "mahal",
    "walungan": "sungai",
    "kali": "kali",
    "ambune": "bau",
    "bauna": "bau",
    "wengi": "malam",
    "bengi": "malam",
    "brisik": "bising",
    "bising": "bising",
    "omah": "rumah",
    "bumi": "rumah",
    "dhuwit": "uang",
    "duit": "uang",
    "mbayar": "bayar",
    "mayar": "bayar",
    "lembur": "kampung",
    "kampung": "kampung",
    "guru": "guru",
    "stopan": "lalu lintas",
    "abang": "merah",
    "ijo": "hijau",
    "bolongan": "lubang",
    "liang": "lubang",
    "gedhe": "besar",
    "ageung": "besar",
}
_QUESTION = re.compile(
    r"\b(bagaimana|kapan|dimana|di mana|ke mana|kemana|apakah|apa saja|apa syarat|berapa|"
    r"syarat\w*|cara|info|informasi|jadwal|how|when|where|what|which|who|is there|"
    r"can i|do i)\b"
)
_INFO_START = re.compile(r"^\W*(mohon info|minta info|info|how|what|where|when|which|is there)\b")
_ASPIRATION = re.compile(
    r"\b(usul\w*|saran\w*|sebaiknya|seharusnya|berharap|harap\w*|mohon (di)?(bangun|tambah|"
    r"pasang|buat|buka|perluas|adakan|sediakan|tertibkan|jadikan)\w*|suggest\w*|propos\w*|"
    r"should|please consider|please make|recommend\w*)\b"
)


@dataclass(frozen=True)
class CategoryDef:
    code: str
    label: str
    # Each keyword as a sequence of stem sets (one per word) with its weight.
    keywords: tuple[tuple[tuple[frozenset[str], ...], float], ...]


@cache
def _stemmers() -> tuple[object, object]:
    return StemmerFactory().create_stemmer(), snowballstemmer.stemmer("english")


# Both stemmers keep the word being stemmed on the instance: two threads stemming at
# once (a gthread worker, the warm-up thread beside a request) corrupt each other.
_STEMMING = threading.Lock()


def word_forms(word: str) -> frozenset[str]:
    """The word, its Indonesian stem and its English stem: what a keyword may match."""
    if word.isdigit():
        # Not cached: house numbers, RTs and dates are endless, and each one kept would
        # grow every process by ~350 bytes up to the cache's bound (10 MB of a web process
        # over a million messages of the memory bench, before this).
        return frozenset((word,))
    return _stemmed_forms(word)


@lru_cache(maxsize=50_000)
def _stemmed_forms(word: str) -> frozenset[str]:
    indonesian, english = _stemmers()
    with _STEMMING:  # taken only on a cache miss
        forms = {word, indonesian.stem(word), english.stemWord(word)}  # type: ignore[attr-defined]
    return frozenset(f for f in forms if f)


def normalize_words(text: str) -> list[str]:
    """Lower-case ASCII words with SMS spellings and regional words made Indonesian."""
    words: list[str] = []
    for raw in _WORD.findall(unidecode(text).lower()):
        if match := _REPEAT.match(raw):
            raw = match.group(1)
        expanded = ABBREVIATIONS.get(raw) or REGIONAL_WORDS.get(raw) or raw
        words.extend(expanded.split())
    return words


def analyse(text: str) -> list[frozenset[str]]:
    """The text as one set of forms per word, for keyword matching."""
    return [word_forms(w) for w in normalize_words(text)]


def _parse_keyword(entry: str) -> tuple[tuple[frozenset[str], ...], float]:
    phrase, _, weight = entry.rpartition(":") if ":" in entry else (entry, "", "1")
    return tuple(word_forms(w) for w in normalize_words(phrase)), float(weight or 1)


@cache
def load_taxonomy(path: Path = CATEGORIES_FILE) -> tuple[CategoryDef, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        CategoryDef(
            c["code"],
            c["label"],
            tuple(_parse_keyword(k) for k in c.get("keywords", ())),
        )
        for c in data["category"]
    )


def _matches(words: Sequence[frozenset[str]], phrase: tuple[frozenset[str], ...]) -> bool:
    n = len(phrase)
    starts = range(len(words) - n + 1)
    return any(all(words[i + j] & phrase[j] for j in range(n)) for i in starts)


def category_scores(
    text: str, taxonomy: tuple[CategoryDef, ...] | None = None
) -> list[tuple[float, CategoryDef]]:
    """Every category with the summed weight of its keywords found in ``text``, best first."""
    taxonomy = taxonomy or load_taxonomy()
    words = analyse(text)
    present = frozenset().union(*words)
    scored = [
        (
            sum(
                weight
                for phrase, weight in cat.keywords
                # most keywords are not in the text at all: one set test rules them out
                if phrase
                and not any(present.isdisjoint(forms) for forms in phrase)
                and (len(phrase) == 1 or _matches(words, phrase))
            ),
            cat,
        )
        for cat in taxonomy
    ]
    return sorted(scored, key=lambda s: s[0], reverse=True)


def guess_category(text: str, taxonomy: tuple[CategoryDef, ...] | None = None) -> Category:
    taxonomy = taxonomy or load_taxonomy()
    scores = category_scores(text, taxonomy)
    (best, cat), (second, _) = scores[0], scores[1]
    fallback = next(c for c in taxonomy if c.code == FALLBACK_CODE)
    if best < MIN_SCORE:
        return Category(code=fallback.code, label=fallback.label, confidence=0.0)
    # a clear lead over the runner-up, and enough evidence, make a confident guess
    confidence = round(best / (best + second) * min(1.0, best / 4), 2)
    if confidence < MIN_CONFIDENCE:
        return Category(code=fallback.code, label=fallback.label, confidence=confidence)
    return Category(code=cat.code, label=cat.label, confidence=confidence)


def chosen_category(
    answer: str, taxonomy: tuple[CategoryDef, ...] | None = None
) -> Category | None:
    """The category a citizen picked from the numbered list of ``taxonomy`` ("3", "3.",
    "kesehatan", "soal jalan rusak"); None when the answer names none of them. A pick is
    the citizen's own word about their complaint: full confidence."""
    taxonomy = taxonomy or load_taxonomy()
    number = re.fullmatch(r"\s*(\d{1,2})\s*[.)]?\s*", answer)
    if number:
        index = int(number.group(1)) - 1
        picked = taxonomy[index] if 0 <= index < len(taxonomy) else None
    else:
        words = set(normalize_words(answer))
        picked = next((c for c in taxonomy if words & set(normalize_words(c.label))), None)
        if picked is None:
            best, cat = category_scores(answer, taxonomy)[0]
            picked = cat if best > 0 else None
    return (
        None if picked is None else Category(code=picked.code, label=picked.label, confidence=1.0)
    )


def guess_classification(text: str) -> Classification:
    words = " ".join(normalize_words(text))
    if _ASPIRATION.search(words):
        return Classification.ASPIRASI
    asks = text.strip().endswith("?") or _INFO_START.search(words)
    if asks and _QUESTION.search(words):
        return Classification.PERMINTAAN_INFORMASI
    return Classification.PENGADUAN
