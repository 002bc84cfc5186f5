"""``/api/v1``: complaints from other intake systems, and status for code holders."""

from __future__ import annotations

import hmac
import json
import math
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from channels.http import same_secret
from forwarder.targets.webhook import sign
from gateway import metrics
from gateway.complaints.calls import take_call_once
from gateway.complaints.records import (
    StoredComplaint,
    find_by_code,
    pending_call,
    store_complaint,
    timeline,
)
from gateway.complaints.sla import complaint_deadlines
from gateway.complaints.status import apply_central_events, read_central_event
from gateway.complaints.updates import public_updates
from gateway.runtime import Runtime
from gateway.store.models import Complaint, ComplaintStatus
from gateway.throttles import LOOKUPS, AddressLimit
from gateway.web.openapi import openapi_document
from normalizer.calls import Call
from normalizer.categories import guess_category, guess_classification
from normalizer.clean import clean_json
from normalizer.complaint import SCHEMA_ID, public_view
from normalizer.complaint import Complaint as ComplaintDoc
from normalizer.tracking import TRACKING_RE, new_tracking_code
from normalizer.validation import validate_complaint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
NOT_AN_OBJECT = "body must be a JSON object (standard JSON: no NaN or Infinity)"


@bp.record_once
def _lookup_limit(state: Any) -> None:
    # made with the app, not on first use: two request threads must not each make one
    settings = state.app.extensions["lapor"].settings
    if settings.status_lookups_per_minute:
        state.app.extensions[LOOKUPS] = AddressLimit(
            settings.ratelimit_storage_url, "status-lookup", settings.status_lookups_per_minute, 60
        )


def _runtime() -> Runtime:
    return current_app.extensions["lapor"]


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": message, **extra}), status


