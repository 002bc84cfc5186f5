"""First-pass category and classification guesses from the complaint text.

Keyword scoring over the taxonomy in ``config/categories.toml``; every guess carries a
confidence, and a weak one falls back to ``lainnya``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from config import CATEGORIES_FILE
from normalizer.complaint import Category, Classification

FALLBACK_CODE = "lainnya"
_WORD = re.compile(r"[a-z0-9-]+")
# Common SMS/chat spellings, expanded before matching.
_ABBREVIATIONS = {
    "jln": "jalan",
    "jl": "jalan",
    "yg": "yang",
    "dgn": "dengan",
    "tdk": "tidak",
    "gk": "tidak",
    "ga": "tidak",
    "gak": "tidak",
    "nggak": "tidak",
    "sdh": "sudah",
    "blm": "belum",
    "krn": "karena",
    "utk": "untuk",
    "dr": "dari",
    "sy": "saya",
}


@dataclass(frozen=True)
class CategoryDef:
    code: str
    label: str
    keywords: tuple[str, ...]


@cache
def load_taxonomy(path: Path = CATEGORIES_FILE) -> tuple[CategoryDef, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        CategoryDef(c["code"], c["label"], tuple(k.lower() for k in c.get("keywords", ())))
        for c in data["category"]
    )


def normalize_words(text: str) -> str:
    """Lower case, SMS abbreviations expanded, words separated by single spaces."""
    return " ".join(_ABBREVIATIONS.get(w, w) for w in _WORD.findall(text.lower()))


def guess_category(text: str, taxonomy: tuple[CategoryDef, ...] | None = None) -> Category:
    taxonomy = taxonomy or load_taxonomy()
    words = f" {normalize_words(text)} "
    scores = []
    for cat in taxonomy:
        hits = sum(1 for k in cat.keywords if f" {k} " in words)
        scores.append((hits, cat))
    scores.sort(key=lambda s: s[0], reverse=True)
    best_hits, best = scores[0]
    total = sum(h for h, _ in scores)
    fallback = next(c for c in taxonomy if c.code == FALLBACK_CODE)
    if best_hits == 0:
        return Category(code=fallback.code, label=fallback.label, confidence=0.0)
    confidence = round(min(1.0, best_hits / total * min(1.0, 0.5 + 0.25 * best_hits)), 2)
    if confidence < 0.3:
        return Category(code=fallback.code, label=fallback.label, confidence=confidence)
    return Category(code=best.code, label=best.label, confidence=confidence)


_QUESTION = re.compile(
    r"\b(bagaimana|gimana|kapan|dimana|di mana|apakah|berapa|syarat|how|when|where|what)\b"
)
_ASPIRATION = re.compile(r"\b(usul|usulan|saran|sebaiknya|harap(nya)?|suggest|propose)\b")


def guess_classification(text: str) -> Classification:
    words = normalize_words(text)
    if _ASPIRATION.search(words):
        return Classification.ASPIRASI
    if _QUESTION.search(words) and text.strip().endswith("?"):
        return Classification.PERMINTAAN_INFORMASI
    return Classification.PENGADUAN
