"""Phone numbers as E.164, Indonesian numbers assumed where no country is given."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str | None, region: str = "ID") -> str | None:
    """``+62…`` for a valid number (``0812…``, ``62812…``, ``whatsapp:+62…``), else None."""
    if not raw:
        return None
    text = raw.strip()
    if ":" in text:  # channel prefixes such as "whatsapp:+62…"
        text = text.split(":", 1)[1]
    if text.isdigit() and text.startswith("62"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_national(e164: str) -> str:
    """The national format an Indonesian system expects (``0812…``)."""
    number = phonenumbers.parse(e164, "ID")
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        .replace(" ", "")
        .replace("-", "")
    )
