"""One call as the call center hands it over: who spoke when, and what the agent filled in.

This is the request format of ``POST /api/v1/calls`` and what every import format is
turned into; the published JSON Schema is generated from this model (``call_schema``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from normalizer.complaint import Privacy
from normalizer.validation import AHEAD, EARLIEST

# An hour's call at a turn every 3.6 seconds. Each turn costs the draft's reading time
# inside the request (about 0.7 s for 1,000 on a loaded 2-core machine); thousands are
# no call.
MAX_TURNS = 1000
WHEN = "between 2000-01-01 and a day from now"


class Speaker(StrEnum):
    CALLER = "caller"
    AGENT = "agent"


class _Model(BaseModel):
    # NaN and the infinities are no time and no place (and PostgreSQL's JSON refuses them)
    model_config = ConfigDict(
        extra="forbid", use_enum_values=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class Turn(_Model):
    speaker: Speaker
    text: str = Field(min_length=1, max_length=10000)
    # Seconds from the start of the call, when the recording system knows them.
    start: float | None = Field(default=None, ge=0)
    end: float | None = Field(default=None, ge=0)


class CallLocation(_Model):
    text: str | None = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Call(_Model):
    """A call transcript. ``category``, ``location``, ``privacy``, ``caller_name`` and
    ``incident_date`` are what the agent already filled in; they win over what the
    gateway reads from the caller's words."""

    call_id: str = Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
    started_at: datetime | None = Field(default=None, description=f"date-time {WHEN}")
    ended_at: datetime | None = Field(default=None, description=f"date-time {WHEN}")
    caller_number: str | None = Field(default=None, max_length=40)
    agent_id: str | None = Field(default=None, max_length=100)
    turns: list[Turn] = Field(default_factory=list, max_length=MAX_TURNS)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    caller_name: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=50)
    location: CallLocation | None = None
    privacy: Privacy | None = None
    incident_date: date | None = Field(default=None, description=f"date {WHEN}")
    # Text the agent typed for the complaint, used when the transcript says too little.
    summary: str | None = Field(default=None, max_length=20000)

    @model_validator(mode="before")
    @classmethod
    def _location_as_text(cls, data: Any) -> Any:
        # A plain string is the common case from call-center systems.
        if isinstance(data, dict) and isinstance(data.get("location"), str):
            return {**data, "location": {"text": data["location"]}}
        return data

    @field_validator("started_at", "ended_at")
    @classmethod
    def _plausible_time(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        except OverflowError:  # year 1 at +14:00 is before the first UTC moment
            raise ValueError(f"must be {WHEN}") from None
        if not EARLIEST <= moment <= datetime.now(UTC) + AHEAD:
            raise ValueError(f"must be {WHEN}")
        return value

    @field_validator("incident_date")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        if value is not None and not (
            EARLIEST.date() <= value <= (datetime.now(UTC) + AHEAD).date()
        ):
            raise ValueError(f"must be {WHEN}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Call:
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        if not self.turns and not self.summary:
            raise ValueError("a call needs turns or a summary")
        return self

    def caller_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == Speaker.CALLER]


def call_schema() -> dict[str, Any]:
    """The JSON Schema of a call, as published in the OpenAPI document."""
    schema = Call.model_json_schema()
    schema["$id"] = "lapor-gateway/call@1"
    return schema
