"""``/webhooks/<channel>[/<hook>]``: verify, parse, store, answer — for every adapter.

Everything a webhook received is committed before it answers 2xx; a signature failure
is 403 and a malformed body 400, both before anything is stored.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.exc import InterfaceError, OperationalError

from channels.base import BadPayload, Unsupported, WebhookRequest
from gateway import metrics
from gateway.intake import pipeline
from gateway.runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _runtime() -> Runtime:
    return current_app.extensions["lapor"]


def _signed_url(runtime: Runtime) -> str:
    """The URL the provider signed: the public base URL when configured (behind a proxy
    the server sees another host and scheme), else the URL as received."""
    public = runtime.public_url(request.path)
    if public is None:
        return request.url
    query = request.query_string.decode("latin-1")
    return f"{public}?{query}" if query else public


def _text(status: int, reason: str) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain")


@bp.route("/<name>", methods=["GET", "POST"], defaults={"hook": ""})
@bp.route("/<name>/<hook>", methods=["GET", "POST"])
def webhook(name: str, hook: str) -> Response:
    runtime = _runtime()
    adapter = runtime.adapters.get(name)
    if adapter is None or hook not in adapter.hooks:
        abort(404)
    req = WebhookRequest(
        method=request.method,
        url=_signed_url(runtime),
        hook=hook,
        headers=request.headers,
        body=request.get_data(cache=True),
        form=request.form.to_dict()
        if request.mimetype == "application/x-www-form-urlencoded"
        else {},
        args=request.args.to_dict(),
    )
    if not adapter.verify(req):
        metrics.INBOUND.labels(name, "forbidden").inc()
        return _text(403, "signature check failed")
    try:
        result = adapter.parse(req)
    except BadPayload as exc:
        metrics.INBOUND.labels(name, "malformed").inc()
        return _text(400, f"malformed: {exc}")
    except RecursionError:  # JSON nested deeper than any channel sends
        metrics.INBOUND.labels(name, "malformed").inc()
        return _text(400, "malformed: nested too deeply")
    except Unsupported as exc:
        metrics.INBOUND.labels(name, "unsupported").inc()
        log.info("%s: unsupported event ignored: %s", name, exc)
        return _text(200, "not supported; ignoring")
    if result.response is not None:
        status, body, content_type = result.response
        return Response(body, status=status, content_type=content_type)

    try:
        handled = pipeline.handle(runtime, adapter, result)
    except (OperationalError, InterfaceError):
        # counted here, per channel; the app's handler answers 503 so the provider retries
        metrics.INBOUND.labels(name, "unavailable").inc()
        raise
    if handled.refused and not (handled.outcomes or handled.statuses):
        # nothing in it could be stored (an over-long id…): refused, and nothing written
        return _text(400, "malformed: " + "; ".join(handled.refused)[:500])
    if result.statuses and not result.messages:
        return Response(status=204)
    body, content_type = adapter.render_replies(req, handled.replies)
    return Response(body, status=200, content_type=content_type)
