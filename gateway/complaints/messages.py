"""Messages to citizens: each stored with its send job in the caller's transaction
(transactional outbox), so a message is sent if and only if what prompted it commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import String, bindparam, func, insert, select
from sqlalchemy.orm import Session

from forwarder import outbox
from forwarder.outbox import ClaimedJob, OutboxJob
from forwarder.sqltypes import utcnow
from gateway.complaints.records import SEND_JOB
from gateway.store.models import OutboundMessage, OutboundStatus

if TYPE_CHECKING:
    from gateway.runtime import Runtime


_OUTBOUND = OutboundMessage.__table__
# a Core statement built once: the ORM's add and flush were ~8 % of a chat reply's CPU
_INSERT_OUTBOUND = insert(_OUTBOUND).returning(_OUTBOUND.c.id)


@dataclass(frozen=True)
class Outbound:
    """What sending a message reads: the message, and the citizen's conversation (blocked
    since, and when they last wrote: Meta's 24-hour window)."""

    channel: str
    recipient: str
    sender: str | None
    text: str
    options: dict[str, Any] | None
    blocked_at: datetime | None
    last_heard: datetime | None


def _store(session: Session, message: OutboundMessage) -> dict[str, Any]:
    """Insert ``message`` (its ``id`` is set) in the caller's transaction; its send
    job's payload."""
    now = utcnow()
    message.id = (
        session.connection()
        .execute(
            _INSERT_OUTBOUND,
            {
                "channel": message.channel,
                "recipient": message.recipient,
                "sender": message.sender,
                "text": message.text,
                "options": message.options,
                "complaint_id": message.complaint_id,
                "status": message.status or OutboundStatus.QUEUED,
                "external_id": None,
                "error": None,
                "created_at": now,
                "updated_at": now,
            },
        )
        .scalar_one()
    )
    return {"outbound_id": message.id, "lane": recipient_lane(message.channel, message.recipient)}


def queue_outbound(session: Session, runtime: Runtime, message: OutboundMessage, key: str) -> int:
    """Store ``message`` and its send job in the caller's transaction; the job's id."""
    payload = _store(session, message)
    max_attempts = runtime.settings.forward_max_attempts
    return outbox.enqueue(session, SEND_JOB, key, payload, max_attempts=max_attempts)


def queue_reply(
    session: Session, runtime: Runtime, message: OutboundMessage, key: str, sender_id: str
) -> ClaimedJob:
    """``queue_outbound`` for a reply this process sends itself right after the commit:
    its job is claimed by ``sender_id`` already (``outbox.enqueue_claimed``), and knows
    what its send would read back: the citizen has just written (the window is open)
    and has not blocked us (writing lifts a block, ``gateway.intake.message``)."""
    known = Outbound(
        message.channel,
        message.recipient,
        message.sender,
        message.text,
        message.options,
        blocked_at=None,
        last_heard=utcnow(),
    )
    max_attempts = runtime.settings.forward_max_attempts
    lease = runtime.settings.worker_lease_seconds
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # the message and its job in one statement (a data-modifying CTE): one round
        # trip fewer for every chat reply; the job's payload is made from the message's id
        job = outbox.claimed_row(SEND_JOB, key, None, max_attempts, sender_id, lease)
        job_id, payload = connection.execute(
            _REPLY_AND_JOB,
            {
                **job,
                "o_channel": message.channel,
                "o_recipient": message.recipient,
                "o_sender": message.sender,
                "o_text": message.text,
                "o_options": message.options,
                "o_status": OutboundStatus.QUEUED,
                "o_now": job["created_at"],
                "lane": recipient_lane(message.channel, message.recipient),
            },
        ).one()
        message.id = payload["outbound_id"]
        return ClaimedJob(
            job_id, SEND_JOB, key, payload, job["attempts"], max_attempts, known=known
        )
    return outbox.enqueue_claimed(
        session,
        SEND_JOB,
        key,
        _store(session, message),
        max_attempts=max_attempts,
        worker_id=sender_id,
        lease_seconds=lease,
        known=known,
    )


def _reply_and_job() -> Any:
    """PostgreSQL: INSERT a reply and, from what it returns, its send job, claimed."""
    o, jobs = _OUTBOUND.c, OutboxJob.__table__
    stored = (
        insert(_OUTBOUND)
        .values(
            channel=bindparam("o_channel"),
            recipient=bindparam("o_recipient"),
            sender=bindparam("o_sender"),
            text=bindparam("o_text"),
            options=bindparam("o_options", type_=o.options.type),
            status=bindparam("o_status"),
            created_at=bindparam("o_now", type_=o.created_at.type),
            updated_at=bindparam("o_now", type_=o.updated_at.type),
        )
        .returning(o.id)
        .cte("stored")
    )
    payload = func.json_build_object(
        "outbound_id", stored.c.id, "lane", bindparam("lane", type_=String)
    )
    # every column of the job from the values outbox.claimed_row gives, but the payload
    columns = {
        name: payload if name == "payload" else bindparam(name, type_=jobs.c[name].type)
        for name in outbox.claimed_row("", "", None, 0, "", 0)
    }
    return (
        insert(jobs)
        .from_select(list(columns), select(*columns.values()).select_from(stored))
        .returning(jobs.c.id, jobs.c.payload)
    )


_REPLY_AND_JOB = _reply_and_job()


def recipient_lane(channel: str, recipient: str) -> str:
    """The worker's lane for messages to one recipient (hashed: the outbox need not hold
    another copy of a phone number)."""
    return hashlib.blake2b(f"{channel}:{recipient}".encode(), digest_size=8).hexdigest()


class Reachable(Protocol):
    """What queueing a message to a complaint's reporter reads of it (a Complaint, or the
    row a delivery read)."""

    @property
    def id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def reply_to(self) -> str | None: ...
    @property
    def reply_from(self) -> str | None: ...
    @property
    def reply_channel(self) -> str | None: ...


def queue_message(
    session: Session, runtime: Runtime, complaint: Reachable, text: str, key: str
) -> None:
    """Queue a message to the complaint's reporter, on the channel they used."""
    if not complaint.reply_to:
        return
    message = OutboundMessage(
        channel=complaint.reply_channel or complaint.channel,
        recipient=complaint.reply_to,
        sender=complaint.reply_from,
        text=text,
        complaint_id=complaint.id,
    )
    queue_outbound(session, runtime, message, key)
