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
    sms = (complaint.reply_channel or complaint.channel) == "sms"
    values = {"code": complaint.tracking_code, "status": status, "note": change.note or ""}
    text = (
        texts.fit_sms("notify_status", complaint.language, "note", **values)
        if sms
        else texts.render("notify_status", complaint.language, **values)
    ).strip()
    queue_message(session, runtime, complaint, text, f"notify:{change.event_key}")
    return True


# Complaints whose state the central system may still change.
OPEN_STATUSES = (
    ComplaintStatus.SUBMITTED,
    ComplaintStatus.VERIFIED,
    ComplaintStatus.DISPOSITIONED,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.AWAITING_FEEDBACK,
    ComplaintStatus.ON_HOLD,
)
PULL_BATCH = 50


def pull_statuses(runtime: Runtime) -> int:
    """Ask the target about every open complaint it holds, in batches, and record what
    changed; the number of changes. Targets with no status pull (LAPOR!) are skipped."""
    target = runtime.target
    fetch = getattr(target, "fetch_statuses", None)
    if fetch is None:
        return 0
    changed = 0
    with runtime.sessions() as session:
        open_complaints = session.scalars(
            select(Complaint)
            .where(
                Complaint.central_target == target.name,
                Complaint.central_id.is_not(None),
                Complaint.status.in_(OPEN_STATUSES),
            )
            .order_by(Complaint.submitted_at)
        ).all()
        for start in range(0, len(open_complaints), PULL_BATCH):
            batch = {c.central_id: c for c in open_complaints[start : start + PULL_BATCH]}
            for remote in fetch(list(batch)):
                complaint = batch.get(remote.central_id)
                if complaint is None or (complaint.status, complaint.resolution) == (
                    remote.status,
                    remote.resolution,
                ):
                    continue  # nothing new
                change = StatusChange(
                    status=remote.status,
                    resolution=remote.resolution,
                    note=remote.note,
                    source=target.name,
                    event_key=f"{target.name}:{remote.central_id}:{remote.status}:"
                    f"{remote.resolution}:{remote.updated}",
                )
                with session.begin_nested():
                    changed += record_change(session, runtime, complaint, change)
        session.commit()
    return changed
