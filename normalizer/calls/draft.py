"""From a call transcript to a complaint draft, in the caller's own words.

The agent's lines are scripted ("Selamat pagi, dengan call center…") and say nothing
about the complaint, so they are read only for what they ask: the caller's answer to
"lokasinya di mana?" is the location, the answer to "dengan bapak siapa?" is a name
(and therefore kept out of the description). A draft the reader is not sure of carries
reasons, and an operator looks at it before it is submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from normalizer.calls.model import Call, Speaker, Turn
from normalizer.categories import FALLBACK_CODE, guess_category, load_taxonomy
from normalizer.complaint import Category, Privacy
from normalizer.dates import mentioned_dates
from normalizer.language import complaint_language, detect_language
from normalizer.phone import to_e164


class ReviewReason(StrEnum):
    NO_CALLER_WORDS = "no_caller_words"
    TOO_SHORT = "too_short"
    NO_LOCATION = "no_location"
    SEVERAL_ISSUES = "several_issues"
    # An operator saved the call unfinished (the caller hung up, details to follow).
    INCOMPLETE = "incomplete"


# Fewer content words than this and an operator should look before it goes out.
MIN_WORDS = 8
_WORD = re.compile(r"[a-zA-Z0-9']+")
_FILLER = frozenset(
    """ya iya iyah yaa yah betul benar bener baik oke ok okay halo hallo hai pagi siang sore
    malam selamat terima kasih makasih sama pak bu mas mbak bapak ibu sip siap hmm eh em
    ehm mm nggih inggih yes no thanks thank you hello hi good morning afternoon evening bye
    dah sudah cukup itu saja aja tidak ada gak enggak nggak sure right great fine""".split()
)
_ASKS_PLACE = re.compile(
    r"\b(mana|lokasi\w*|alamat\w*|tempat\w*|daerah\w*|where|location|address)\b",
    re.IGNORECASE,
)
_ASKS_NAME = re.compile(r"\b(nama\w*|dengan (bapak|ibu|pak|bu) siapa|your name)\b", re.I)
_ASKS_NUMBER = re.compile(r"\b(nomor|no\.? ?(hp|telp|telepon)|nik|number|phone)\b", re.I)
_PLACE = re.compile(
    r"\b(?:di|dekat|depan|sebelah|samping|belakang|near|at|on|in)\s+"
    r"((?:jalan|jl\.?|jln\.?|gang|gg\.?|desa|ds\.?|kelurahan|kel\.?|kecamatan|kec\.?|"
    r"kampung|kp\.?|dusun|dsn\.?|rt|perumahan|perum|pasar|kabupaten|kab\.?|kota|komplek|"
    r"kompleks|street|road|village|puskesmas|rumah sakit|rs|rsud|sekolah|sd|smp|sma|smk|"
    r"kantor|terminal|stasiun|masjid|balai|taman|alun-alun)\b[^.;?!\n]*)",
    re.IGNORECASE,
)
# Where a place phrase stops: the complaint goes on after these words.
_PLACE_END = re.compile(
    r"\s+(yang|yg|sudah|sdh|udah|sejak|karena|krn|tolong|mohon|pak|bu|mas|mbak|itu|ini|"
    r"rusak|mati|berlubang|banjir|tergenang|macet|gelap|tidak|tdk|belum|blm|ga|gak|kok|ada|"
    r"since|which|that|please|is|are|was|has|have)\b.*$",
    re.IGNORECASE,
)
_ANSWER_LEAD = re.compile(
    r"^(itu |iya |ya |oh |jadi )*(lokasinya |alamatnya |tempatnya )?(di |it's |it is |at )?",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"(?:nama saya|dengan|my name is|this is)\s+(?:bapak |ibu |pak |bu )?"
    r"([A-Za-z][A-Za-z'.]+(?:\s+[A-Za-z][A-Za-z'.]+){0,3})",
    re.IGNORECASE,
)
_ANONYMOUS = re.compile(
    r"\b(anonim\w*|anonymous|jangan (di ?)?(sebut|tulis|cantumkan)\w* nama)", re.IGNORECASE
)
_CONFIDENTIAL = re.compile(r"\b(rahasia\w*|dirahasiakan|confidential)\b", re.IGNORECASE)


@dataclass
class CallDraft:
    """Everything needed to build the complaint, plus why it may need a look."""

    description: str
    phone: str | None = None
    name: str | None = None
    location_text: str | None = None
    lat: float | None = None
    lon: float | None = None
    category: Category | None = None
    privacy: str = Privacy.CONFIDENTIAL
    language: str = "id"
    incident_date: date | None = None
    dates_mentioned: list[date] = field(default_factory=list)
    reasons: list[ReviewReason] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        return not self.reasons

    def to_fields(self) -> dict[str, Any]:
        """JSON-ready fields, the shape kept for the review queue."""
        return {
            "description": self.description,
            "phone": self.phone,
            "name": self.name,
            "location_text": self.location_text,
            "lat": self.lat,
            "lon": self.lon,
            "category": self.category.code if self.category else None,
            "privacy": str(self.privacy),
            "language": self.language,
            "incident_date": self.incident_date.isoformat() if self.incident_date else None,
            "dates_mentioned": [d.isoformat() for d in self.dates_mentioned],
        }


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_filler(text: str) -> bool:
    """Greetings and acknowledgements ("iya pak, betul") that carry no complaint."""
    return all(w in _FILLER for w in _words(text))


def _answers(turns: list[Turn], question: re.Pattern[str]) -> set[int]:
    """Indexes of the caller turns that answer an agent turn matching ``question``."""
    found = set()
    for i, turn in enumerate(turns[:-1]):
        if turn.speaker != Speaker.AGENT or not question.search(turn.text):
            continue
        j = next((k for k in range(i + 1, len(turns)) if turns[k].speaker == Speaker.CALLER), None)
        if j is not None and not is_filler(turns[j].text):
            found.add(j)
    return found


def _place_from_answer(text: str) -> str:
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].rstrip(".!? ")
    return _ANSWER_LEAD.sub("", first, count=1)[:200].strip()


def _place_in(text: str) -> str | None:
    match = _PLACE.search(text)
    if match is None:
        return None
    return _PLACE_END.sub("", match.group(1)).strip(" ,")[:200] or None


def _name_from(text: str) -> str | None:
    """The name in an answer to "dengan bapak siapa?", unless the caller declined."""
    if _ANONYMOUS.search(text):
        return None
    match = _NAME.search(text)
    words = match.group(1).rstrip(".").split() if match else text.strip(" .!").split()
    words = [w for w in words if w.lower() not in _FILLER]
    return " ".join(words).title() if 0 < len(words) <= 4 else None


def _issues(turns: list[Turn]) -> set[str]:
    """Categories the caller's turns are each clearly about."""
    codes = set()
    for turn in turns:
        guess = guess_category(turn.text)
        if guess.code != FALLBACK_CODE and guess.confidence >= 0.5:
            codes.add(guess.code)
    return codes


