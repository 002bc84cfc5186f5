"""Tracking codes: ``LPR-`` and 8 characters of Crockford base32 (40 random bits)."""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_RE = re.compile(r"^LPR-[0-9A-HJKMNP-TV-Z]{8}$")
# Crockford's decoding rules: I and L read as 1, O as 0, hyphens ignored.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_LOOSE_RE = re.compile(r"\bLPR[-\s]?([0-9A-Z]{8})\b", re.IGNORECASE)


def new_tracking_code() -> str:
    return "LPR-" + "".join(secrets.choice(ALPHABET) for _ in range(8))


def without_tracking_codes(text: str) -> str:
    """``text`` with the tracking codes it quotes taken out: their random letters can
    spell words ("LPR-6BQD1ARE")."""
    return _LOOSE_RE.sub(" ", text)


def normalize_tracking_code(text: str) -> str | None:
    """The canonical code in ``text`` as a citizen might type it (``lpr-ab12cd34``,
    ``LPR AB12CD3O``), or None."""
    match = _LOOSE_RE.search(text.strip())
    if not match:
        return None
    code = "LPR-" + match.group(1).upper().translate(_READ_AS)
    return code if TRACKING_RE.match(code) else None
