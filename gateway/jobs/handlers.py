"""The worker's job handlers: deliver a complaint to the central system, send a message
to a citizen. Each records what it learned in the session the worker gives it."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.orm import Session

from channels.base import OutboundRequest, SendError
from forwarder.errors import Deferred, PermanentError, RetryableError
from forwarder.outbox import ClaimedJob
from forwarder.sqltypes import utcnow
from forwarder.worker import Handler
from gateway import metrics, texts
from gateway.complaints.messages import Outbound, queue_message
from gateway.complaints.records import (
    DELIVER_JOB,
    SEND_JOB,
    ReportFacts,
    add_event,
    earlier_report,
)
from gateway.complaints.updates import (
    DELIVER_UPDATE_JOB,
    WAITING_UPDATES,
    deliver_update,
    due_after_delivery,
)
from gateway.store.db import network_call
from gateway.store.models import (
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    ComplaintUpdate,
    Conversation,
    MediaFile,
    OutboundMessage,
    OutboundStatus,
)
from normalizer.complaint import outbound_document
from normalizer.message import Choice, DeliveryStatus
from normalizer.privacy import NO_PERSONAL_DATA
from normalizer.region import with_region

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)
_C = Complaint.__table__.c
_U = ComplaintUpdate.__table__.c
# What a delivery reads of its complaint, locked until it commits on PostgreSQL: columns,
# not the ORM's whole entity (its get with FOR UPDATE was 8-11 % of a delivery's CPU).
_LOCK_COMPLAINT = (
    select(
        _C.id,
        _C.status,
        _C.document,
        _C.channel,
        _C.reply_to,
        _C.reply_from,
        _C.reply_channel,
        _C.reporter_phone,
        _C.received_at,
        _C.category_code,
        _C.region_code,
        _C.lat,
        _C.lon,
        _C.possible_duplicate_of,
        _C.language,
        _C.tracking_code,
        # whether reporter's updates wait for this delivery: asked here, not in a
        # statement of its own on every delivery (an update stored while the POST is out
        # is not seen: it asks again itself, WAIT_FOR_COMPLAINT_SECONDS later)
        exists(WAITING_UPDATES.where(_U.complaint_id == _C.id)).label("updates_waiting"),
    )
    .where(_C.id == bindparam("id"))
    .with_for_update(of=Complaint.__table__)
)
_REREAD = select(_C.status, _C.document).where(_C.id == bindparam("id"))
# the values are the caller's (only the columns it gives are written)
_UPDATE_COMPLAINT = update(Complaint.__table__).where(_C.id == bindparam("key"))
_E = ComplaintEvent.__table__
_INSERT_SUBMITTED = insert(_E).values(
    complaint_id=bindparam("ev_complaint_id"),
    status=bindparam("ev_status"),
    note=bindparam("ev_note"),
    source=bindparam("ev_source"),
    created_at=bindparam("ev_created_at", type_=_E.c.created_at.type),
    event_key=None,
)
# PostgreSQL: the event written by the same statement (a data-modifying CTE), one round
# trip fewer on every delivery
_UPDATE_COMPLAINT_WITH_EVENT = _UPDATE_COMPLAINT.add_cte(_INSERT_SUBMITTED.cte("submitted"))

_O = OutboundMessage.__table__.c
_V = Conversation.__table__.c
# the message and the state of the citizen's conversation in one statement
_READ_OUTBOUND = (
    select(
        _O.channel,
        _O.recipient,
        _O.sender,
        _O.text,
        _O.options,
        _V.blocked_at,
        _V.updated_at.label("last_heard"),
    )
    .select_from(
        OutboundMessage.__table__.outerjoin(
            Conversation.__table__, (_V.channel == _O.channel) & (_V.sender == _O.recipient)
        )
    )
    .where(_O.id == bindparam("id"))
)
_UPDATE_OUTBOUND = update(OutboundMessage.__table__).where(_O.id == bindparam("key"))
_BLOCK_CONVERSATION = update(Conversation.__table__).where(
    _V.channel == bindparam("conv_channel"), _V.sender == bindparam("conv_sender")
)

# Meta's customer-service window: free-form messages only within 24 hours of the
# citizen's last message.
MESSAGING_WINDOW = timedelta(hours=24)


def make_handlers(runtime: Runtime) -> dict[str, Handler]:
    def deliver_complaint(session: Session, job: ClaimedJob) -> dict[str, Any]:
        complaint_id = job.payload["complaint_id"]
        connection = session.connection()
        row = connection.execute(_LOCK_COMPLAINT, {"id": complaint_id}).one_or_none()
        if row is None:
            raise PermanentError(f"complaint {complaint_id} does not exist")
        document = row.document
        if _unfetched(document, runtime.dialog_config.media_base_url):
            # files still at the channel (rare): fetched and kept through the ORM
            complaint = session.get(Complaint, complaint_id)
            if complaint is not None and fetch_attachments(session, runtime, complaint):
                session.flush()
                document = complaint.document
            # fetching commits on SQLite (network_call), which closes the connection
            connection = session.connection()
        boundaries = runtime.boundaries
        locate = boundaries.region_at if boundaries else None
        located = with_region(document, locate, runtime.region_points)
        found: dict[str, Any] = {}  # what reading the complaint learned, written with it
        if located is not None:
            document = located
            location = located["location"]
            found.update(
                document=located,
                region_code=location["region_code"],
                region_name=location["region_name"],
            )
        if row.possible_duplicate_of is None:
            facts = ReportFacts(
                id=row.id,
                channel=row.channel,
                reply_to=row.reply_to,
                reporter_phone=row.reporter_phone,
                received_at=row.received_at,
                category_code=row.category_code,
                region_code=found.get("region_code", row.region_code),
                lat=row.lat,
                lon=row.lon,
                description=document.get("description", ""),
            )
            if earlier := earlier_report(session, facts):
                found["possible_duplicate_of"] = earlier
        outgoing = outbound_document(document)
        sqlite = connection.dialect.name == "sqlite"
        # submitted when sent: a status pushed back before the answer is already later
        now = utcnow()
        # What reading the complaint found (region, possible duplicate) is written with
        # the delivery, after the POST, in its one transaction, on both databases: on
        # SQLite network_call ends the transaction before the POST (one writer), and a
        # write before it would be a second commit, a second fsync, on every delivery.
        with network_call(session):
            receipt = runtime.target.deliver(outgoing, idempotency_key=complaint_id)
        status = row.status
        if sqlite:
            # others may have written the complaint while the POST was out (PostgreSQL
            # holds its row lock instead): their document, with the place read here
            status, document = session.connection().execute(_REREAD, {"id": complaint_id}).one()
            if located is not None:
                document = {**document, "location": located["location"]}
        # A status the central system pushed while the POST was out is newer: kept. (On
        # PostgreSQL the push waits for this row's lock; on SQLite it may land meanwhile.)
        if status in (ComplaintStatus.RECEIVED, ComplaintStatus.QUEUED):
            status = ComplaintStatus.SUBMITTED
        note = f"{runtime.target.name} id {receipt.central_id or '-'}"
        if receipt.token:
            note += f", {runtime.target.capabilities.receipt_token} {receipt.token}"
        # one UPDATE of the complaint and one INSERT of its event, as Core statements built
        # once (the ORM's flush of the whole row was 11-15 % of a delivery's CPU); on
        # PostgreSQL one statement, the event a CTE of the update
        event = {
            "ev_complaint_id": complaint_id,
            "ev_status": ComplaintStatus.SUBMITTED,
            "ev_note": note,
            "ev_source": runtime.target.name,
            "ev_created_at": now,
        }
        session.connection().execute(
            _UPDATE_COMPLAINT if sqlite else _UPDATE_COMPLAINT_WITH_EVENT,
            {
                "key": complaint_id,
                **found,
                "status": status,
                "central_target": runtime.target.name,
                "central_id": receipt.central_id,
                "central_token": receipt.token,
                "submitted_at": now,
                "updated_at": utcnow(),
                "document": {**document, "submitted_at": now.isoformat()},
                **({} if sqlite else event),
            },
        )
        if sqlite:
            session.connection().execute(_INSERT_SUBMITTED, event)
        if row.updates_waiting:  # the reporter's updates that waited may go now
            due_after_delivery(session, complaint_id)
        if runtime.settings.notify_on_submitted and receipt.central_id:
            link = receipt.extra.get("public_url")
            text = texts.render(
                "notify_submitted_link" if link else "notify_submitted",
                row.language,
                sms=(row.reply_channel or row.channel) == "sms",
                code=row.tracking_code,
                central_id=receipt.central_id,
                link=link or "",
            )
            queue_message(session, runtime, row, text, f"notify:{complaint_id}:submitted")
        # no personal data: the code the citizen holds and the central system's id
        log.info(
            "complaint %s delivered to %s as %s",
            row.tracking_code,
            runtime.target.name,
            receipt.central_id or f"token {receipt.token}",
            extra=NO_PERSONAL_DATA,
        )
        return {"central_id": receipt.central_id, "token": receipt.token}

    def send_message(session: Session, job: ClaimedJob) -> dict[str, Any]:
        # Core statements built once (above), on the connection: the ORM's get, its
        # select of the conversation and the autoflush of both were most of a reply's
        # CPU besides the send itself. The same reads and writes, in the worker's
        # transaction.
        outbound_id = job.payload["outbound_id"]
        message: Outbound | None = job.known
        if message is None:
            row = session.connection().execute(_READ_OUTBOUND, {"id": outbound_id}).one_or_none()
            if row is None:
                raise PermanentError(f"outbound message {outbound_id} is gone")
            message = Outbound(**row._mapping)
        adapter = runtime.adapter_for(message.channel, message.recipient)
        if adapter is None:
            raise PermanentError(f"no adapter sends on {message.channel}")

        def failed(error: str) -> None:
            session.connection().execute(
                _UPDATE_OUTBOUND,
                {"key": outbound_id, "status": OutboundStatus.FAILED, "error": error},
            )

        if message.blocked_at is not None:
            failed("the citizen blocked us")
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
            in_window=message.last_heard is None
            or utcnow() - message.last_heard < MESSAGING_WINDOW,
            status_callback_url=(
                runtime.public_url(f"/webhooks/{adapter.name}/status") if hooks else None
            ),
        )
        try:
            with network_call(session):
                result = adapter.send(request)
        except SendError as exc:
            if exc.permanent:
                failed(str(exc))
                if exc.blocked:
                    session.connection().execute(
                        _BLOCK_CONVERSATION,
                        {
                            "conv_channel": message.channel,
                            "conv_sender": message.recipient,
                            "blocked_at": utcnow(),
                        },
                    )
                raise PermanentError(str(exc), keep_writes=True) from exc
            if exc.paced:  # never tried: it waits its turn, its retry budget untouched
                raise Deferred(str(exc), retry_after=exc.retry_after) from exc
            raise RetryableError(str(exc), retry_after=exc.retry_after) from exc
        session.connection().execute(
            _UPDATE_OUTBOUND,
            {
                "key": outbound_id,
                "external_id": result.external_id,
                "status": OutboundStatus.SENT,
                "updated_at": utcnow(),
            },
        )
        return {"external_id": result.external_id}

    return {
        DELIVER_JOB: metrics.timed(lambda: runtime.target.name, deliver_complaint),
        SEND_JOB: metrics.timed(lambda: "citizen-messages", send_message),
        DELIVER_UPDATE_JOB: metrics.timed(
            lambda: f"{runtime.target.name}-updates",
            lambda session, job: deliver_update(session, runtime, job),
        ),
    }


def _unfetched(document: dict[str, Any], prefix: str) -> bool:
    """Whether the document names a file that ``fetch_attachments`` would complete."""
    return any(
        a["url"].startswith(prefix) and not a.get("sha256")
        for a in document.get("attachments") or []
    )


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
