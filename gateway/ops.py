"""Liveness, readiness and metrics for operations."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway import metrics

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    return jsonify({"status": "ok"}), 200


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    try:
        with current_app.extensions["lapor"].engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return jsonify({"status": "unavailable", "database": type(exc).__name__}), 503
    return jsonify({"status": "ready", "database": "ok"}), 200


@bp.get("/media/<token>")
def media(token: str) -> Response:
    """An attachment the gateway keeps, for the central system; the token is the key."""
    from flask import abort, send_file

    from gateway.models import MediaFile

    runtime = current_app.extensions["lapor"]
    with runtime.sessions() as session:
        row = session.get(MediaFile, token)
    if row is None or row.path is None:
        abort(404)
    return send_file(
        row.path, mimetype=row.content_type or "application/octet-stream", max_age=3600
    )


@bp.get("/metrics")
def prometheus() -> Response:
    body, content_type = metrics.render(current_app.extensions["lapor"].sessions)
    return Response(body, content_type=content_type)
