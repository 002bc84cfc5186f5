"""Status changes that come back from the central system: recorded once on the
timeline, and told to the citizen on the channel they used, in their language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway import texts
from gateway.complaints import add_event
from gateway.delivery import queue_message
from gateway.models import Complaint, ComplaintEvent, ComplaintStatus
from gateway.runtime import Runtime

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


@dataclass(frozen=True)
class StatusChange:
    status: str
    event_key: str
    source: str
    resolution: str | None = None
    note: str | None = None
    occurred_at: datetime | None = None


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
    status = texts.label(change.status, complaint.language)
    if change.resolution:
        status += f" ({texts.label(change.resolution, complaint.language)})"
    sms = complaint.channel == "sms"
    values = {"code": complaint.tracking_code, "status": status, "note": change.note or ""}
    text = (
        texts.fit_sms("notify_status", complaint.language, "note", **values)
        if sms
        else texts.render("notify_status", complaint.language, **values)
    ).strip()
    queue_message(session, runtime, complaint, text, f"notify:{change.event_key}")
    return True
