"""``/api/v1``: complaints from other intake systems, and status for code holders."""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.complaints import StoredComplaint, find_by_code, store_complaint, timeline
from gateway.models import Complaint
from gateway.runtime import Runtime
from normalizer.complaint import SCHEMA_ID, public_view
from normalizer.complaint import Complaint as ComplaintDoc
from normalizer.tracking import new_tracking_code
from normalizer.validation import validate_complaint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _runtime() -> Runtime:
    return current_app.extensions["lapor"]


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": message, **extra}), status


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
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "body must be a JSON object")
    document = {
        "schema": SCHEMA_ID,
        "id": str(uuid.uuid4()),
        "tracking_code": new_tracking_code(),
        "channel": "api",
        "received_at": datetime.now(UTC).isoformat(),
        **data,
    }
    errors = validate_complaint(document)
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
        row = store_complaint(session, doc, max_attempts=runtime.settings.forward_max_attempts)
        try:
            session.commit()
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


@bp.get("/complaints/<code>")
def complaint_status(code: str) -> tuple[Response, int]:
    """Status and timeline for whoever holds the code; never the reporter's identity."""
    with _runtime().sessions() as session:
        row = find_by_code(session, code.upper())
        if row is None:
            return _error(404, "no complaint with that tracking code")
        view = public_view(row.document)
        view.update(
            status=row.status,
            central_id=row.central_id,
            timeline=[
                {k: v for k, v in e.items() if k != "note"} for e in timeline(session, row.id)
            ],
        )
        return jsonify(view), 200
