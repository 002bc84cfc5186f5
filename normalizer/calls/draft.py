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

from normalizer.build import _LEAD as _GREETING_LEAD
from normalizer.build import sentences
from normalizer.calls.model import Call, Speaker, Turn
from normalizer.categories import FALLBACK_CODE, category_scores, guess_category, load_taxonomy
from normalizer.complaint import Category, Privacy
from normalizer.dates import mentioned_dates
from normalizer.language import complaint_language, detect_language
from normalizer.phone import to_e164
from normalizer.region import place_in_description, place_text, resolve_place


class ReviewReason(StrEnum):
    NO_CALLER_WORDS = "no_caller_words"
    TOO_SHORT = "too_short"
    NO_LOCATION = "no_location"
    SEVERAL_ISSUES = "several_issues"
    # An operator saved the call unfinished (the caller hung up, details to follow).
    INCOMPLETE = "incomplete"
    # The draft cannot be a complaint as it stands (an hour-long call's text is longer
    # than a complaint may be): an operator shortens it.
    NOT_A_COMPLAINT_YET = "not_a_complaint_yet"


# Fewer content words than this and an operator should look before it goes out.
MIN_WORDS = 8
_WORD = re.compile(r"[a-zA-Z0-9']+")
_FILLER = frozenset(
    """ya iya iyah yaa yah betul benar bener baik oke ok okay halo hallo hai pagi siang sore
    malam selamat terima kasih makasih sama pak bu mas mbak bapak ibu sip siap hmm eh em
    ehm mm nggih inggih yes no thanks thank you hello hi good morning afternoon evening bye
    dah sudah cukup itu saja aja tidak ada gak enggak nggak sure right great fine jadi gini
    begini nih dong assalamualaikum waalaikumsalam permisi admin min kak dik""".split()
)
# A self-introduction: "saya Hendra Gunawan", "nama saya Dewi", "dengan Bu Sri", "ini
# Wati dari Desa Cihanjuang", "my name is …". The name is capitalised, or the
# introduction is all the sentence holds ("saya hendra gunawan."); "dari …" after it is
# where the caller is from.
_HONORIFIC = r"(?:(?:bapak|ibu|pak|bu|mas|mbak|kak|sdr|saudara|mr|mrs|ms)\.?\s+)?"
_INTRO = re.compile(
    r"(?:^|(?<=[\s,]))(?i:nama\s+saya|saya|dengan|ini|my\s+name\s+is|this\s+is|i\s+am|i'm)\s+"
    + f"(?i:{_HONORIFIC})"
    + r"(?P<name>[A-Z][a-zA-Z']*(?:\s+[A-Z][a-zA-Z']*){0,3})\b"
    r"(?:\s+(?i:dari|from)\s+(?P<origin>.*))?",
)
# Where a caller's "dari …" stops being a place: a comma before anything but a place.
_PLACE_WORD = re.compile(
    r"^(?:kec|kecamatan|kab|kabupaten|kota|kel|kelurahan|desa|ds|rt|rw|jl|jln|jalan|gg|"
    r"provinsi|prov|dusun|kampung|kp|perum|perumahan)\b",
    re.IGNORECASE,
)
_INTRO_ALONE = re.compile(
    r"^(?:nama\s+saya|saya|dengan|ini|my\s+name\s+is|this\s+is)\s+"
    + _HONORIFIC
    + r"(?P<name>[a-z']+(?:\s+[a-z']+){0,2})(?:\s+(?:dari|from)\s+(?P<origin>.*))?$",
    re.IGNORECASE,
)
# Words that follow "saya"/"ini"/"dengan" in a complaint, never a name.
_NOT_NAMES = frozenset(
    """mau ingin akan sudah sdh belum blm tidak tdk lapor melapor melaporkan mohon minta
    warga dari di ke yang punya sangat sedang lagi juga hanya cuma baru pernah bisa harus
    kira rasa pikir tanya bertanya the a an i not want would like to sudah udah sih kan
    pak bu mas mbak bapak ibu""".split()
)
# "Jadi gini pak, ada dua hal." — announces several problems; not one itself.
_SEVERAL = re.compile(
    r"\b(?:ada\s+(?:dua|tiga|beberapa)\s+(?:hal|masalah|keluhan|laporan)|satu\s+lagi|"
    r"yang\s+kedua|kedua(?:nya)?,|selain\s+itu|terus\s+(?:yang\s+)?(?:kedua|juga)|"
    r"one\s+more\s+thing|another\s+(?:thing|problem|issue)|second(?:ly)?,)",
    re.IGNORECASE,
)
_ANNOUNCEMENT = re.compile(
    r"^(?:(?:jadi\s+)?(?:gini|begini)\b[\s,]*(?:pak|bu|mas|mbak|min|kak)?[\s,]*)?"
    r"(?:saya\s+)?(?:mau\s+(?:lapor|melapor|melaporkan|tanya)\s*)?"
    r"(?:ada\s+(?:dua|tiga|beberapa)\s+(?:hal|masalah|keluhan|laporan))?[\s.,!:]*$",
    re.IGNORECASE,
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


_ABBREVIATED = re.compile(r"\b(jl|jln|kec|kab|kel|no|rt|rw|gg|ds|dsn|kp|prov)\.", re.IGNORECASE)
_DOT = "\u2024"  # one dot leader: an abbreviation's dot while a place phrase is read
_TRAILING_ADDRESS = re.compile(r"(?:[\s,]+(?:pak|bu|mas|mbak|kak|min|ya|yah|sir|ma'am))+$", re.I)


def _place_from_answer(text: str) -> str:
    first = sentences(text.strip())[0].rstrip(".!? ") if text.strip() else ""
    place = _ANSWER_LEAD.sub("", first, count=1)[:200].strip()
    return _TRAILING_ADDRESS.sub("", place).strip(" ,")


def _place_in(text: str) -> str | None:
    match = _PLACE.search(_ABBREVIATED.sub(lambda m: m.group(1) + _DOT, text))
    if match is None:
        return None
    parts = _PLACE_END.sub("", match.group(1)).split(", ")
    place = ", ".join([parts[0], *_leading_places(parts[1:])]).strip(" ,")[:200]
    place = place.replace(_DOT, ".")
    return _TRAILING_ADDRESS.sub("", place).strip(" ,") or None


def introduction(sentence: str) -> tuple[str, str | None, str] | None:
    """A self-introduction in ``sentence``: (name, where from, the sentence without it),
    None when it holds none. Greetings before it go too ("Pagi mbak, saya Hendra.")."""
    text = sentence.strip()
    for pattern in (_INTRO, _INTRO_ALONE):
        match = pattern.search(text)
        if match is None:
            continue
        words = match["name"].rstrip(".").split()
        if not words or words[0].lower() in _NOT_NAMES:
            continue
        words = [w for w in words if w.lower() not in _NOT_NAMES]
        if not words or any(w.lower() in _FILLER for w in words):
            words = [w for w in words if w.lower() not in _FILLER]
        if not words:
            continue
        name = " ".join(w.strip(".") for w in words).title()
        end = match.end("name")
        origin = None
        if match["origin"]:
            parts = match["origin"].split(", ")
            kept = [parts[0], *_leading_places(parts[1:])]
            origin = ", ".join(kept).strip(" ,.") or None
            end = match.start("origin") + len(", ".join(kept))
        rest = (text[: match.start()] + " " + text[end:]).strip(" ,.")
        if is_filler(rest) or _ANNOUNCEMENT.match(rest):
            rest = ""
        return name, origin, rest
    return None


def _leading_places(parts: list[str]) -> list[str]:
    kept = []
    for part in parts:
        if not _PLACE_WORD.match(part.strip()):
            break
        kept.append(part)
    return kept


def _name_from(text: str) -> str | None:
    """The name in an answer to "dengan bapak siapa?", unless the caller declined."""
    if _ANONYMOUS.search(text):
        return None
    if (intro := introduction(text)) is not None:
        return intro[0]
    match = _NAME.search(text)
    words = match.group(1).rstrip(".").split() if match else text.strip(" .!").split()
    words = [w for w in words if w.lower() not in _FILLER]
    return " ".join(words).title() if 0 < len(words) <= 4 else None


def _issues(turns: list[Turn]) -> set[str]:
    """Categories the caller's turns are each clearly about; when the caller announces
    several things ("ada dua hal", "satu lagi", "selain itu"), each sentence counts."""
    pieces = [t.text for t in turns]
    if any(_SEVERAL.search(p) for p in pieces):
        pieces = [s for p in pieces for s in sentences(p)]
    strong: dict[str, set[int]] = {}
    touched: dict[str, set[int]] = {}
    for n, piece in enumerate(pieces):
        guess = guess_category(piece)
        if guess.code != FALLBACK_CODE and guess.confidence >= 0.5:
            strong.setdefault(guess.code, set()).add(n)
        for score, category in category_scores(piece):
            if score > 0:
                touched.setdefault(category.code, set()).add(n)
    # Two problems are unrelated when neither is mentioned where the other is stated: a
    # blocked drain that floods the street ("… mampet, jadi banjir") is one problem.
    codes = set(strong)
    for a in strong:
        for b in strong:
            if a != b and (touched.get(b, set()) & strong[a] or touched.get(a, set()) & strong[b]):
                codes.discard(b if len(strong[b]) <= len(strong[a]) else a)
    return codes


def _cleaned(text: str) -> tuple[str, str | None, str | None]:
    """A caller's turn without greetings, pleasantries, announcements and the caller's
    self-introduction, wherever they are: (what is left, the name, where from)."""
    kept: list[str] = []
    name = origin = None
    for sentence in sentences(text):
        intro = introduction(sentence)
        if intro is not None:
            name, origin, sentence = name or intro[0], origin or intro[1], intro[2]
        if not sentence or is_filler(sentence) or _ANNOUNCEMENT.match(sentence):
            continue
        kept.append(_GREETING_LEAD.sub("", sentence) or sentence)
    return " ".join(kept), name, origin


def category_for(code: str) -> Category | None:
    """The taxonomy's category for an agent-chosen code, None when unknown."""
    found = next((c for c in load_taxonomy() if c.code == code), None)
    return Category(code=found.code, label=found.label, confidence=1.0) if found else None


def draft_from_call(call: Call, *, default_privacy: str = Privacy.CONFIDENTIAL) -> CallDraft:
    turns = call.turns
    name_answers = _answers(turns, _ASKS_NAME)
    identity_answers = name_answers | _answers(turns, _ASKS_NUMBER)
    place_answers = _answers(turns, _ASKS_PLACE) - identity_answers
    caller = []
    introduced: str | None = None
    origins: list[str] = []
    for i, t in enumerate(turns):
        if t.speaker != Speaker.CALLER or is_filler(t.text):
            continue
        text, name, origin = _cleaned(t.text)
        if i in name_answers and origin:
            origins.append(origin)
        if i in identity_answers:
            continue
        introduced = introduced or name
        if origin:
            origins.append(origin)
        if text:
            caller.append((i, t.model_copy(update={"text": text})))
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
    if not location_text:
        # "saya Dewi dari Kec. Waru, Kab. Sidoarjo": where the caller is from, when it
        # names a region and nothing else says where
        location_text = next((o for o in origins if resolve_place(o)), None)
    if not location_text and (place := place_in_description(spoken)):
        # "… di depan ruko Jl. Daan Mogot No. 12 Jakarta Barat": the region it names
        location_text = place_text(place)
    lat = location.lat if location else None
    lon = location.lon if location else None
    if not location_text and lat is None:
        reasons.append(ReviewReason.NO_LOCATION)

    if len(_issues([t for _, t in caller])) > 1:
        reasons.append(ReviewReason.SEVERAL_ISSUES)

    name = call.caller_name
    if name is None and name_answers:
        name = _name_from(turns[min(name_answers)].text)
    if name is None and introduced and not _ANONYMOUS.search(spoken):
        name = introduced

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
