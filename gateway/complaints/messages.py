"""Messages to citizens: each stored with its send job in the caller's transaction
(transactional outbox), so a message is sent if and only if what prompted it commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import insert
from sqlalchemy.orm import Session

from forwarder import outbox
from forwarder.outbox import ClaimedJob
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
    payload = _store(session, message)
    known = Outbound(
        message.channel,
        message.recipient,
        message.sender,
        message.text,
        message.options,
        blocked_at=None,
        last_heard=utcnow(),
    )
    return outbox.enqueue_claimed(
        session,
        SEND_JOB,
        key,
        payload,
        max_attempts=runtime.settings.forward_max_attempts,
        worker_id=sender_id,
        lease_seconds=runtime.settings.worker_lease_seconds,
        known=known,
    )


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
