"""Status changes that come back from the central system: recorded once on the
timeline, and told to the citizen on the channel they used, in their language."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forwarder.outbox import JobStatus, OutboxJob
from forwarder.sqltypes import utcnow
from gateway import metrics
from gateway.complaints import sla
from gateway.complaints.messages import queue_message
from gateway.complaints.notices import status_notice
from gateway.complaints.records import add_event
from gateway.store.models import (
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    ComplaintUpdate,
)
from normalizer.validation import AHEAD, EARLIEST

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)

# What a central system may report; received/queued/submitted/failed are the gateway's own.
CENTRAL_STATUSES = frozenset(
    {
        ComplaintStatus.VERIFIED,
        ComplaintStatus.DISPOSITIONED,
        ComplaintStatus.IN_PROGRESS,
        ComplaintStatus.AWAITING_FEEDBACK,
        ComplaintStatus.CLOSED,
        ComplaintStatus.ON_HOLD,
    }
)
RESOLUTIONS = frozenset({"resolved", "duplicate", "not_authority", "archived", "withdrawn"})

S = ComplaintStatus
# The lifecycle a central system may move a complaint along, in one place (documented in
# docs/operations.md, "Threat model: input and the HTTP API"): from each status, where
# it may go. A status may repeat (a new note on the same stage). Forward jumps are
# allowed, because a pull sees only the current state and misses the steps between;
# going back is allowed only where the process goes back: a disposition returned for
# re-routing (dispositioned -> verified, in_progress -> dispositioned), a fix the
# citizen says did not work (awaiting_feedback -> in_progress), and on_hold resuming.
# received, queued and failed are the gateway's own: the central system has not got
# the complaint, so nothing it says can apply yet (see ``transition_refused``).
_OPEN_AFTER = {
    S.SUBMITTED: (S.VERIFIED, S.DISPOSITIONED, S.IN_PROGRESS, S.AWAITING_FEEDBACK),
    S.VERIFIED: (S.VERIFIED, S.DISPOSITIONED, S.IN_PROGRESS, S.AWAITING_FEEDBACK),
    S.DISPOSITIONED: (S.VERIFIED, S.DISPOSITIONED, S.IN_PROGRESS, S.AWAITING_FEEDBACK),
    S.IN_PROGRESS: (S.DISPOSITIONED, S.IN_PROGRESS, S.AWAITING_FEEDBACK),
    S.AWAITING_FEEDBACK: (S.IN_PROGRESS, S.AWAITING_FEEDBACK),
    S.ON_HOLD: (S.VERIFIED, S.DISPOSITIONED, S.IN_PROGRESS, S.AWAITING_FEEDBACK),
}
TRANSITIONS: dict[str, frozenset[str]] = {
    **{status: frozenset({*after, S.ON_HOLD, S.CLOSED}) for status, after in _OPEN_AFTER.items()},
    # closed -> closed corrects the resolution; leaving closed is a reopen (REOPENS)
    S.CLOSED: frozenset({S.CLOSED}),
}
# A closed complaint goes back to work only as a reopen: the event says so
# (``"reopen": true``) or the reporter told the gateway it is not fixed since it closed.
# Without either, a late or replayed event (an old "verified") must not reopen it.
REOPENS = frozenset({S.VERIFIED, S.IN_PROGRESS})
# Not delivered: the central system cannot know the complaint yet.
UNDELIVERED = frozenset({S.RECEIVED, S.QUEUED, S.FAILED})


def transition_refused(current: str, new: str, *, reopen: bool = False) -> str | None:
    """Why a central system's ``new`` status cannot follow ``current``; None when it can.
    ``reopen``: the change is a deliberate reopen of a closed complaint."""
    if current in UNDELIVERED:
        return f"the complaint is {current}, not delivered to the central system yet"
    if current == S.CLOSED and new in REOPENS and reopen:
        return None
    if new in TRANSITIONS.get(current, frozenset()):
        return None
    if current == S.CLOSED and new in REOPENS:
        return 'a closed complaint is reopened only by a reopen event ("reopen": true)'
    return f"{current} cannot become {new}"


STAGES = {
    "forwarded_at": sla.FORWARDED,
    "followed_up_at": sla.FOLLOWED_UP,
    "awaiting_feedback_at": frozenset({ComplaintStatus.AWAITING_FEEDBACK}),
    "closed_at": sla.CLOSED,
}


@dataclass(frozen=True)
class StatusChange:
    status: str
    event_key: str
    source: str
    resolution: str | None = None
    note: str | None = None
    occurred_at: datetime | None = None
    # The agency the central system gave the complaint to, when it says.
    agency: str | None = None


def record_change(
    session: Session, runtime: Runtime, complaint: Complaint, change: StatusChange
) -> bool:
    """Apply ``change`` unless its event was recorded before; True when it was new.

    Runs in the caller's transaction: the timeline entry, the complaint's status and the
    message to the citizen commit together.
    """
    seen = session.scalar(
        select(ComplaintEvent.id).where(ComplaintEvent.event_key == change.event_key)
    )
    if seen is not None:
        return False
    # the key is unique in the schema too: a twin racing past this check fails its flush
    add_event(
        session,
        complaint.id,
        change.status,
        note=change.note,
        source=change.source,
        at=change.occurred_at or utcnow(),
        event_key=change.event_key,
    )
    session.flush()
    complaint.status = change.status
    complaint.resolution = change.resolution if change.status == ComplaintStatus.CLOSED else None
    complaint.updated_at = utcnow()
    if change.agency:
        complaint.agency = change.agency[:200]
    metrics.STATUS_UPDATES.labels(change.source, change.status).inc()
    log.info(
        "complaint %s is %s%s (from %s)",
        complaint.tracking_code,
        change.status,
        f" ({change.resolution})" if change.resolution else "",
        change.source,
    )
    mark_stages(complaint, change.status, change.occurred_at or complaint.updated_at)
    notice = status_notice(complaint, change.status, change.resolution, change.note)
    for n, text in enumerate(notice):
        key = f"notify:{change.event_key}" + (f":{n}" if n else "")
        queue_message(session, runtime, complaint, text, key)
    return True


# What a pushed event's fields may hold (the columns they are stored in).
EVENT_ID_MAX = 190  # complaint_events.event_key is "central:<event_id>", 200 at most
CENTRAL_ID_MAX = 200
CODE_MAX = 64
NOTE_MAX = 4000
AGENCY_MAX = 200


@dataclass(frozen=True)
class CentralEvent:
    """One status event pushed to ``/api/v1/central/events``, read and checked."""

    event_id: str
    tracking_code: str | None
    central_id: str | None
    change: StatusChange
    reopen: bool = False


def _an_id(limit: int) -> Any:
    """An id as a string of 1 to ``limit`` characters; a whole number is taken too."""

    def to_text(value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not (isinstance(value, str) and 0 < len(value) <= limit):
            raise ValueError(f"a string or integer of 1-{limit} characters")
        return value

    return Annotated[str, BeforeValidator(to_text), WithJsonSchema({"type": ["string", "integer"]})]


def _moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise ValueError("an ISO 8601 date-time") from None
    if not EARLIEST <= moment <= datetime.now(UTC) + AHEAD:
        raise ValueError("between 2000-01-01 and a day from now")
    return moment


EventId = _an_id(EVENT_ID_MAX)
TrackingCode = _an_id(CODE_MAX)
CentralId = _an_id(CENTRAL_ID_MAX)
CentralStatus = Literal[tuple(sorted(str(s) for s in CENTRAL_STATUSES))]  # type: ignore[valid-type]
Resolution = Literal[tuple(sorted(str(r) for r in RESOLUTIONS))]  # type: ignore[valid-type]
Moment = Annotated[
    datetime, BeforeValidator(_moment), WithJsonSchema({"type": "string", "format": "date-time"})
]


class CentralEventBody(BaseModel):
    """One status event as a central system pushes it to ``/api/v1/central/events``;
    its JSON Schema is the one the OpenAPI document publishes."""

    model_config = ConfigDict(extra="ignore")

    event_id: EventId  # type: ignore[valid-type]
    tracking_code: TrackingCode | None = None  # type: ignore[valid-type]
    central_id: CentralId | None = None  # type: ignore[valid-type]
    status: CentralStatus  # type: ignore[valid-type]
    resolution: Resolution | None = Field(default=None, description="with status closed")  # type: ignore[valid-type]
    note: Annotated[StrictStr, Field(max_length=NOTE_MAX)] | None = None
    agency: Annotated[StrictStr, Field(max_length=AGENCY_MAX)] | None = None
    reopen: StrictBool = False
    occurred_at: Moment | None = None

    @model_validator(mode="after")
    def _names_a_complaint(self) -> CentralEventBody:
        if not (self.tracking_code or self.central_id):
            raise ValueError("tracking_code or central_id is required")
        if self.resolution is not None and self.status != ComplaintStatus.CLOSED:
            raise ValueError("resolution is given only with status closed")
        return self


def _problems(error: ValidationError) -> list[str]:
    """One line a field (a union's alternatives each report their own failure)."""
    lines: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        message = problem["msg"].removeprefix("Value error, ")
        lines.setdefault(field, f"{field}: {message}" if field else message)
    return list(lines.values())


def read_central_event(event: Any) -> tuple[CentralEvent | None, list[str]]:
    """The event, or why it is not one (every field's reason, none when it is)."""
    if not isinstance(event, dict):
        return None, ["an event must be an object"]
    try:
        body = CentralEventBody.model_validate(event)
    except ValidationError as error:
        return None, _problems(error)
    change = StatusChange(
        status=body.status,
        event_key=f"central:{body.event_id}",
        source="central",
        resolution=body.resolution,
        note=body.note,
        agency=body.agency or None,
        occurred_at=body.occurred_at,
    )
    return CentralEvent(body.event_id, body.tracking_code, body.central_id, change, body.reopen), []


def reopen_requested(session: Session, complaint: Complaint) -> bool:
    """Whether the reporter told the gateway the problem is not fixed since the
    complaint was last closed (a reopen request, or feedback: not satisfied)."""
    closed = session.scalar(
        select(func.max(ComplaintEvent.created_at)).where(
            ComplaintEvent.complaint_id == complaint.id,
            ComplaintEvent.status == ComplaintStatus.CLOSED,
        )
    )
    asked = select(ComplaintUpdate.id).where(
        ComplaintUpdate.complaint_id == complaint.id,
        or_(
            ComplaintUpdate.kind == "reopen",
            (ComplaintUpdate.kind == "feedback") & (ComplaintUpdate.rating == "not_satisfied"),
        ),
    )
    if closed is not None:
        asked = asked.where(ComplaintUpdate.created_at >= closed)
    return session.scalar(asked.limit(1)) is not None


def delivery_in_flight(session: Session, complaint_id: str) -> bool:
    """Whether a worker is delivering the complaint right now (its POST may be out)."""
    running = select(OutboxJob.id).where(
        OutboxJob.idempotency_key == f"complaint:{complaint_id}",  # gateway.complaints.records
        OutboxJob.status == JobStatus.RUNNING,
    )
    return session.scalar(running) is not None


@dataclass
class Applied:
    recorded: int = 0
    duplicates: int = 0
    unknown: list[str] = field(default_factory=list)
    # events refused by the lifecycle: {"event_id", "status" (the complaint's), "reason"}
    conflicts: list[dict[str, str]] = field(default_factory=list)


def apply_central_events(session: Session, runtime: Runtime, events: list[CentralEvent]) -> Applied:
    """Record pushed events, in order, in the caller's transaction. All or nothing: when
    any event cannot follow its complaint's status (``TRANSITIONS``; not delivered yet)
    none is recorded and the conflicts say why. An event recorded before is a duplicate,
    whatever the status is now; an unknown complaint is reported, not an error."""
    done = Applied()
    plan: list[tuple[Complaint, CentralEvent]] = []
    status_now: dict[str, str] = {}
    keys: set[str] = set()
    for event in events:
        # On PostgreSQL this waits for a delivery in flight (its worker holds the row
        # until the central system's answer is recorded); SQLite has no row locks
        complaint = session.scalar(
            select(Complaint)
            .where(
                Complaint.tracking_code == event.tracking_code.upper()
                if event.tracking_code
                else Complaint.central_id == event.central_id
            )
            .with_for_update()
        )
        if complaint is None:
            done.unknown.append(event.event_id)
            continue
        key = event.change.event_key
        if key in keys or session.scalar(
            select(ComplaintEvent.id).where(ComplaintEvent.event_key == key)
        ):
            done.duplicates += 1
            continue
        keys.add(key)
        current = status_now.get(complaint.id, complaint.status)
        if current in UNDELIVERED and delivery_in_flight(session, complaint.id):
            # the central system may push before it answers the POST that filed it: it has
            # the complaint, and the delivery keeps a status that came meanwhile
            current = ComplaintStatus.SUBMITTED
        new = event.change.status
        reopen = event.reopen or (
            current == ComplaintStatus.CLOSED
            and new in REOPENS
            and reopen_requested(session, complaint)
        )
        if reason := transition_refused(current, new, reopen=reopen):
            done.conflicts.append({"event_id": event.event_id, "status": current, "reason": reason})
            continue
        status_now[complaint.id] = new
        plan.append((complaint, event))
    if done.conflicts:
        return Applied(conflicts=done.conflicts)
    for complaint, event in plan:
        try:
            with session.begin_nested():
                new_event = record_change(session, runtime, complaint, event.change)
        except IntegrityError:  # the same event, arriving twice at once
            new_event = False
        done.recorded += new_event
        done.duplicates += not new_event
    return done


def mark_stages(complaint: Complaint, status: str, at: datetime) -> None:
    """Remember when the complaint first reached each stage the SLA and the dashboard
    count; a later repeat of a stage does not move it."""
    for column, statuses in STAGES.items():
        if status in statuses and getattr(complaint, column) is None:
            setattr(complaint, column, at)
