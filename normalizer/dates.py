"""Dates a citizen mentions ("kemarin", "2 hari yang lalu", "tanggal 12 Maret").

dateparser reads both languages; what it finds is kept only when it reads as a day (a
month name, a relative day, a written date) and lies in the past two years, because a
bare number or a clock time ("jam 7") also parses as a date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_DAYLIKE = re.compile(
    r"\b(tanggal|tgl|kemarin|kemaren|lusa|lalu|hari ini|tadi|yesterday|today|ago|last|"
    r"januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|"
    r"desember|jan|feb|mar|apr|jun|jul|agu|agt|aug|sep|okt|oct|nov|des|dec|"
    r"january|february|march|may|june|july|august|october|december|"
    r"senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\b|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^\s*(jam|pukul|pkl|at)\b", re.IGNORECASE)
OLDEST = timedelta(days=730)


def mentioned_dates(text: str, base: datetime) -> list[date]:
    """The days ``text`` mentions, in the order they appear, relative to ``base``."""
    from dateparser.search import search_dates  # loads its language data on first use

    found = search_dates(
        text,
        languages=["id", "en"],
        settings={
            "RELATIVE_BASE": base.replace(tzinfo=None),
            "PREFER_DATES_FROM": "past",
            "DATE_ORDER": "DMY",
        },
    )
    days: list[date] = []
    for phrase, when in found or ():
        if not _DAYLIKE.search(phrase) or _CLOCK.match(phrase):
            continue
        day = when.date()
        if base.date() - OLDEST <= day <= base.date() and day not in days:
            days.append(day)
    return days
