"""Calls from the call center, whichever way they arrive (``/api/v1/calls``,
``import-calls``, the operator console): each call id is taken once, drafted from the
caller's words, and submitted into the same pipeline as every other complaint — at once
when the draft is confident and the gateway is configured so, else by an operator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway import metrics
from gateway.complaints.records import StoredComplaint, store_complaint
from gateway.store.models import CallRecord, CallStatus
from normalizer.build import build_complaint
from normalizer.calls import Call, ReviewReason, draft_from_call
from normalizer.calls.draft import category_for
from normalizer.complaint import Channel, Privacy
from normalizer.phone import to_e164
from normalizer.tracking import new_tracking_code

if TYPE_CHECKING:
    from gateway.runtime import Runtime

OPEN = (CallStatus.NEEDS_REVIEW, CallStatus.READY)


class DraftError(ValueError):
    """A draft that cannot become a complaint yet; ``errors`` maps field → message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class CallOutcome:
    record_id: int
    call_id: str
    status: str
    tracking_code: str
    reasons: list[str]
    duplicate: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "status": self.status,
            "tracking_code": self.tracking_code,
            "review_reasons": self.reasons,
            "links": {"status": f"/api/v1/complaints/{self.tracking_code}"},
        }


def outcome(record: CallRecord, *, duplicate: bool = False) -> CallOutcome:
    return CallOutcome(
        record.id,
        record.call_id,
        record.status,
        record.tracking_code,
        list(record.reasons),
        duplicate,
    )


def find_call(session: Session, call_id: str) -> CallRecord | None:
    return session.scalar(select(CallRecord).where(CallRecord.call_id == call_id))


