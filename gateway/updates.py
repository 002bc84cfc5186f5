"""What the reporter says about a complaint after filing it: a follow-up detail, their
feedback when the central system asks for it, or a request to reopen it.

The dialog calls :func:`record_update`; from there an update is stored and, in the same
transaction, its delivery job is queued (transactional outbox), or, when the configured
target cannot take updates, it is kept for operators (``delivery = kept``). Whether the
target takes updates is decided from configuration alone, never by a network call on the
citizen's request: a webhook always does, an Open311 server as ``open311_updates`` says
(``auto``: until it answers that it has no ``servicerequestupdates``), SP4N-LAPOR! when
its mapping file has an ``[update]`` section.

The job runs in the complaint's lane and never goes before the complaint itself: while
the complaint has no central id, it waits and is tried again.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forwarder import outbox
from forwarder.sqltypes import utcnow
from forwarder.targets.lapor import MAPPING_FILE, LaporConfig
from gateway.models import Complaint, ComplaintUpdate

if TYPE_CHECKING:
    from gateway.config import Settings

DELIVER_UPDATE_JOB = "deliver_update"
# The key under which a session carries the settings of the process that made it
# (gateway.runtime puts them in every session it makes).
SETTINGS_INFO = "gateway_settings"


class UpdateKind(StrEnum):
    FOLLOWUP = "followup"  # more detail on the complaint
    FEEDBACK = "feedback"  # the answer to "are you satisfied?" (awaiting_feedback)
    REOPEN = "reopen"  # "not fixed" on a closed complaint


class Rating(StrEnum):
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"


class UpdateDelivery(StrEnum):
    PENDING = "pending"  # its job waits (for the complaint) or runs
    DELIVERED = "delivered"  # the central system took it
    KEPT = "kept"  # the target takes no updates: operators see it in the console


# Open311 servers (by URL) that answered they have no POST servicerequestupdates, as
# learned by this process.
_NO_UPDATES: set[str] = set()


def complaint_lane(complaint_id: str) -> str:
    """The worker's lane of a complaint's jobs: its updates run one after another, and
    never beside the complaint's own delivery."""
    return f"complaint:{complaint_id}"


def open311_lacks_updates(url: str) -> None:
    """Remember that the Open311 server at ``url`` has no update endpoint."""
    _NO_UPDATES.add(url.rstrip("/"))


def takes_updates(settings: Settings) -> bool:
    """Whether the configured target takes the reporter's updates, from configuration
    (and what this process learned about an Open311 server) alone."""
    target = settings.forward_target
    if target == "webhook":
        return True
    if target == "open311":
        mode = settings.open311_updates
        if mode == "off":
            return False
        return mode == "on" or settings.forward_url.rstrip("/") not in _NO_UPDATES
    if target == "lapor":
        return bool(lapor_update_mapping(settings.lapor_config_file or MAPPING_FILE))
    return False


@lru_cache(maxsize=8)
def lapor_update_mapping(path: Path) -> dict[str, Any]:
    """The ``[update]`` section of a LAPOR! mapping file; empty when it has none."""
    return LaporConfig.load(path).update


def record_update(
    session: Session,
    complaint: Complaint,
    *,
    kind: str,
    text: str,
    channel: str,
    rating: str | None = None,
    source_message: str | None = None,
    max_attempts: int = 10,
) -> ComplaintUpdate:
    """Store the update and, in the same transaction, queue its delivery job
    (transactional outbox) — or mark it kept when the configured target cannot take
    updates; never raises for a target without support. No commit.

    ``kind`` is an :class:`UpdateKind`; ``rating`` (feedback only) a :class:`Rating`. A
    session that does not carry its process's settings queues the job, and the worker,
    which knows the target, keeps the update if it must.
    """
    kind = UpdateKind(kind)
    rating = Rating(rating) if rating else None
    settings = session.info.get(SETTINGS_INFO)
    kept = settings is not None and not takes_updates(settings)
    update = ComplaintUpdate(
        complaint_id=complaint.id,
        kind=kind.value,
        text=text or "",
        rating=rating.value if rating else None,
        channel=channel[:20],
        source_message=source_message[:200] if source_message else None,
        delivery=UpdateDelivery.KEPT if kept else UpdateDelivery.PENDING,
        created_at=utcnow(),
    )
    session.add(update)
    session.flush()
    if not kept:
        outbox.enqueue(
            session,
            DELIVER_UPDATE_JOB,
            update_key(update.id),
            {
                "update_id": update.id,
                "complaint_id": complaint.id,
                "lane": complaint_lane(complaint.id),
            },
            max_attempts=max_attempts,
        )
    return update


def update_key(update_id: int) -> str:
    """The update job's idempotency key, also sent to the central system."""
    return f"update:{update_id}"


def updates_of(session: Session, complaint_id: str) -> list[ComplaintUpdate]:
    """A complaint's updates, oldest first."""
    return list(
        session.scalars(
            select(ComplaintUpdate)
            .where(ComplaintUpdate.complaint_id == complaint_id)
            .order_by(ComplaintUpdate.created_at, ComplaintUpdate.id)
        )
    )
