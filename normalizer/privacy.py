"""Personal data in free text: what an anonymous complaint must not carry out.

Detection is lokal-id's Samaran (maintained detectors for Indonesian identifiers,
validated NIK structure, phone numbers, e-mail, bank accounts…). Only identity types
are masked: a licence plate or an official's name may be what the complaint is about.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import phonenumbers
from lokal import Samaran
from lokal.samaran.core import partial_mask

IDENTITY_TYPES = (
    "NIK",
    "KK",
    "NPWP",
    "PASSPORT",
    "SIM",
    "NIP",
    "BPJS",
    "PHONE",
    "EMAIL",
    "BANK_ACCOUNT",
    "CARD",
)
# Digit groups joined by dots (and spaces or dashes): "3201.0115.0895.0001". Samaran reads
# a NIK with spaces or dashes between its digits, not with dots.
_DOTTED_RUN = re.compile(r"(?<![\w.,])\d+(?:[. -]\d+)*\.\d+(?:[. -]\d+)*(?![\w]|[.,]\d)")
_DIGIT_DOT = re.compile(r"(?<=\d)\.(?=\d)")


def _undotted(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with the dots of every 16-digit dotted run made spaces (the same length,
    so every offset holds), and where those runs are."""
    runs = [
        m.span() for m in _DOTTED_RUN.finditer(text) if sum(c.isdigit() for c in m.group()) == 16
    ]
    chars = list(text)
    for start, end in runs:
        chars[start:end] = _DIGIT_DOT.sub(" ", text[start:end])
    return "".join(chars), runs


def _matches(samaran: Samaran, text: str) -> list[Any]:
    """What ``samaran`` finds in ``text``, a NIK written with dots included: read as if
    its dots were spaces, it is found by the same rules as the plain form (a valid NIK
    structure, or "NIK"/"KTP" before it). Such a run is taken only as a NIK: an amount
    "Rp 1.500.000…" stays what it is."""
    view, runs = _undotted(text)
    if not runs:
        return samaran.scan(text)
    plain = samaran.scan(text)
    niks = [
        m
        for m in samaran.scan(view)
        if m.type == "NIK" and any(s <= m.start and m.end <= e for s, e in runs)
    ]
    kept = [m for m in plain if not any(m.start < n.end and n.start < m.end for n in niks)]
    return sorted([*kept, *niks], key=lambda m: m.start)


def _mask(text: str, samaran: Samaran, partial: bool = False) -> str:
    out, cursor = [], 0
    for m in _matches(samaran, text):
        value = text[m.start : m.end]
        out += [
            text[cursor : m.start],
            partial_mask(m.type, value) if partial else samaran.placeholder(m.type, value),
        ]
        cursor = m.end
    out.append(text[cursor:])
    return "".join(out)


def mask_identity(text: str | None) -> str | None:
    """``text`` with every identity value replaced by a placeholder (``[PHONE_1]``).

    Samaran first; then Google's phonenumbers (region ID) looks for any phone number
    left, a second opinion on the identifier people type most."""
    if not text:
        return text
    masked = _mask(text, Samaran(types=list(IDENTITY_TYPES)))
    leftovers = [m.raw_string for m in phonenumbers.PhoneNumberMatcher(masked, "ID")]
    for n, raw in enumerate(leftovers, start=masked.count("[PHONE_") + 1):
        masked = masked.replace(raw, f"[PHONE_{n}]")
    return masked


def identity_values(text: str) -> list[tuple[str, str]]:
    """(type, value) of every identity value found in ``text``."""
    return [
        (m.type, text[m.start : m.end])
        for m in _matches(Samaran(), text)
        if m.type in IDENTITY_TYPES
    ]


# ``log.info(..., extra=NO_PERSONAL_DATA)``: a line made only of ids the gateway or the
# central system issued (a tracking code, a target's name, a central id), written on every
# delivery: the scan (0.15 ms, 6 % of a delivery's CPU) is skipped for it. An exception
# or a stack on such a record is still scanned.
NO_PERSONAL_DATA = {"personal_data": False}


class _LogFilter(logging.Filter):
    """Masks personal data in the message, exception text and stack of every record,
    with partial masks that keep a line readable (``3201********0001``); lokal's
    SamaranFilter, with the dotted NIK read too."""

    def __init__(self) -> None:
        super().__init__()
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "personal_data", True):
            record.msg = _mask(record.getMessage(), Samaran(mode="partial"), partial=True)
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _mask(record.exc_text, Samaran(mode="partial"), partial=True)
        if record.stack_info:
            record.stack_info = _mask(record.stack_info, Samaran(mode="partial"), partial=True)
        return True


def log_filter() -> logging.Filter:
    """A logging filter that masks personal data in every record (partial masks)."""
    return _LogFilter()
