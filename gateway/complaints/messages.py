"""Messages to citizens: each stored with its send job in the caller's transaction
(transactional outbox), so a message is sent if and only if what prompted it commits."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from forwarder import outbox
from gateway.complaints.records import SEND_JOB
from gateway.store.models import OutboundMessage

if TYPE_CHECKING:
    from gateway.runtime import Runtime


def queue_outbound(session: Session, runtime: Runtime, message: OutboundMessage, key: str) -> int:
    """Store ``message`` and its send job in the caller's transaction; the job's id."""
    session.add(message)
    session.flush()
    return outbox.enqueue(
        session,
        SEND_JOB,
        key,
        {"outbound_id": message.id, "lane": recipient_lane(message.channel, message.recipient)},
        max_attempts=runtime.settings.forward_max_attempts,
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