def category_for(code: str) -> Category | None:
    """The taxonomy's category for an agent-chosen code, None when unknown."""
    found = next((c for c in load_taxonomy() if c.code == code), None)
    return Category(code=found.code, label=found.label, confidence=1.0) if found else None


def draft_from_call(call: Call, *, default_privacy: str = Privacy.CONFIDENTIAL) -> CallDraft:
    turns = call.turns
    name_answers = _answers(turns, _ASKS_NAME)
    identity_answers = name_answers | _answers(turns, _ASKS_NUMBER)
    place_answers = _answers(turns, _ASKS_PLACE) - identity_answers
    caller = [
        (i, t)
        for i, t in enumerate(turns)
        if t.speaker == Speaker.CALLER and not is_filler(t.text) and i not in identity_answers
    ]
    spoken = " ".join(t.text for _, t in caller)
    description = spoken or (call.summary or "")
    if call.summary and len(_words(spoken)) < MIN_WORDS:
        description = call.summary

    reasons: list[ReviewReason] = []
    if not caller and not call.summary:
        reasons.append(ReviewReason.NO_CALLER_WORDS)
    elif len(_words(description)) < MIN_WORDS:
        reasons.append(ReviewReason.TOO_SHORT)

    location = call.location
    location_text = location.text if location else None
    if not location_text and place_answers:
        location_text = _place_from_answer(turns[min(place_answers)].text) or None
    if not location_text:
        location_text = next((p for _, t in caller if (p := _place_in(t.text))), None)
    lat = location.lat if location else None
    lon = location.lon if location else None
    if not location_text and lat is None:
        reasons.append(ReviewReason.NO_LOCATION)

    if len(_issues([t for _, t in caller])) > 1:
        reasons.append(ReviewReason.SEVERAL_ISSUES)

    name = call.caller_name
    if name is None and name_answers:
        name = _name_from(turns[min(name_answers)].text)

    privacy = call.privacy or default_privacy
    everything = " ".join(t.text for t in call.caller_turns())
    if call.privacy is None:
        if _ANONYMOUS.search(everything):
            privacy = Privacy.ANONYMOUS
        elif _CONFIDENTIAL.search(everything):
            privacy = Privacy.CONFIDENTIAL

    base = call.started_at or datetime.now(UTC)
    dates = mentioned_dates(spoken, base) if spoken else []
    category = category_for(call.category) if call.category else None
    return CallDraft(
        description=description.strip(),
        phone=to_e164(call.caller_number),
        name=name,
        location_text=location_text,
        lat=lat,
        lon=lon,
        category=category or guess_category(f"{description} {location_text or ''}"),
        privacy=str(privacy),
        language=call.language
        or complaint_language(description, detect_language(description) or "id"),
        incident_date=call.incident_date or (dates[0] if dates else None),
        dates_mentioned=dates,
        reasons=reasons,
    )
