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

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from forwarder import outbox
from forwarder.errors import PermanentError, RetryableError
from forwarder.outbox import ClaimedJob
from forwarder.sqltypes import utcnow
from forwarder.targets import update_heading
from forwarder.targets.open311 import Open311Target, UpdatesNotSupported
from forwarder.targets.registry import TARGETS
from gateway.complaints.records import timeline
from gateway.config import Settings, plain_config
from gateway.store.db import network_call
from gateway.store.models import Complaint, ComplaintUpdate
from normalizer.complaint import Privacy, outbound_document
from normalizer.privacy import mask_identity

if TYPE_CHECKING:
    from gateway.runtime import Runtime  # imports the dialog, which imports this module

DELIVER_UPDATE_JOB = "deliver_update"
# The key under which a session carries the settings of the process that made it
# (gateway.runtime puts them in every session it makes).
SETTINGS_INFO = "gateway_settings"
log = logging.getLogger(__name__)


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


def complaint_lane(complaint_id: str) -> str:
    """The worker's lane of a complaint's jobs: its updates run one after another, and
    never beside the complaint's own delivery."""
    return f"complaint:{complaint_id}"


def takes_updates(settings: Settings) -> bool:
    """Whether the configured target takes the reporter's updates, from configuration
    (and what this process learned about the server) alone."""
    target = TARGETS[settings.forward_target]
    return target.capabilities.updates and target.takes_updates(plain_config(settings))


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
    try:
        kept = settings is not None and not takes_updates(settings)
    except Exception:  # noqa: BLE001 - an unreadable mapping: the worker decides
        log.exception("cannot tell whether %s takes updates", settings.forward_target)
        kept = False
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


# How long an update waits before asking again whether its complaint has been delivered
# (the complaint's delivery makes it due at once anyway, see due_after_delivery).
WAIT_FOR_COMPLAINT_SECONDS = 30.0


def outbound_update(complaint: Complaint, update: ComplaintUpdate) -> dict[str, Any]:
    """The update as it may leave the gateway, for any target's ``send_update``: for an
    anonymous complaint no identity, and identity values typed into the text masked, as
    for the complaint itself (normalizer.complaint.outbound_document)."""
    document = outbound_document(complaint.document)
    reporter = document.get("reporter") or {}
    anonymous = complaint.privacy == Privacy.ANONYMOUS
    return {
        "update_id": update.id,
        "complaint_id": complaint.id,
        "tracking_code": complaint.tracking_code,
        "kind": update.kind,
        "text": (mask_identity(update.text) if anonymous else update.text) or "",
        "rating": update.rating,
        "occurred_at": update.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # the complaint's state as the gateway knows it when the update leaves
        "complaint_status": complaint.status,
        "privacy": complaint.privacy,
        "reporter": None if anonymous else {k: reporter.get(k) for k in ("name", "phone", "email")},
    }


def _keep(update: ComplaintUpdate) -> dict[str, Any]:
    update.delivery = UpdateDelivery.KEPT
    return {"delivery": UpdateDelivery.KEPT}


def _earlier_waiting(session: Session, update: ComplaintUpdate) -> bool:
    """Whether an earlier update of the same complaint is still on its way (its job
    waiting or running; one given up does not hold the rest back)."""
    earlier = session.scalars(
        select(ComplaintUpdate.id).where(
            ComplaintUpdate.complaint_id == update.complaint_id,
            ComplaintUpdate.id < update.id,
            ComplaintUpdate.delivery == UpdateDelivery.PENDING,
        )
    ).all()
    if not earlier:
        return False
    return (
        session.scalar(
            select(outbox.OutboxJob.id)
            .where(
                outbox.OutboxJob.idempotency_key.in_([update_key(i) for i in earlier]),
                outbox.OutboxJob.status.in_((outbox.JobStatus.PENDING, outbox.JobStatus.RUNNING)),
            )
            .limit(1)
        )
        is not None
    )


