"""What every inbound channel event goes through once its adapter has parsed it:
store each message once, run the dialog, queue the replies that travel through the
outbox, record delivery reports — one transaction, shared with the other webhooks the
process is receiving at that moment — and then start sending at once.
Shared by the webhooks and by Telegram's polling loop."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from channels.base import ChannelAdapter, WebhookResult
from gateway import metrics
from gateway.delivery import queue_outbound, record_delivery_status
from gateway.intake import DuplicateMessage, receive
from gateway.models import OutboundMessage
from gateway.runtime import Runtime
from normalizer.message import InboundMessage, Reply

log = logging.getLogger(__name__)


@dataclass
class Handled:
    replies: list[Reply] = field(default_factory=list)
    job_ids: list[int] = field(default_factory=list)
    outcomes: list[tuple[str, str]] = field(default_factory=list)


def queue_replies(
    session: Session, runtime: Runtime, msg: InboundMessage, replies: list[Reply], language: str
) -> list[int]:
    """Each reply as an outbound message and a send job, in the caller's transaction."""
    job_ids = []
    for n, reply in enumerate(replies):
        message = OutboundMessage(
            channel=msg.channel,
            recipient=msg.sender,
            sender=msg.recipient,
            text=reply.text,
            options={
                "choices": [str(c) for c in reply.choices],
                "ask_location": reply.ask_location,
                "language": language,
                "public_reply_to": msg.external_id if reply.public else None,
            },
        )
        key = f"reply:{msg.channel}:{msg.external_id}:{n}"
        job_ids.append(queue_outbound(session, runtime, message, key))
    return job_ids


def _stage(
    session: Session, runtime: Runtime, adapter: ChannelAdapter, result: WebhookResult
) -> Handled:
    """Everything ``result`` carries, written in ``session``'s transaction."""
    done = Handled()
    for message in result.messages:
        try:
            replies, language = receive(session, message, runtime.dialog_config)
        except DuplicateMessage:
            # found before the dialog ran: nothing of it was written, nothing to undo
            done.outcomes.append((message.channel, "duplicate"))
            continue
        if not adapter.replies_inline and replies:
            done.job_ids += queue_replies(session, runtime, message, replies, language)
        done.replies += replies
        done.outcomes.append((message.channel, "stored"))
    for status in result.statuses:
        if not record_delivery_status(session, status):
            log.info("%s: status for unknown message %s", adapter.name, status.external_id)
    return done


def handle(runtime: Runtime, adapter: ChannelAdapter, result: WebhookResult) -> Handled:
    """Commit everything ``result`` carries (with whatever else this process is receiving
    at the same moment: a group commit); raises the database's error if it cannot."""
    first = result.messages[0] if result.messages else None
    done = runtime.group_commit.run(
        lambda session: _stage(session, runtime, adapter, result),
        # one citizen's conversation is locked first: groups lock them in one order
        order=(first.channel, first.sender) if first else ("", ""),
    )
    for channel, outcome in done.outcomes:
        metrics.INBOUND.labels(channel, outcome).inc()
    if done.job_ids:
        runtime.dispatch(done.job_ids)  # the citizen should not wait for a worker's poll
    return done
