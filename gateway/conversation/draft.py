"""What a conversation remembers between messages: the typed draft of a complaint, and
the little it keeps once the complaint is filed (which complaint follow-ups belong to,
the flood counter)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from normalizer.complaint import Privacy

# Far more than a complaint needs (LAPOR!'s own form takes a few thousand characters) and
# well inside the complaint format's 20,000: a citizen pasting message after message gets
# told, instead of a draft that can no longer be built.
DESCRIPTION_MAX = 8000


@dataclass
class Draft:
    """One complaint being written. Stored as JSON in the conversation's row."""

    description: str = ""
    # a start too short to be the complaint, kept and joined to what follows
    partial: str = ""
    category: tuple[str, str] | None = None
    category_asks: int = 0  # 0: not needed; 1, 2: times asked
    incident_date: str | None = None  # ISO date
    date_asks: int = 0  # 0: not needed; 1, 2: times asked
    location_text: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_done: bool = False
    location_asks: int = 0
    region: tuple[str, str] | None = None
    region_question: dict[str, tuple[str, str]] | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    media_done: bool = False
    privacy: str | None = None
    privacy_asks: int = 0
    # the citizen said KIRIM (or yes to the summary): submit
    send_requested: bool = False
    messages: list[str] = field(default_factory=list)
    started_at: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Draft:
        data = data or {}
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for pair in ("category", "region"):
            if isinstance(values.get(pair), list):
                values[pair] = tuple(values[pair])
        if isinstance(q := values.get("region_question"), dict):
            values["region_question"] = {k: tuple(v) for k, v in q.items()}
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        defaults = Draft()
        return {k: v for k, v in asdict(self).items() if v != getattr(defaults, k)}

    @property
    def empty(self) -> bool:
        return not (self.description or self.partial or self.media or self.location_done)

    def add_description(self, text: str) -> bool:
        """Append ``text``; False when the description is full and it was not kept whole."""
        joined = f"{self.description}\n{text}" if self.description else text
        self.description = joined[:DESCRIPTION_MAX]
        return len(joined) <= DESCRIPTION_MAX


@dataclass
class Memory:
    """The conversation row's ``draft`` column: the draft, and what outlives it."""

    draft: Draft
    # the complaint this citizen filed last here: where follow-ups go
    filed: str | None = None
    # [minute, count] of this minute's messages (the flood limit); outlives the draft
    rate: list[int] | None = None
    # times in a row the dialog did not understand; the console shows who is stuck
    misread: int = 0
    # the citizen asked for a person: the console's inbox shows it
    wants_human: bool = False

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Memory:
        data = dict(data or {})
        return cls(
            draft=Draft.from_dict(data.get("d", data)),  # old rows kept the draft flat
            filed=data.get("filed"),
            rate=data.get("_rate"),
            misread=int(data.get("misread") or 0),
            wants_human=bool(data.get("human")),
        )

    def dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if draft := self.draft.to_dict():
            out["d"] = draft
        if self.filed:
            out["filed"] = self.filed
        if self.rate:
            out["_rate"] = self.rate
        if self.misread:
            out["misread"] = self.misread
        if self.wants_human:
            out["human"] = True
        return out


@dataclass
class ConversationState:
    """One citizen's dialog state as the ``conversations`` row holds it."""

    id: int
    step: str
    language: str
    draft: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class DialogConfig:
    default_privacy: str = Privacy.CONFIDENTIAL
    default_language: str = "id"
    timeout_hours: float = 48
    max_attempts: int = 10
    # Where files the gateway keeps are served ("<public url>/media/").
    media_base_url: str = "/media/"
    # Messages a citizen may send in a minute before the dialog stops answering (0: off).
    flood_per_minute: int = 20
    # The same reporter sending the same complaint within this window gets its code again.
    duplicate_window_hours: float = 72
    # A message within this many days of a complaint's last change is about that complaint
    # (a follow-up, feedback, a question) unless it clearly starts a new one.
    followup_window_days: float = 30