def _not_a_number(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise ValueError(f"{text} is too large a number")
    return value


def _json_body() -> Any:
    """The request's JSON, or None when it is not JSON: not sent as JSON, NaN or
    Infinity in it (Python's parser takes them, the JSON standard does not, and no
    complaint, time or place is one), or nested deeper than the parser goes (no client
    of ours sends that). NUL and lone surrogates in its strings become U+FFFD: no
    database of ours stores them (normalizer.clean)."""
    if not request.is_json:
        return None
    try:
        return strict_json(request.get_data(cache=True))
    except (ValueError, RecursionError):
        return None


def strict_json(raw: bytes) -> Any:
    """``raw`` as standard JSON (no NaN, Infinity or 1e999), its strings made safe to
    store; ValueError or RecursionError when it is not."""
    return clean_json(json.loads(raw, parse_constant=_not_a_number, parse_float=_finite))


def _authorized() -> bool:
    header = request.headers.get("Authorization", "")
    given = (
        header[7:].strip()
        if header.lower().startswith("bearer ")
        else request.headers.get("X-API-Key", "")
    )
    if not given:
        return False
    return any(
        hmac.compare_digest(given.encode(), key.encode())
        for key in _runtime().settings.api_key_list
    )


def _created_body(row: Complaint | StoredComplaint) -> dict[str, Any]:
    return {
        "id": row.id,
        "tracking_code": row.tracking_code,
        "status": row.status,
        "links": {"status": f"/api/v1/complaints/{row.tracking_code}"},
    }


@bp.post("/complaints")
def create_complaint() -> tuple[Response, int]:
    """One complaint in the normalized format. ``id``, ``tracking_code``,
    ``received_at`` and ``channel`` may be left out; the gateway fills them. A repeated
    ``id`` returns the complaint already stored (200) instead of a second one."""
    if not _authorized():
        return _error(401, "missing or unknown API key")
    data = _json_body()
    if not isinstance(data, dict):
        return _error(400, NOT_AN_OBJECT)
    document = {
        "schema": SCHEMA_ID,
        "id": str(uuid.uuid4()),
        "tracking_code": new_tracking_code(),
        "channel": "api",
        "received_at": datetime.now(UTC).isoformat(),
        **data,
    }
    errors = validate_complaint(document)
    if not errors:
        # what a regional app did not say is read from the text, as for every channel
        text = f"{document['description']} {(document.get('location') or {}).get('text') or ''}"
        if not document.get("category"):
            document["category"] = guess_category(text).model_dump()
        document.setdefault("classification", str(guess_classification(document["description"])))
    if errors:
        return _error(
            422,
            "complaint does not match lapor-gateway/complaint@1",
            errors=[{"field": e.field, "message": e.message} for e in errors],
        )
    runtime = _runtime()
    with runtime.sessions() as session:
        existing = session.get(Complaint, document["id"])
        if existing is not None:
            return jsonify(_created_body(existing)), 200
        doc = ComplaintDoc.model_validate(document)
        try:
            # Core inserts run at once: a taken id or code fails here, not only at commit
            row = store_complaint(session, doc, max_attempts=runtime.settings.forward_max_attempts)
            session.commit()
            metrics.count_created(session, "api")
        except IntegrityError:
            session.rollback()
            if (existing := session.get(Complaint, document["id"])) is not None:
                return jsonify(_created_body(existing)), 200  # a concurrent duplicate won
            taken = session.scalar(
                select(Complaint.id).where(Complaint.tracking_code == document["tracking_code"])
            )
            if taken:
                return _error(409, "tracking_code already in use")
            raise
        return jsonify(_created_body(row)), 201


@bp.post("/calls")
def create_call() -> tuple[Response, int]:
    """One call transcript (``lapor-gateway/call@1``). 201 with the call's tracking
    code and whether it was submitted or waits for review; a repeated ``call_id`` answers
    200 with the same call, never a second complaint."""
    if not _authorized():
        return _error(401, "missing or unknown API key")
    request.max_content_length = _runtime().settings.max_call_bytes
    data = _json_body()
    if not isinstance(data, dict):
        return _error(400, NOT_AN_OBJECT)
    try:
        call = Call.model_validate(data)
    except ValidationError as exc:
        return _error(
            422,
            "call does not match lapor-gateway/call@1",
            errors=[
                {"field": ".".join(str(p) for p in e["loc"]) or "call", "message": e["msg"]}
                for e in exc.errors(include_url=False, include_input=False)
            ],
        )
    taken = take_call_once(_runtime(), call, source="api")
    return jsonify(taken.as_json()), 200 if taken.duplicate else 201


@bp.get("/openapi.json")
def openapi() -> tuple[Response, int]:
    return jsonify(openapi_document()), 200


def _call_status(session: Session, code: str) -> dict[str, Any] | None:
    call = pending_call(session, code)
    if call is None:
        return None
    timeline = [{"status": ComplaintStatus.RECEIVED, "at": call.received_at.isoformat()}]
    if call.status == ComplaintStatus.CLOSED:
        timeline.append({"status": call.status, "at": call.updated_at.isoformat()})
    return {
        "tracking_code": code,
        "channel": "callcenter",
        "received_at": call.received_at.isoformat(),
        "status": call.status,
        "resolution": call.resolution,
        "timeline": timeline,
    }


@bp.get("/complaints/<tracking_code>")
def complaint_status(tracking_code: str) -> tuple[Response, int]:
    """Status and timeline for whoever holds the code; never the reporter's identity."""
    code = tracking_code
    limit = current_app.extensions.get(LOOKUPS)
    address = request.remote_addr or "-"
    if limit is not None and not _authorized() and not limit.allow(address):
        refused = _error(429, "too many lookups from this address; try again later")
        refused[0].headers["Retry-After"] = str(limit.retry_after(address))
        return refused
    if not TRACKING_RE.match(code.upper()):  # no code (NUL in it: PostgreSQL's error)
        return _error(404, "no complaint with that tracking code")
    with _runtime().sessions() as session:
        row = find_by_code(session, code.upper())
        if row is None and (call := _call_status(session, code.upper())) is not None:
            return jsonify(call), 200
        if row is None:
            return _error(404, "no complaint with that tracking code")
        view = public_view(row.document)
        view.update(
            status=row.status,
            resolution=row.resolution,
            central_id=row.central_id,
            sla=[d.as_json() for d in complaint_deadlines(row, _runtime().sla_limits)],
            timeline=[
                {k: v for k, v in e.items() if k != "note"} for e in timeline(session, row.id)
            ],
            # the reporter's follow-ups, feedback, reopen requests: kind and time only
            updates=public_updates(session, row.id),
        )
        return jsonify(view), 200


@bp.post("/central/events")
def central_events() -> tuple[Response, int]:
    """Status events pushed by a central system, signed like our webhook deliveries:
    ``X-Gateway-Signature: sha256=<hex HMAC-SHA256 of the body>``. One event or
    ``{"events": [...]}``; each is recorded once however often it arrives."""
    runtime = _runtime()
    secret = runtime.settings.central_events_secret.get_secret_value()
    body = request.get_data()
    if not (
        secret and same_secret(request.headers.get("X-Gateway-Signature", ""), sign(secret, body))
    ):
        return _error(403, "signature check failed")
    try:
        data = strict_json(body)
    except (ValueError, RecursionError):
        return _error(400, "body must be JSON")
    if isinstance(data, list):
        events = data
    else:
        events = data.get("events") if isinstance(data, dict) and "events" in data else [data]
    if not isinstance(events, list) or not events:
        return _error(400, "no events")
    read, errors = [], []
    for event in events:
        parsed, problems = read_central_event(event)
        label = event.get("event_id") if isinstance(event, dict) else None
        errors += [f"event {str(label)[:80]!r}: {p}" for p in problems]
        if parsed is not None:
            read.append(parsed)
    if errors:
        return _error(422, "invalid status events; nothing was recorded", errors=errors)
    with runtime.sessions() as session:
        applied = apply_central_events(session, runtime, read)
        if applied.conflicts:
            session.rollback()
            return _error(
                409,
                "status events that cannot follow the complaint's status; nothing was recorded",
                conflicts=applied.conflicts,
            )
        session.commit()
    return jsonify(
        {"recorded": applied.recorded, "duplicates": applied.duplicates, "unknown": applied.unknown}
    ), 200
