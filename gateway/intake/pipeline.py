"""What every inbound channel event goes through once its adapter has parsed it:
store each message once, run the dialog, queue the replies that travel through the
outbox, record delivery reports — one transaction, shared with the other webhooks the
process is receiving at that moment — and then start sending at once.
Shared by the webhooks and by Telegram's polling loop.

Every message is made safe to store here first (``sanitize``), whatever channel it came
by: NUL and lone surrogates in its text become U+FFFD, an id or address longer than its
column (or carrying such characters, or not a string at all) refuses that one message,
and the rest of the delivery goes on. Without it one poison message failed the whole
transaction with a 5xx, the channel redelivered it with its good neighbours, and failed
again for ever."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from channels.base import ChannelAdapter, WebhookResult
from forwarder.outbox import ClaimedJob
from gateway import metrics
from gateway.complaints.messages import queue_outbound, queue_reply
from gateway.intake.message import DuplicateMessage, receive
from gateway.jobs.handlers import record_delivery_status
from gateway.store.models import Complaint, Conversation, InboundRecord, MediaFile, OutboundMessage
from normalizer.clean import clean_json, clean_text, has_poison
from normalizer.message import DeliveryStatus, InboundMessage, MediaRef, Reply, SharedLocation

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class Handled:
    replies: list[Reply] = field(default_factory=list)
    # the replies' send jobs, claimed for this process, by the channel they go out on:
    # each channel is sent in its own lane (empty when the workers send the replies)
    jobs_by_channel: dict[str, list[ClaimedJob]] = field(default_factory=dict)
    outcomes: list[tuple[str, str]] = field(default_factory=list)
    # why each refused message or status was left out (nothing of it was stored)
    refused: list[str] = field(default_factory=list)
    statuses: int = 0  # delivery reports taken


def _length(column: Any) -> int:
    return int(column.type.length)


# The columns each value ends up in, so the limits cannot drift from the schema.
ID_MAX = _length(InboundRecord.__table__.c.external_id)
SENDER_MAX = min(
    _length(InboundRecord.__table__.c.sender),
    _length(Conversation.__table__.c.sender),
    _length(OutboundMessage.__table__.c.recipient),
    _length(Complaint.__table__.c.reply_to),
)
RECIPIENT_MAX = min(
    _length(OutboundMessage.__table__.c.sender), _length(Complaint.__table__.c.reply_from)
)
PHONE_MAX = _length(Complaint.__table__.c.reporter_phone)
FETCH_REF_MAX = _length(MediaFile.__table__.c.ref)
CONTENT_TYPE_MAX = _length(MediaFile.__table__.c.content_type)
# What the complaint schema allows (normalizer/schema/complaint-1.schema.json).
NAME_MAX, PLACE_MAX, URL_MAX = 200, 1000, 2000
LANGUAGE_MAX = _length(Conversation.__table__.c.language)
SIZE_MAX = 2**31 - 1  # media_files.size is an INTEGER


class Refused(Exception):
    """One message (or delivery report) that cannot be stored as it is: left out."""


def _ident(value: Any, what: str, limit: int, *, required: bool = True) -> str | None:
    """An id or an address: kept exactly, or refused (changing it would make it another
    citizen's, or nobody's)."""
    if value is None and not required:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or (required and not value):
        raise Refused(f"{what} is not a string")
    if len(value) > limit:
        raise Refused(f"{what} is longer than {limit} characters")
    if has_poison(value):
        raise Refused(f"{what} contains NUL or an unpaired surrogate")
    return value


def _optional_text(value: Any, limit: int | None = None) -> str | None:
    """Free text that may be left out: cleaned, cut to ``limit``; None if not text."""
    if not isinstance(value, str):
        return None
    value = clean_text(value)
    return value[:limit] if limit is not None else value


def _media(ref: MediaRef) -> MediaRef:
    if not isinstance(ref.url, str) or len(ref.url) > URL_MAX or has_poison(ref.url):
        raise Refused(f"media url is not a string of at most {URL_MAX} characters")
    content_type = _optional_text(ref.content_type)
    if content_type and len(content_type) > CONTENT_TYPE_MAX:
        content_type = None
    size = ref.size if isinstance(ref.size, int) and 0 <= ref.size <= SIZE_MAX else None
    return replace(
        ref,
        content_type=content_type,
        size=size,
        sha256=_optional_text(ref.sha256),
        fetch_ref=_ident(ref.fetch_ref, "media reference", FETCH_REF_MAX, required=False),
    )


def _location(location: SharedLocation | None) -> SharedLocation | None:
    if location is None:
        return None
    lat, lon = location.lat, location.lon
    if not (
        isinstance(lat, int | float)
        and isinstance(lon, int | float)
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    ):
        return None  # no place on Earth: as if none was shared
    return replace(location, text=_optional_text(location.text, PLACE_MAX))


def clean_message(msg: InboundMessage) -> InboundMessage:
    """``msg`` as it can be stored on any database; raises Refused when it cannot."""
    if not isinstance(msg.text, str):
        raise Refused("text is not a string")
    language = _optional_text(msg.language_hint)
    phone = _optional_text(msg.phone)
    try:
        raw = clean_json(msg.raw)
    except RecursionError:
        raise Refused("nested too deeply") from None
    return replace(
        msg,
        external_id=_ident(msg.external_id, "message id", ID_MAX),
        sender=_ident(msg.sender, "sender", SENDER_MAX),
        recipient=_ident(msg.recipient, "recipient", RECIPIENT_MAX, required=False),
        text=clean_text(msg.text),
        phone=phone if phone and len(phone) <= PHONE_MAX else None,
        name=_optional_text(msg.name, NAME_MAX),
        language_hint=language if language and len(language) <= LANGUAGE_MAX else None,
        location=_location(msg.location),
        media=tuple(_media(m) for m in msg.media),
        unsupported=_optional_text(msg.unsupported, 50) if msg.unsupported is not None else None,
        ack=_optional_text(msg.ack),
        raw=raw if isinstance(raw, dict) else {"value": raw},
    )


def clean_status(status: DeliveryStatus) -> DeliveryStatus:
    """A delivery report as it can be looked up and stored; raises Refused."""
    if not isinstance(status.status, str):
        raise Refused("delivery status is not a string")
    return replace(
        status,
        external_id=_ident(status.external_id, "message id", ID_MAX),
        status=clean_text(status.status),
        error_code=_optional_text(status.error_code, 200),
    )


def sanitize(result: WebhookResult) -> tuple[WebhookResult, list[str]]:
    """``result`` with each message and delivery report made safe to store, and those
    that cannot be left out; the reasons they were, one each."""
    refused: list[str] = []
    messages, statuses = [], []
    for message in result.messages:
        try:
            messages.append(clean_message(message))
        except Refused as exc:
            refused.append(f"{message.channel}: {exc}")
            metrics.INBOUND.labels(message.channel, "malformed").inc()
    for status in result.statuses:
        try:
            statuses.append(clean_status(status))
        except Refused as exc:
            refused.append(f"{status.channel} status: {exc}")
    if refused:
        log.info("left out of a delivery: %s", "; ".join(refused))
    return replace(result, messages=messages, statuses=statuses), refused


def queue_replies(
    session: Session, runtime: Runtime, msg: InboundMessage, replies: list[Reply], language: str
) -> list[ClaimedJob]:
    """Each reply as an outbound message and a send job, in the caller's transaction;
    the jobs this process sends itself after the commit, claimed for it already (none
    when the workers send the replies)."""
    sender = runtime.reply_sender_id
    jobs = []
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
        if sender is None:
            queue_outbound(session, runtime, message, key)
        else:
            jobs.append(queue_reply(session, runtime, message, key, sender))
    return jobs


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
            jobs = queue_replies(session, runtime, message, replies, language)
            if jobs:
                done.jobs_by_channel.setdefault(message.channel, []).extend(jobs)
        done.replies += replies
        done.outcomes.append((message.channel, "stored"))
    for status in result.statuses:
        if not record_delivery_status(session, status):
            log.info("%s: status for unknown message %s", adapter.name, status.external_id)
    return done


def handle(runtime: Runtime, adapter: ChannelAdapter, result: WebhookResult) -> Handled:
    """Commit everything ``result`` carries (with whatever else this process is receiving
    at the same moment: a group commit); raises the database's error if it cannot.
    A message that cannot be stored is left out (``Handled.refused``), the rest go on."""
    result, refused = sanitize(result)
    if not (result.messages or result.statuses):
        return Handled(refused=refused)
    first = result.messages[0] if result.messages else None
    done = runtime.group_commit.run(
        lambda session: _stage(session, runtime, adapter, result),
        # one citizen's conversation is locked first: groups lock them in one order
        order=(first.channel, first.sender) if first else ("", ""),
    )
    done.refused, done.statuses = refused, len(result.statuses)
    for channel, outcome in done.outcomes:
        metrics.INBOUND.labels(channel, outcome).inc()
    # the citizen should not wait for a worker's poll
    for channel, jobs in done.jobs_by_channel.items():
        runtime.dispatch(jobs, channel)
    return done
