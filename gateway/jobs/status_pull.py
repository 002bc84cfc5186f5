"""The worker's periodic pull of status from the delivery target: FixMyStreet's update
feed where the server has one, else the current state of every open complaint; each
change is recorded once through gateway.complaints.status."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from forwarder.sqltypes import utcnow
from forwarder.targets.open311 import UpdatesNotSupported
from gateway.complaints.status import StatusChange, record_change
from gateway.store.db import network_call
from gateway.store.models import ChannelState, Complaint, ComplaintStatus

if TYPE_CHECKING:
    from gateway.runtime import Runtime

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
UPDATES_MARK = "open311:updates_pulled_until"
FEED_MARGIN = timedelta(minutes=5)
FEED_START = timedelta(days=7)  # the first pull looks this far back
# Servers found without an update feed, so the fallback is decided once per process.
_NO_FEED: dict[str, bool] = {}
log = logging.getLogger(__name__)


def pull_statuses(runtime: Runtime) -> int:
    """Record what changed at the target since the last pull; the number of changes.

    Where the server keeps a feed of updates (FixMyStreet's ``servicerequestupdates``),
    every update is taken with its note, once by its id; otherwise the current state of
    every open complaint is asked for in batches. ``status_pull_mode`` picks one
    (``updates``, ``requests``) or, by default, tries the feed and falls back for good
    when the server has none. Targets with no status pull (LAPOR!) are skipped."""
    target = runtime.target
    mode = runtime.settings.status_pull_mode
    if mode != "requests" and target.capabilities.status_feed and not _NO_FEED.get(target.url):
        try:
            return pull_updates(runtime)
        except UpdatesNotSupported:
            if mode == "updates":
                raise
            log.info("%s has no servicerequestupdates feed; asking per request", target.url)
            _NO_FEED[target.url] = True
    return _pull_current_state(runtime)


def pull_updates(runtime: Runtime) -> int:
    """Take the target's update feed from where the last pull ended (with a margin for
    clocks that disagree; each update is recorded once by its id anyway)."""
    target = runtime.target
    now = utcnow()
    changed = 0
    with runtime.sessions() as session:
        waiting = session.scalar(
            select(Complaint.id)
            .where(Complaint.central_target == target.name, Complaint.status.in_(OPEN_STATUSES))
            .limit(1)
        )
        if waiting is None:  # nothing open there: no request, and nothing to catch up on
            session.merge(ChannelState(key=UPDATES_MARK, value=now.isoformat(), updated_at=now))
            session.commit()
            return 0
        mark = session.get(ChannelState, UPDATES_MARK)
        since = datetime.fromisoformat(mark.value) - FEED_MARGIN if mark else now - FEED_START
        with network_call(session):
            found = target.fetch_updates(since, now)
        updates = sorted(found, key=lambda u: (u.updated, u.update_id))
        ids = sorted({u.central_id for u in updates})
        held: dict[str, Complaint] = {}
        for start in range(0, len(ids), PULL_BATCH):
            held |= {
                c.central_id: c
                for c in session.scalars(
                    select(Complaint).where(
                        Complaint.central_target == target.name,
                        Complaint.central_id.in_(ids[start : start + PULL_BATCH]),
                    )
                )
                if c.central_id
            }
        for update in updates:
            complaint = held.get(update.central_id)
            if complaint is None:
                continue  # someone else's request on a shared server
            if not update.note and (complaint.status, complaint.resolution) == (
                update.status,
                update.resolution,
            ):
                continue  # no news for the citizen
            change = StatusChange(
                status=update.status,
                resolution=update.resolution,
                note=update.note,
                source=target.name,
                event_key=f"{target.name}:update:{update.update_id}",
                occurred_at=_parse_time(update.updated),
            )
            with session.begin_nested():
                changed += record_change(session, runtime, complaint, change)
        session.merge(ChannelState(key=UPDATES_MARK, value=now.isoformat(), updated_at=now))
        session.commit()
    return changed


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _pull_current_state(runtime: Runtime) -> int:
    target = runtime.target
    if not target.capabilities.status_poll:
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
            with network_call(session, *batch.values()):
                remotes = target.fetch_statuses(list(batch))
            for remote in remotes:
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
                    agency=remote.agency,
                    event_key=f"{target.name}:{remote.central_id}:{remote.status}:"
                    f"{remote.resolution}:{remote.updated}",
                )
                with session.begin_nested():
                    changed += record_change(session, runtime, complaint, change)
        session.commit()
    return changed
