"""The worker's job handlers: deliver a complaint to the central system, send a message
to a citizen. Each records what it learned in the session the worker gives it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from channels.base import OutboundRequest, SendError
from forwarder import outbox
from forwarder.errors import PermanentError, RetryableError
from forwarder.outbox import ClaimedJob
from forwarder.sqltypes import utcnow
from forwarder.worker import Handler, RetryPolicy, Worker
from gateway import texts
from gateway.complaints import DELIVER_JOB, SEND_JOB, add_event
from gateway.models import Complaint, ComplaintStatus, OutboundMessage, OutboundStatus
from gateway.runtime import Runtime
from normalizer.complaint import outbound_document
from normalizer.message import DeliveryStatus


def queue_message(
    session: Session, runtime: Runtime, complaint: Complaint, text: str, key: str
) -> None:
    """Queue a message to the complaint's reporter, on the channel they used."""
    if not complaint.reply_to:
        return
    message = OutboundMessage(
        channel=complaint.channel,
        recipient=complaint.reply_to,
        sender=complaint.reply_from,
        text=text,
        complaint_id=complaint.id,
    )
    session.add(message)
    session.flush()
    outbox.enqueue(
        session,
        SEND_JOB,
        key,
        {"outbound_id": message.id},
        max_attempts=runtime.settings.forward_max_attempts,
    )


def make_handlers(runtime: Runtime) -> dict[str, Handler]:
    def deliver_complaint(session: Session, job: ClaimedJob) -> dict[str, Any]:
        complaint = session.get(Complaint, job.payload["complaint_id"], with_for_update=True)
        if complaint is None:
            raise PermanentError(f"complaint {job.payload['complaint_id']} does not exist")
        document = outbound_document(complaint.document)
        receipt = runtime.target.deliver(document, idempotency_key=complaint.id)
        now = utcnow()
        complaint.status = ComplaintStatus.SUBMITTED
        complaint.central_target = runtime.target.name
        complaint.central_id = receipt.central_id
        complaint.central_token = receipt.token
        complaint.submitted_at = now
        complaint.updated_at = now
        complaint.document = {**complaint.document, "submitted_at": now.isoformat()}
        note = f"{runtime.target.name} id {receipt.central_id or '-'}"
        if receipt.token:
            note += (
                f", {'transaksi' if runtime.target.name == 'lapor' else 'token'} {receipt.token}"
            )
        add_event(
            session,
            complaint.id,
            ComplaintStatus.SUBMITTED,
            note=note,
            source=runtime.target.name,
            at=now,
        )
        if runtime.settings.notify_on_submitted and receipt.central_id:
            link = receipt.extra.get("public_url")
            text = texts.render(
                "notify_submitted_link" if link else "notify_submitted",
                complaint.language,
                sms=complaint.channel == "sms",
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
        adapter = runtime.adapter_for(message.channel)
        if adapter is None:
            raise PermanentError(f"no adapter sends on {message.channel}")
        request = OutboundRequest(
            channel=message.channel,
            recipient=message.recipient,
            text=message.text,
            sender=message.sender,
            status_callback_url=runtime.public_url(f"/webhooks/{adapter.name}/status"),
        )
        try:
            result = adapter.send(request)
        except SendError as exc:
            if exc.permanent:
                message.status, message.error = OutboundStatus.FAILED, str(exc)
                session.commit()  # keep the reason even though the job dies
                raise PermanentError(str(exc)) from exc
            raise RetryableError(str(exc), retry_after=exc.retry_after) from exc
        message.external_id = result.external_id
        message.status = OutboundStatus.SENT
        message.updated_at = utcnow()
        return {"external_id": result.external_id}

    return {DELIVER_JOB: deliver_complaint, SEND_JOB: send_message}


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


def make_worker(runtime: Runtime, **overrides: Any) -> Worker:
    s = runtime.settings
    options: dict[str, Any] = {
        "on_dead": {DELIVER_JOB: complaint_failed},
        "batch_size": s.worker_batch_size,
        "lease_seconds": s.worker_lease_seconds,
        "poll_seconds": s.worker_poll_seconds,
        "policy": RetryPolicy(s.forward_backoff_base_seconds, s.forward_backoff_max_seconds),
    }
    options.update(overrides)
    return Worker(runtime.sessions, make_handlers(runtime), **options)


def dead_letters(session: Session) -> list[outbox.OutboxJob]:
    return list(
        session.scalars(
            select(outbox.OutboxJob)
            .where(outbox.OutboxJob.status == outbox.JobStatus.DEAD)
            .order_by(outbox.OutboxJob.id)
        )
    )


def retry_dead_letter(session: Session, job_id: int) -> bool:
    """An operator's retry: the job is due again with a fresh budget, and its complaint
    leaves the failed state."""
    job = session.get(outbox.OutboxJob, job_id)
    if job is None or not outbox.retry_dead(session, job_id):
        return False
    if job.kind == DELIVER_JOB:
        complaint = session.get(Complaint, job.payload.get("complaint_id"))
        if complaint is not None and complaint.status == ComplaintStatus.FAILED:
            complaint.status = ComplaintStatus.QUEUED
            complaint.updated_at = utcnow()
            add_event(session, complaint.id, ComplaintStatus.QUEUED, note="retried by operator")
    return True
