"""GSM 03.38 (GSM-7) text for SMS.

One character outside the GSM-7 alphabet turns the whole SMS into UCS-2, cutting a
segment from 160 to 70 characters and multiplying what the gateway pays. Replies are
passed through :func:`to_gsm7` so a stray curly quote or dash never does that.
"""

from __future__ import annotations

from unidecode import unidecode

_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENDED = "^{}\\[~]|€\f"
_BASIC_SET = frozenset(_BASIC) - {"\x1b"}
_EXTENDED_SET = frozenset(_EXTENDED)

SINGLE_SEGMENT_SEPTETS = 160
CONCATENATED_SEGMENT_SEPTETS = 153


def is_gsm7(text: str) -> bool:
    return all(c in _BASIC_SET or c in _EXTENDED_SET for c in text)


def to_gsm7(text: str) -> str:
    """``text`` with every character outside GSM-7 replaced by its closest ASCII spelling
    (``“`` → ``"``, ``—`` → ``-``, ``…`` → ``...``), or dropped when it has none."""
    if is_gsm7(text):
        return text
    out = []
    for char in text:
        if char in _BASIC_SET or char in _EXTENDED_SET:
            out.append(char)
        else:
            out.append("".join(c for c in unidecode(char) if c in _BASIC_SET or c in _EXTENDED_SET))
    return "".join(out)


def septets(text: str) -> int:
    """Length in GSM-7 septets (extension characters count twice)."""
    return sum(2 if c in _EXTENDED_SET else 1 for c in text)


def segments(text: str) -> int:
    """How many SMS segments ``text`` needs (GSM-7 if it fits the alphabet, else UCS-2)."""
    if is_gsm7(text):
        length, single, multi = septets(text), SINGLE_SEGMENT_SEPTETS, CONCATENATED_SEGMENT_SEPTETS
    else:
        length, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    if length <= single:
        return 1
    return -(-length // multi)
