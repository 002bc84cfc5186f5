"""Turn what a dialog or an intake system gathered into a normalized complaint."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from normalizer.categories import guess_category, guess_classification
from normalizer.complaint import (
    Attachment,
    Category,
    Channel,
    Classification,
    Complaint,
    Location,
    Privacy,
    Reporter,
)
from normalizer.message import MediaRef

TITLE_MAX = 80
# Abbreviations that end with a dot but never end a sentence: "Jl. Kaliurang", "Kec.
# Waru", "No. 12", "RT. 03", "Yth. Bapak".
ABBREVIATIONS = frozenset(
    """jl jln jalan gg kec kel kab kota ds dsn kp kab prov no rt rw dr drs ir h hj st
    yth bpk bp ibu sdr sdri pak bu tgl telp hp km kav blok perum komp dll dsb dst vs
    a.n an u.p mr mrs ms prof""".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LAST_WORD = re.compile(r"([A-Za-z.]+)\.$")
# What opens a sentence before the complaint itself: greetings and forms of address,
# a letter's salutation, lead-ins ("jadi gini pak", "mau lapor", "saya ingin
# melaporkan bahwa").
_ADDRESS = r"(?:min|admin|kak|mas|mbak|pak|bu|bapak/ibu|bapak|ibu|sir|madam)"
_LEAD = re.compile(
    r"^(?:(?:(?:selamat\s+(?:pagi|siang|sore|malam)|pagi|siang|sore|malam|halo|hallo|hai|"
    r"hi|hello|permisi|assalamu'?alaikum(?:\s+wr\.?\s*wb\.?)?|salam|dengan hormat|"
    r"(?:kepada\s+)?yth\.?[^,.!?]*,|yth\.?|dear\s+(?:sir or madam|sir|madam)|iya|ya|oh|nah|"
    r"begini|jadi\s+(?:gini|begini)|"
    rf"jadi(?=\s+{_ADDRESS}\b)|gini|maaf|mohon maaf)\b(?:\s+{_ADDRESS}\b)*"
    # a form of address alone only as one ("Pak, …"), never "Ibu saya …" (my mother)
    rf"|{_ADDRESS}\b(?=\s*[,.!:;]))[\s,.!:;-]*)+",
    re.IGNORECASE,
)
_REPORTING = re.compile(
    r"^(?:(?:i am|i'm) writing to (?:complain|report|tell you) about|i'?d like to report|"
    r"i would like to report|i want to report|(?:(?:kami|saya|aku)\s+)?"
    r"(?:(?:mau|ingin|hendak|akan)\s+)?(?:melaporkan|melapor|lapor|menyampaikan|mengadukan|"
    r"memberitahukan|mengeluhkan|menginformasikan)\b)"
    r"(?:\s+(?:nih|ya|pak|bu|min|kak|mas|mbak))*(?:\s+(?:bahwa|kalau|kalo|soal|tentang|"
    r"mengenai|ada))?[\s,:]*",
    re.IGNORECASE,
)
_THAT = re.compile(
    r"\b(?:menyampaikan|sampaikan|melaporkan|laporkan|mengadukan|adukan)\s+bahwa\s+", re.I
)
_SUBJECT = re.compile(r"^perihal\s*:\s*|^hal\s*:\s*|^re\s*:\s*", re.IGNORECASE)
# A sentence that is only a greeting, a name, an address line or a closing.
_NOT_THE_PROBLEM = re.compile(
    r"^(?:(?:saya|nama saya|dengan|ini|my name is|this is|i am)\s+(?:bapak\s+|ibu\s+|pak\s+|bu\s+)?"
    r"[A-Z][\w']*(?:\s+[A-Z][\w']*){0,3}(?:\s+dari\s+.*)?|kepada\b.*|terima\s*kasih.*|"
    r"makasih.*|hormat (?:kami|saya).*|demikian.*|atas perhatian.*|kind regards.*|"
    r"(?:mau|ingin) (?:lapor|tanya|melapor|bertanya).{0,12}|ada dua hal.*|"
    r"ada beberapa hal.*)[.!?]*$",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """``text`` split into sentences, an abbreviation's dot ("Jl.", "Kec.", "No.", "RT.")
    never ending one."""
    parts = _SENTENCE_END.split(" ".join(text.split()))
    out: list[str] = []
    for part in parts:
        if out and (last := _LAST_WORD.search(out[-1])) and _abbreviation(last.group(1)):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [p for p in out if p]


def _abbreviation(word: str) -> bool:
    low = word.lower().rstrip(".")
    return low in ABBREVIATIONS or (len(low) == 1 and low.isalpha())


def _problem(sentence: str) -> str:
    """The sentence without its greeting and lead-in ("Selamat pagi min, mau lapor …")."""
    text = _SUBJECT.sub("", sentence)
    for _ in range(3):
        stripped = _REPORTING.sub("", _LEAD.sub("", text))
        if stripped == text:
            break
        text = stripped
    if cut := _THAT.search(text):
        text = text[cut.end() :]
    return text.strip(" ,;:-")


def make_title(description: str) -> str:
    """The sentence that states the problem — the first that is more than a greeting, a
    self-introduction, an address line or a lead-in ("Jadi gini pak, ada dua hal."), with
    such openings taken off — cut at a word boundary to at most 80 characters. A letter's
    "Perihal:" line is its title."""
    text = " ".join(description.split())
    candidates = []
    for sentence in sentences(text):
        if _SUBJECT.match(sentence):
            candidates = [_SUBJECT.sub("", sentence)]
            break
        problem = _problem(sentence)
        if problem and not _NOT_THE_PROBLEM.match(problem) and len(problem.split()) >= 3:
            candidates.append(problem)
    first = candidates[0] if candidates else (sentences(text) or [text])[0]
    first = first[:1].upper() + first[1:]
    if len(first) <= TITLE_MAX:
        return first
    cut = first[: TITLE_MAX - 1].rsplit(" ", 1)[0]
    return (cut or first[: TITLE_MAX - 1]) + "…"


def build_complaint(
    *,
    id: str,
    tracking_code: str,
    channel: Channel | str,
    received_at: datetime,
    description: str,
    privacy: Privacy | str,
    language: str = "id",
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    channel_user_id: str | None = None,
    location_text: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    region: tuple[str, str] | None = None,
    media: Sequence[MediaRef] = (),
    source_messages: Sequence[str] = (),
    category: Category | None = None,
    classification: Classification | str | None = None,
    incident_date: date | None = None,
) -> Complaint:
    """A complete complaint from intake fields; category and classification guessed
    unless someone (a call-center agent) already chose them."""
    description = description.strip()
    location = None
    if location_text or lat is not None or region:
        region_code, region_name = region or (None, None)
        location = Location(
            text=location_text,
            lat=lat,
            lon=lon,
            region_code=region_code,
            region_name=region_name,
            # no place given, only which kota/kabupaten the description's twin name is
            region_source="description" if region and not location_text and lat is None else None,
        )
    return Complaint(
        id=id,
        tracking_code=tracking_code,
        channel=Channel(channel),
        received_at=received_at,
        reporter=Reporter(
            privacy=Privacy(privacy),
            name=name,
            phone=phone,
            email=email,
            channel_user_id=channel_user_id,
        ),
        title=make_title(description),
        description=description,
        language=language,
        classification=classification or guess_classification(description),
        category=category or guess_category(f"{description} {location_text or ''}"),
        incident_date=incident_date,
        location=location,
        attachments=[
            Attachment(url=m.url, content_type=m.content_type, size=m.size, sha256=m.sha256)
            for m in media
        ],
        source_messages=list(source_messages),
    )