def deliver_update(session: Session, runtime: Runtime, job: ClaimedJob) -> dict[str, Any]:
    """The worker's handler of DELIVER_UPDATE_JOB: send one update to the target once its
    complaint is there (else wait: RetryableError), after any earlier update; keep it
    for operators when the target takes none."""
    update = session.get(ComplaintUpdate, job.payload["update_id"])
    if update is None:
        raise PermanentError(f"complaint update {job.payload['update_id']} does not exist")
    if update.delivery != UpdateDelivery.PENDING:
        return {"delivery": update.delivery}  # done by an earlier attempt
    target = runtime.target
    if not takes_updates(runtime.settings):
        return _keep(update)
    complaint = session.get(Complaint, update.complaint_id)
    if complaint is None:
        raise PermanentError(f"complaint {update.complaint_id} does not exist")
    # Never before the complaint itself. A webhook receiver may have answered without an
    # id; Open311 and LAPOR! need theirs (a batch Open311 server's token is not one).
    if complaint.submitted_at is None or (not complaint.central_id and target.name != "webhook"):
        raise RetryableError(
            f"complaint {complaint.tracking_code} is not at the central system yet",
            retry_after=WAIT_FOR_COMPLAINT_SECONDS,
        )
    if _earlier_waiting(session, update):
        raise RetryableError("an earlier update of the complaint goes first", retry_after=1.0)
    outgoing = outbound_update(complaint, update)
    try:
        with network_call(session, update):
            central_update_id = target.send_update(
                complaint.central_id, outgoing, update_key(update.id)
            )
    except UpdatesNotSupported as exc:
        if target.name == "open311" and runtime.settings.open311_updates == "auto":
            log.info("%s takes no updates (%s); keeping them for operators", target.url, exc)
            Open311Target.lacks_updates(target.url)
            return _keep(update)
        raise PermanentError(str(exc)) from exc
    if update.delivery != UpdateDelivery.PENDING:  # read again after the call (SQLite)
        return {"delivery": update.delivery}
    update.delivery = UpdateDelivery.DELIVERED
    update.central_update_id = central_update_id[:200] if central_update_id else None
    update.delivered_at = utcnow()
    return {"delivery": UpdateDelivery.DELIVERED, "central_update_id": central_update_id}


# Built once: asked on every delivery, and the ORM's select built anew each time cost
# more than the query.
# (a delivery asks whether any wait in the statement that locks its complaint)
WAITING_UPDATES = select(ComplaintUpdate.__table__.c.id).where(
    ComplaintUpdate.__table__.c.delivery == UpdateDelivery.PENDING
)
_WAITING = WAITING_UPDATES.where(
    ComplaintUpdate.__table__.c.complaint_id == bindparam("complaint_id")
)


def due_after_delivery(session: Session, complaint_id: str) -> int:
    """Called where a complaint's delivery is recorded: its updates that waited for it
    are due now, with the budget their waiting spent (and revived if they gave up)."""
    waiting = session.connection().scalars(_WAITING, {"complaint_id": complaint_id}).all()
    return outbox.due_now(session, [update_key(i) for i in waiting])


DELIVERY_LABELS = {
    UpdateDelivery.DELIVERED: "terkirim",
    UpdateDelivery.PENDING: "menunggu",
    UpdateDelivery.KEPT: "disimpan untuk petugas",
}


def console_timeline(session: Session, complaint: Complaint) -> list[dict[str, Any]]:
    """The complaint's timeline for operators: its status changes and, among them by
    time, the reporter's updates with their heading and delivery state. For an
    anonymous complaint, identity values typed into an update are masked, as in the
    complaint's own text on the same page."""
    entries: list[tuple[datetime, int, dict[str, Any]]] = [
        (datetime.fromisoformat(e["at"]), 0, e) for e in timeline(session, complaint.id)
    ]
    anonymous = complaint.privacy == Privacy.ANONYMOUS
    for u in updates_of(session, complaint.id):
        entries.append(
            (
                u.created_at,
                1,
                {
                    "at": u.created_at.isoformat(),
                    "citizen_update": {
                        "kind": u.kind,
                        "heading": update_heading(u.kind, u.rating),
                        "text": (mask_identity(u.text) if anonymous else u.text) or "",
                        "delivery": u.delivery,
                        "delivery_label": DELIVERY_LABELS.get(u.delivery, u.delivery),
                        "central_update_id": u.central_update_id,
                    },
                },
            )
        )
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return [entry for _, _, entry in entries]


def public_updates(session: Session, complaint_id: str) -> list[dict[str, str]]:
    """What anyone holding the tracking code may see of the reporter's updates: their
    kind and time, never their text (the reporter's words, like the complaint's own)."""
    return [
        {"kind": u.kind, "at": u.created_at.isoformat()} for u in updates_of(session, complaint_id)
    ]
