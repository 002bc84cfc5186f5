"""When it happened: the incident date a citizen mentions in passing ("kemarin", "sejak
2 minggu", "tanggal 3", "wingi", "3 days ago").

A handful of patterns, not a date parser: they cover how people say it in a complaint,
run in microseconds on the intake path, and never read a clock time or a house number
as a date. A span ("sejak 2 minggu") dates the start of the problem.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_UNITS = {
    "hari": 1,
    "hr": 1,
    "day": 1,
    "days": 1,
    "dinten": 1,  # su
    "dino": 1,  # jv
    "dina": 1,  # jv
    "poe": 1,  # su
    "wulan": 30,  # jv
    "taun": 365,
    "minggu": 7,
    "mgg": 7,
    "pekan": 7,
    "week": 7,
    "weeks": 7,
    "bulan": 30,
    "bln": 30,
    "month": 30,
    "months": 30,
    "sasi": 30,  # jv
    "tahun": 365,
    "thn": 365,
    "year": 365,
    "years": 365,
}
_NUMBERS = {
    "se": 1,
    "satu": 1,
    "sehari": 1,
    "a": 1,
    "an": 1,
    "one": 1,
    "dua": 2,
    "two": 2,
    "tiga": 3,
    "three": 3,
    "empat": 4,
    "four": 4,
    "lima": 5,
    "five": 5,
    "enam": 6,
    "six": 6,
    "tujuh": 7,
    "seven": 7,
    "delapan": 8,
    "sepuluh": 10,
    "ten": 10,
    "beberapa": 3,
    "rong": 2,  # jv
    "loro": 2,
    "telung": 3,
    "telu": 3,
    "tilu": 3,  # su
    "patang": 4,
    "opat": 4,
    "several": 3,
    "few": 3,
}
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUM = r"(\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_SPAN = re.compile(
    rf"\b(?:sejak|sudah|udah|udh|sdh|selama|hampir|kurang lebih|kira-kira|for|since|wis|wes|"
    rf"tos|geus|wiwit|ti|kawit)?\s*"
    rf"(?:(?:se|sa)(?P<one>{_UNIT})|{_NUM}\s*(?P<unit>{_UNIT}))"
    rf"(?:\s+(?:yang\s+|yg\s+)?(?:lalu|lewat|kemarin|terakhir|ago|kepungkur|ka tukang))?\b",
    re.IGNORECASE,
)
_SINCE_CUE = re.compile(
    r"\b(sejak|sudah|udah|udh|sdh|selama|lalu|lewat|ago|for|since|kepungkur|terakhir|wis|wes|"
    r"tos|geus|wiwit|ti|kawit|kapungkur)\b",
    re.IGNORECASE,
)
# Longer phrases first: "minggu kemarin" is a week ago, "kemarin" a day.
_RELATIVE = (
    (re.compile(r"\b(minggu lalu|pekan lalu|seminggu lalu|last week|minggu kemarin|"
                r"minggu kamari|minggu wingi)\b", re.I), 7),
    (re.compile(r"\b(bulan lalu|sebulan lalu|last month|bulan kemarin|sasi wingi|"
                r"bulan kamari)\b", re.I), 30),
    (re.compile(r"\b(kemarin lusa|kemaren lusa|2 hari lalu)\b", re.I), 2),
    (re.compile(r"\b(kemarin|kemaren|kmrn|kmarin|wingi|wingenane|kamari|yesterday|"
                r"last night|semalam|tadi malam)\b", re.I), 1),
    (re.compile(r"\b(hari ini|tadi|barusan|today|dinten ieu|dina iki|mau esuk|"
                r"this morning|tonight)\b", re.I), 0),
)  # fmt: skip
_MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11, "nopember": 11,
    "desember": 12, "des": 12, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = re.compile(
    r"\b(?:(?:tanggal|tgl|tg)\.?\s*)?(?P<day>\d{1,2})?\s*"
    r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
    r"(?:\s+(?P<year>20\d\d))?",
    re.IGNORECASE,
)
# "awal bulan ini", "sejak awal tahun", "akhir bulan lalu"
_PERIOD_START = re.compile(
    r"\b(?:awal|permulaan|beginning of|start of)\s+(?:the\s+)?(?P<unit>bulan|tahun|month|year)"
    r"(?:\s+(?P<which>ini|lalu|kemarin|this|last))?",
    re.IGNORECASE,
)
# Words that say when, though not as a day: the citizen has answered "since when?"
_TIME_CUE = re.compile(
    r"\b(sejak|semenjak|mulai|dari tanggal|selama|tadi|barusan|kemarin|kemaren|wingi|kamari|"
    r"minggu (ini|lalu|kemarin)|bulan (ini|lalu|kemarin)|tahun (ini|lalu|kemarin)|"
    r"hari ini|pagi ini|malam ini|musim hujan|musim kemarau|lebaran|semester|"
    r"(sudah|udah|udh|sdh|sejak|dari) lama|lama sekali|bertahun|berbulan|berminggu|"
    r"for (a long time|ages|years|months|weeks)|"
    r"since|ago|yesterday|today|this (morning|week|month|year)|last (week|month|year|night)|"
    r"(\d+|se|sa|rong|telung|tilu|beberapa) ?(hari|minggu|bulan|tahun|hr|bln|thn|sasi|dina|"
    r"poe|wulan|taun))\b",
    re.IGNORECASE,
)
_DAY_OF_MONTH = re.compile(r"\b(?:tanggal|tgl|tg|date)\.?\s*(\d{1,2})\b(?!\s*[:/.-]\d)", re.I)
OLDEST = timedelta(days=730)


def incident_date(text: str, today: date) -> date | None:
    """The day ``text`` says the problem happened or began, or None."""
    for pattern, days in _RELATIVE:
        if pattern.search(text):
            return today - timedelta(days=days)
    for match in _SPAN.finditer(text):
        # "2 minggu" alone may be a duration of something else; a cue makes it a date
        if not _SINCE_CUE.search(match.group(0)):
            continue
        if match.group("one"):
            count, unit = 1, match.group("one").lower()
        else:
            raw = match.group(2).lower() if match.group(2) else ""
            count = int(raw) if raw.isdigit() else _NUMBERS.get(raw, 0)
            unit = (match.group("unit") or "").lower()
        if count and unit in _UNITS:
            days = count * _UNITS[unit]
            if timedelta(days=days) <= OLDEST:
                return today - timedelta(days=days)
    for match in _MONTH.finditer(text):
        found = _month_date(text, match, today)
        if found is not None:
            return found
    if match := _PERIOD_START.search(text):
        unit, which = match.group("unit").lower(), (match.group("which") or "ini").lower()
        last = which in ("lalu", "kemarin", "last")
        if unit in ("bulan", "month"):
            year, month = today.year, today.month - (1 if last else 0)
            if month == 0:
                year, month = year - 1, 12
            return date(year, month, 1)
        return date(today.year - (1 if last else 0), 1, 1)
    if match := _DAY_OF_MONTH.search(text):
        day = int(match.group(1))
        if 1 <= day <= 31:
            return _last_day_numbered(day, today)
    return None


_STREET = re.compile(r"\b(jl|jln|jalan|gg|gang|street|st)\.?\s*$", re.IGNORECASE)


def mentions_time(text: str) -> bool:
    """Whether ``text`` says when, even in words no date comes from ("sejak awal
    semester", "musim hujan ini"): such a complaint is not asked again when."""
    return _TIME_CUE.search(text) is not None or any(
        len(m.group("month")) > 3 or m.group("day") for m in _MONTH.finditer(text)
    )


def _month_date(text: str, match: re.Match[str], today: date) -> date | None:
    word = match.group("month").lower()
    if len(word) <= 3 and word != "mei" and not match.group("day"):
        return None  # "des", "jan": a village (desa) or a name as often as a month
    if _STREET.search(text[max(0, match.start() - 10) : match.start()]):
        return None  # Jl. 17 Agustus, Jalan Mei
    month = _MONTHS[word]
    day = int(match.group("day") or 1)
    year = int(match.group("year") or today.year)
    try:
        found = date(year, month, day)
        if found > today and not match.group("year"):
            found = date(year - 1, month, day)
    except ValueError:
        return None
    return found if today - found <= OLDEST and found <= today else None


def _last_day_numbered(day: int, today: date) -> date | None:
    """The latest date not after ``today`` whose day of the month is ``day``."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate <= today:
            return candidate
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return None
