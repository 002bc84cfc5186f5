"""The worker's job handlers: deliver a complaint to the central system, send a message
to a citizen. Each records what it learned in the session the worker gives it."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from channels.base import OutboundRequest, SendError
from forwarder.errors import PermanentError, RetryableError
from forwarder.outbox import ClaimedJob
from forwarder.sqltypes import utcnow
from forwarder.worker import Handler
from gateway import metrics, texts
from gateway.complaints.messages import queue_message
from gateway.complaints.records import DELIVER_JOB, SEND_JOB, add_event, earlier_report
from gateway.complaints.updates import DELIVER_UPDATE_JOB, deliver_update, due_after_delivery
from gateway.store.db import network_call
from gateway.store.models import (
    Complaint,
    ComplaintStatus,
    Conversation,
    MediaFile,
    OutboundMessage,
    OutboundStatus,
)
from normalizer.complaint import outbound_document
from normalizer.message import Choice, DeliveryStatus
from normalizer.region import with_region

if TYPE_CHECKING:
    from gateway.runtime import Runtime

# Meta's customer-service window: free-form messages only within 24 hours of the
# citizen's last message.
MESSAGING_WINDOW = timedelta(hours=24)


def make_handlers(runtime: Runtime) -> dict[str, Handler]:
    def deliver_complaint(session: Session, job: ClaimedJob) -> dict[str, Any]:
        complaint = session.get(Complaint, job.payload["complaint_id"], with_for_update=True)
        if complaint is None:
            raise PermanentError(f"complaint {job.payload['complaint_id']} does not exist")
        if fetch_attachments(session, runtime, complaint):
            session.flush()
        boundaries = runtime.boundaries
        locate = boundaries.region_at if boundaries else None
        located = with_region(complaint.document, locate, runtime.region_points)
        if located is not None:
            complaint.document = located
            complaint.region_code = located["location"]["region_code"]
            complaint.region_name = located["location"]["region_name"]
        # the region just read is written with the rest of the delivery, not flushed on
        # its own by the search's query: one UPDATE of the complaint instead of two
        with session.no_autoflush:
            if complaint.possible_duplicate_of is None and (
                earlier := earlier_report(session, complaint)
            ):
                complaint.possible_duplicate_of = earlier.id
        document = outbound_document(complaint.document)
        # submitted when sent: a status pushed back before the answer is already later
        now = utcnow()
        with network_call(session, complaint):
            receipt = runtime.target.deliver(document, idempotency_key=complaint.id)
        # A status the central system pushed while the POST was out is newer: kept. (On
        # PostgreSQL the push waits for this row's lock; on SQLite it may land meanwhile.)
        if complaint.status in (ComplaintStatus.RECEIVED, ComplaintStatus.QUEUED):
            complaint.status = ComplaintStatus.SUBMITTED
        complaint.central_target = runtime.target.name
        complaint.central_id = receipt.central_id
        complaint.central_token = receipt.token
        complaint.submitted_at = now
        complaint.updated_at = utcnow()
        complaint.document = {**complaint.document, "submitted_at": now.isoformat()}
        note = f"{runtime.target.name} id {receipt.central_id or '-'}"
        if receipt.token:
            note += f", {runtime.target.capabilities.receipt_token} {receipt.token}"
        add_event(
            session,
            complaint.id,
            ComplaintStatus.SUBMITTED,
            note=note,
            source=runtime.target.name,
            at=now,
        )
        # the reporter's updates that waited for the complaint may go now
        due_after_delivery(session, complaint.id)
        if runtime.settings.notify_on_submitted and receipt.central_id:
            link = receipt.extra.get("public_url")
            text = texts.render(
                "notify_submitted_link" if link else "notify_submitted",
                complaint.language,
                sms=(complaint.reply_channel or complaint.channel) == "sms",
                code=complaint.tracking_code,
                central_id=receipt.central_id,
                link=link or "",
            )
            queue_message(session, runtime, complaint, text, f"notify:{complaint.id}:submitted")
        return {"central_id": receipt.central_id, "token": receipt.token}

    def send_message(session: Session, job: ClaimedJob) -> dict[str, Any]:
        message = session.get(OutboundMessage, job.payload["outbound_id"])
        if message is None:
            raise PermanentError(f"outbound message {job.payload['outbound_id']} is gone")
        adapter = runtime.adapter_for(message.channel, message.recipient)
        if adapter is None:
            raise PermanentError(f"no adapter sends on {message.channel}")
        conversation = session.scalar(
            select(Conversation).where(
                Conversation.channel == message.channel, Conversation.sender == message.recipient
            )
        )
        if conversation is not None and conversation.blocked_at is not None:
            message.status, message.error = OutboundStatus.FAILED, "the citizen blocked us"
            raise PermanentError(
                f"{message.recipient} on {message.channel} blocked the gateway", keep_writes=True
            )
        options = message.options or {}
        hooks = [h for h in adapter.hooks if h == "status"]
        request = OutboundRequest(
            channel=message.channel,
            recipient=message.recipient,
            text=message.text,
            sender=message.sender,
            choices=tuple(Choice(c) for c in options.get("choices", ())),
            ask_location=bool(options.get("ask_location")),
            language=options.get("language", "id"),
            public_reply_to=options.get("public_reply_to"),
            # the conversation's last change is the citizen's last message
            in_window=conversation is None or utcnow() - conversation.updated_at < MESSAGING_WINDOW,
            status_callback_url=(
                runtime.public_url(f"/webhooks/{adapter.name}/status") if hooks else None
            ),
        )
        try:
            with network_call(session):
                result = adapter.send(request)
        except SendError as exc:
            if exc.permanent:
                message.status, message.error = OutboundStatus.FAILED, str(exc)
                if exc.blocked and conversation is not None:
                    conversation.blocked_at = utcnow()
                raise PermanentError(str(exc), keep_writes=True) from exc
            raise RetryableError(str(exc), retry_after=exc.retry_after) from exc
        message.external_id = result.external_id
        message.status = OutboundStatus.SENT
        message.updated_at = utcnow()
        return {"external_id": result.external_id}

    return {
        DELIVER_JOB: metrics.timed(lambda: runtime.target.name, deliver_complaint),
        SEND_JOB: metrics.timed(lambda: "citizen-messages", send_message),
        DELIVER_UPDATE_JOB: metrics.timed(
            lambda: f"{runtime.target.name}-updates",
            lambda session, job: deliver_update(session, runtime, job),
        ),
    }


def fetch_attachments(session: Session, runtime: Runtime, complaint: Complaint) -> bool:
    """Fetch and keep the files of ``complaint`` that are still only the channel's
    references, and complete their size and sha256 in its document. True if any was."""
    prefix = runtime.dialog_config.media_base_url
    # copies: the document's JSON is not tracked for changes in place, and a change the
    # session cannot see would be lost when the complaint is read again (network_call)
    attachments = [dict(a) for a in complaint.document.get("attachments") or []]
    changed = False
    for attachment in attachments:
        if not attachment["url"].startswith(prefix) or attachment.get("sha256"):
            continue
        token = attachment["url"][len(prefix) :]
        media = session.get(MediaFile, token)
        if media is None:
            raise PermanentError(f"attachment {token} is unknown")
        if media.fetched_at is None:
            adapter = runtime.adapter_for(media.channel, complaint.reply_to or "")
            if adapter is None:
                raise PermanentError(f"no adapter fetches {media.channel} files")
            try:
                with network_call(session):
                    content = adapter.fetch_media(media.ref)
            except SendError as exc:
                raise (PermanentError if exc.permanent else RetryableError)(
                    f"fetching attachment: {exc}"
                ) from exc
            directory = runtime.media_dir
            directory.mkdir(parents=True, exist_ok=True)
            (directory / token).write_bytes(content)
            media.path = str(directory / token)
            media.size = len(content)
            media.sha256 = hashlib.sha256(content).hexdigest()
            media.fetched_at = utcnow()
        attachment.update(size=media.size, sha256=media.sha256)
        changed = True
    if changed:
        complaint.document = {**complaint.document, "attachments": attachments}
    return changed


def complaint_failed(session: Session, job: ClaimedJob, reason: str) -> None:
    """A complaint whose delivery is a dead letter shows as failed until an operator
    retries it."""
    complaint = session.get(Complaint, job.payload.get("complaint_id"))
    if complaint is not None:
        complaint.status = ComplaintStatus.FAILED
        complaint.updated_at = utcnow()
        add_event(session, complaint.id, ComplaintStatus.FAILED, note=reason[:500])


def record_delivery_status(session: Session, status: DeliveryStatus) -> bool:
    """Apply a provider's delivery report; False when the message is not one of ours."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.channel == status.channel,
            OutboundMessage.external_id == status.external_id,
        )
        .values(status=status.status[:20], error=status.error_code, updated_at=utcnow())
    )
    return result.rowcount > 0
