"""Status changes that come back from the central system: recorded once on the
timeline, and told to the citizen on the channel they used, in their language."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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


def _event_time(value: Any) -> tuple[datetime | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, "occurred_at must be an ISO 8601 date-time string"
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None, "occurred_at must be an ISO 8601 date-time"
    if not EARLIEST <= moment <= datetime.now(UTC) + AHEAD:
        return None, "occurred_at must be between 2000-01-01 and a day from now"
    return moment, None


def _id(value: Any, limit: int) -> str | None:
    """An id as a string (a number is taken too), or None when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and 0 < len(value) <= limit:
        return value
    return None


def read_central_event(event: Any) -> tuple[CentralEvent | None, list[str]]:
    """The event, or why it is not one (every reason, none when it is)."""
    if not isinstance(event, dict):
        return None, ["an event must be an object"]
    errors = []
    event_id = _id(event.get("event_id"), EVENT_ID_MAX)
    if event_id is None:
        errors.append(f"event_id is required: a string or integer of 1-{EVENT_ID_MAX} characters")
    code, central_id = event.get("tracking_code"), event.get("central_id")
    code = _id(code, CODE_MAX) if code is not None else None
    central_id = _id(central_id, CENTRAL_ID_MAX) if central_id is not None else None
    if event.get("tracking_code") is not None and code is None:
        errors.append(f"tracking_code must be a string of at most {CODE_MAX} characters")
    elif event.get("central_id") is not None and central_id is None:
        errors.append(f"central_id must be a string of at most {CENTRAL_ID_MAX} characters")
    elif not (code or central_id):
        errors.append("tracking_code or central_id is required")
    status, resolution = event.get("status"), event.get("resolution")
    if not (isinstance(status, str) and status in CENTRAL_STATUSES):
        errors.append(f"status must be one of {', '.join(sorted(CENTRAL_STATUSES))}")
    if resolution is not None:
        if not (isinstance(resolution, str) and resolution in RESOLUTIONS):
            errors.append(f"resolution must be one of {', '.join(sorted(RESOLUTIONS))}")
        elif status != ComplaintStatus.CLOSED:
            errors.append("resolution is given only with status closed")
    note, agency = event.get("note"), event.get("agency")
    if note is not None and not (isinstance(note, str) and len(note) <= NOTE_MAX):
        errors.append(f"note must be a string of at most {NOTE_MAX} characters")
    if agency is not None and not (isinstance(agency, str) and len(agency) <= AGENCY_MAX):
        errors.append(f"agency must be a string of at most {AGENCY_MAX} characters")
    reopen = event.get("reopen", False)
    if not isinstance(reopen, bool):
        errors.append("reopen must be true or false")
    occurred, problem = _event_time(event.get("occurred_at"))
    if problem:
        errors.append(problem)
    if errors:
        return None, errors
    assert event_id is not None
    change = StatusChange(
        status=status,
        event_key=f"central:{event_id}",
        source="central",
        resolution=resolution,
        note=note,
        agency=agency or None,
        occurred_at=occurred,
    )
    return CentralEvent(event_id, code, central_id, change, reopen), []


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
