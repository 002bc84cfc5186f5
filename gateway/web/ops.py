"""Liveness, readiness and metrics for operations, and the attachments the gateway keeps."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from channels.http import same_secret
from gateway import metrics
from gateway.store.models import MediaFile

bp = Blueprint("ops", __name__)

# How a file of each type begins. An attachment is served with the type its channel
# gave only when its bytes begin so; any other is application/octet-stream.
MAGIC: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/gif": lambda b: b[:6] in (b"GIF87a", b"GIF89a"),
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
    "application/pdf": lambda b: b.startswith(b"%PDF-"),
    "audio/ogg": lambda b: b.startswith(b"OggS"),
    "video/ogg": lambda b: b.startswith(b"OggS"),
    "audio/mpeg": lambda b: b.startswith(b"ID3") or b[:2] in (b"\xff\xfb", b"\xff\xf3"),
    "audio/mp4": lambda b: b[4:8] == b"ftyp",
    "video/mp4": lambda b: b[4:8] == b"ftyp",
    "video/3gpp": lambda b: b[4:8] == b"ftyp",
}
# Shown in the browser: images no browser runs (not SVG). Everything else a citizen
# sent, a page or a script among them, is a download.
INLINE = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "audio/ogg": ".ogg",
    "video/ogg": ".ogv",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
}
# Should a browser render one anyway: no script, no plugin, no fetch, not in a frame.
MEDIA_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


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


def served_type(claimed: str | None, head: bytes) -> str:
    """The type an attachment is served with: what the channel said, when the first
    bytes are such a file; else application/octet-stream."""
    kind = (claimed or "").split(";", 1)[0].strip().lower()
    check = MAGIC.get(kind)
    return kind if check is not None and check(head) else "application/octet-stream"


@bp.get("/media/<token>")
def media(token: str) -> Response:
    """An attachment the gateway keeps, for the central system; the token is the key.

    A citizen chose these bytes and the type they claim: only a real JPEG, PNG, GIF or
    WebP is shown inline, anything else is a download (``Content-Disposition:
    attachment``), and the answer forbids sniffing, scripts and frames whatever it is."""
    runtime = current_app.extensions["lapor"]
    with runtime.sessions() as session:
        row = session.get(MediaFile, token)
    if row is None or row.path is None:
        abort(404)
    try:
        with open(row.path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        abort(404)
    kind = served_type(row.content_type, head)
    response = send_file(
        row.path,
        mimetype=kind,
        as_attachment=kind not in INLINE,
        download_name=row.token + EXTENSIONS.get(kind, ".bin"),
        max_age=3600,
    )
    # the URL is the only key: no shared cache may keep a citizen's photo
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/metrics")
def prometheus() -> Response:
    """Prometheus metrics; with ``metrics_token`` set, only for ``Authorization: Bearer
    <token>``."""
    runtime = current_app.extensions["lapor"]
    expected = runtime.settings.metrics_token.get_secret_value()
    if expected and not same_secret(request.headers.get("Authorization", ""), f"Bearer {expected}"):
        body = json.dumps({"error": "Unauthorized", "detail": "a bearer token is required"})
        return Response(
            body,
            status=401,
            content_type="application/json",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
        )
    body, content_type = metrics.render(runtime.sessions)
    return Response(body, content_type=content_type)