def take_call(session: Session, runtime: Runtime, call: Call, *, source: str) -> CallOutcome:
    """Record ``call`` and its draft (no commit); a call id seen before returns the
    record already there. A concurrent twin fails on the unique call id at flush or
    commit: the caller rolls back and calls again, and then finds it."""
    existing = find_call(session, call.call_id)
    if existing is not None:
        return outcome(existing, duplicate=True)
    draft = draft_from_call(call, default_privacy=runtime.settings.default_privacy)
    now = utcnow()
    record = CallRecord(
        call_id=call.call_id,
        source=source,
        status=CallStatus.NEEDS_REVIEW if draft.reasons else CallStatus.READY,
        reasons=[str(r) for r in draft.reasons],
        tracking_code=new_tracking_code(),
        caller=draft.phone,
        agent_id=call.agent_id,
        transcript=call.model_dump(mode="json", exclude_none=True),
        fields=draft.to_fields(),
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    if draft.confident and runtime.settings.calls_auto_submit:
        try:
            submit_call(session, runtime, record)
        except DraftError:
            # taken all the same (the caller holds its code); an operator fixes the draft
            record.status = CallStatus.NEEDS_REVIEW
            record.reasons = [*record.reasons, ReviewReason.NOT_A_COMPLAINT_YET.value]
    return outcome(record)


def take_call_once(runtime: Runtime, call: Call, *, source: str) -> CallOutcome:
    """``take_call`` in a transaction of its own, committed; when the same call id is
    being taken at the same moment elsewhere, the loser answers with the winner's record."""
    with runtime.sessions() as session:
        try:
            taken = take_call(session, runtime, call, source=source)
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = find_call(session, call.call_id)
            if existing is None:
                raise
            return outcome(existing, duplicate=True)
        metrics.count_created(session, "call")
        return taken


def _received_at(record: CallRecord) -> datetime:
    started = record.transcript.get("started_at")
    return datetime.fromisoformat(started) if started else record.created_at


def submit_call(
    session: Session,
    runtime: Runtime,
    record: CallRecord,
    *,
    fields: dict[str, Any] | None = None,
    by: str | None = None,
) -> StoredComplaint:
    """Make the complaint from the record's draft (``fields`` as an operator corrected
    it), in the caller's transaction, with the tracking code reserved for the call."""
    if record.status not in OPEN:
        raise DraftError({"status": f"this call is already {record.status}"})
    values = {**record.fields, **(fields or {})}
    doc = complaint_from_fields(record, values)
    settings = runtime.settings
    phone = doc.reporter.phone
    notify = settings.calls_notify_sms and phone is not None
    stored = store_complaint(
        session,
        doc,
        max_attempts=settings.forward_max_attempts,
        reply_to=phone if notify else None,
        reply_from=(settings.twilio_sms_from or None) if notify else None,
        reply_channel=Channel.SMS if notify else None,
    )
    record.fields = values
    record.status = CallStatus.SUBMITTED
    record.complaint_id = stored.id
    record.reviewed_by = by or record.reviewed_by
    record.updated_at = utcnow()
    return stored


def complaint_from_fields(record: CallRecord, values: dict[str, Any]) -> Any:
    """The normalized complaint for a call draft; DraftError names what is missing."""
    errors: dict[str, str] = {}
    description = str(values.get("description") or "").strip()
    if not description:
        errors["description"] = "the complaint text is empty"
    phone = None
    if values.get("phone"):
        phone = to_e164(str(values["phone"]))
        if phone is None:
            errors["phone"] = "not a valid phone number"
    category = None
    if values.get("category"):
        category = category_for(str(values["category"]))
        if category is None:
            errors["category"] = f"unknown category {values['category']!r}"
    incident = values.get("incident_date")
    try:
        incident_date = date.fromisoformat(incident) if incident else None
    except (TypeError, ValueError):
        errors["incident_date"] = "not a date (YYYY-MM-DD)"
        incident_date = None
    if values.get("privacy") not in tuple(Privacy):
        errors["privacy"] = "choose public, confidential or anonymous"
    if errors:
        raise DraftError(errors)
    try:
        return build_complaint(
            id=str(uuid.uuid4()),
            tracking_code=record.tracking_code,
            channel=Channel.CALLCENTER,
            received_at=_received_at(record),
            description=description,
            privacy=values["privacy"],
            language=values.get("language") or "id",
            name=values.get("name") or None,
            phone=phone,
            location_text=values.get("location_text") or None,
            lat=values.get("lat"),
            lon=values.get("lon"),
            category=category,
            incident_date=incident_date,
            source_messages=[f"call:{record.call_id}"],
        )
    except ValidationError as exc:
        raise DraftError(
            {".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.errors()}
        ) from exc


def discard_call(record: CallRecord, *, by: str) -> None:
    if record.status not in OPEN:
        raise DraftError({"status": f"this call is already {record.status}"})
    record.status = CallStatus.DISCARDED
    record.reviewed_by = by
    record.updated_at = utcnow()


def log_call(
    session: Session,
    runtime: Runtime,
    fields: dict[str, Any],
    *,
    by: str,
    submit: bool,
) -> CallRecord:
    """A call an operator typed into the console: submitted at once, or kept as an
    incomplete draft in the review queue (the caller hung up, details to follow)."""
    now = utcnow()
    phone = to_e164(fields.get("phone")) if fields.get("phone") else None
    record = CallRecord(
        call_id=f"console-{uuid.uuid4()}",
        source="console",
        status=CallStatus.NEEDS_REVIEW,
        reasons=[] if submit else [str(ReviewReason.INCOMPLETE)],
        tracking_code=new_tracking_code(),
        caller=phone,
        agent_id=by,
        transcript={"agent_id": by, "summary": fields.get("description") or ""},
        fields=fields,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    if submit:
        submit_call(session, runtime, record, by=by)
    return record


def save_fields(record: CallRecord, fields: dict[str, Any], *, by: str) -> None:
    """An operator's corrections to a draft that stays in the queue."""
    if record.status not in OPEN:
        raise DraftError({"status": f"this call is already {record.status}"})
    record.fields = {**record.fields, **fields}
    record.caller = to_e164(fields.get("phone")) or record.caller
    record.reviewed_by = by
    record.updated_at = utcnow()
