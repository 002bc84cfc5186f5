"""The Flask application factory."""

from __future__ import annotations

import json
import threading
from typing import Any

from flask import Flask, Response, abort, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from gateway import console
from gateway.config import Settings, load_settings
from gateway.console import public
from gateway.logs import REQUEST_ID, configure_logging, request_id_from
from gateway.runtime import Runtime
from gateway.web import api, ops, webhooks
from normalizer.warm import warm_up

# On every answer, whatever made it (JSON, a webhook's reply, an error, a file): nothing
# sniffed, framed or referred onward, and a CSP that lets nothing load or run. The
# console's pages set their own CSP (their scripts and styles) and /media its sandbox
# before this runs; what a view set is kept.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
}


FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every route: an id the database can hold (a BIGINT); a larger
    number names nothing, 404, instead of an overflow in the query."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings or load_settings(**overrides)
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.url_map.converters["int"] = DatabaseId  # before any route is added
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_body_bytes,
    )
    if settings.proxies:
        # the client address (for the login throttle) from the proxies' X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxies)  # type: ignore[method-assign]
    app.extensions["lapor"] = Runtime(settings)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    console.init_console(app, settings)  # sessions: the secret key, cookies, CSRF
    app.register_blueprint(console.bp)
    app.register_blueprint(public.bp)  # /lapor/<code>: the citizen's status page

    @app.before_request
    def _request_id() -> None:
        REQUEST_ID.set(request_id_from(request.headers.get("X-Request-ID")))

    @app.before_request
    def _no_nul() -> None:
        # PostgreSQL refuses NUL in any query. A path with NUL (%00) names nothing here (a
        # media token or tracking code looked up with one was a 500); a form or a query
        # string is typed by a person, who types none (the console's login and the
        # inbox's channel filter were 500s). The webhooks keep
        # their forms whole, since the signature covers them: gateway.intake.pipeline cleans
        # each message instead.
        if "\x00" in request.path:
            abort(404)
        if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
            abort(400, "a query parameter holds a NUL character")
        if (
            request.blueprint != webhooks.bp.name
            and request.mimetype in FORMS
            and any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True))
        ):
            abort(400, "a form field holds a NUL character")

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = REQUEST_ID.get()
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        # Short machine-readable reasons instead of Werkzeug's HTML pages.
        body = json.dumps({"error": exc.name, "detail": exc.description})
        return Response(body, status=exc.code or 500, content_type="application/json")

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc: Exception) -> Response:
        # The database restarting or out of reach: nothing was committed, so the caller
        # must try again, not be told it worked (and not see a bare 500).
        app.logger.error("database unavailable at %s: %s", request.path, exc)
        body = json.dumps({"error": "Service Unavailable", "detail": "storage unavailable"})
        return Response(
            body, status=503, headers={"Retry-After": "5"}, content_type="application/json"
        )

    configure_logging()
    # region tables and the stemmer take seconds to load: not while the first citizen
    # waits (under `serve` the master has loaded them already and this returns at once)
    threading.Thread(target=warm_up, name="warm-normalizer", daemon=True).start()
    return app
