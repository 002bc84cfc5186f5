"""Personal data in free text: what an anonymous complaint must not carry out.

Detection is lokal-id's Samaran (maintained detectors for Indonesian identifiers,
validated NIK structure, phone numbers, e-mail, bank accounts…). Only identity types
are masked: a licence plate or an official's name may be what the complaint is about.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from lokal import Samaran
from lokal.samaran.logging import SamaranFilter

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


def mask_identity(text: str | None) -> str | None:
    """``text`` with every identity value replaced by a placeholder (``[PHONE_1]``).

    Samaran first; then Google's phonenumbers (region ID) looks for any phone number
    left, a second opinion on the identifier people type most."""
    if not text:
        return text
    masked = Samaran(types=list(IDENTITY_TYPES)).mask(text).text
    leftovers = [m.raw_string for m in phonenumbers.PhoneNumberMatcher(masked, "ID")]
    for n, raw in enumerate(leftovers, start=masked.count("[PHONE_") + 1):
        masked = masked.replace(raw, f"[PHONE_{n}]")
    return masked


def identity_values(text: str) -> list[tuple[str, str]]:
    """(type, value) of every identity value found in ``text``."""
    from lokal import detect_pii

    return [(m.type, m.value) for m in detect_pii(text) if m.type in IDENTITY_TYPES]


def log_filter() -> Any:
    """A logging filter that masks personal data in every record (partial masks)."""
    return SamaranFilter()
