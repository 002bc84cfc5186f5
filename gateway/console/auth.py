"""Login, sessions, roles, CSRF and security headers for the operator console.

Sessions are Flask's signed cookies: the signature's age is checked on every request, so
an idle session ends after ``operator_idle_minutes`` (the cookie is re-signed on each
request), and ``login_at`` inside it ends any session ``operator_session_hours`` after
login. Routes are closed by default: ``before_request`` lets a request through only
with a login whose role the view allows (``requires``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, logout_user
from flask_wtf.csrf import CSRFProtect

from gateway.console import labels
from gateway.store.models import Operator, Role

F = TypeVar("F", bound=Callable[..., Any])
login_manager = LoginManager()
csrf = CSRFProtect()
# Views anyone may reach: the login page itself and the console's static files.
PUBLIC_ENDPOINTS = frozenset({"operator.login", "operator.static"})
RANK = {Role.OPERATOR: 1, Role.SUPERVISOR: 2}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class ConsoleUser(UserMixin):
    # "<operator id>.<session version>": what the session cookie holds
    id: str
    username: str
    role: str

    @classmethod
    def of(cls, operator: Operator) -> ConsoleUser:
        return cls(f"{operator.id}.{operator.session_version}", operator.username, operator.role)

    @property
    def operator_id(self) -> int:
        return int(self.id.split(".", 1)[0])

    def allowed(self, role: str) -> bool:
        return RANK.get(Role(self.role), 0) >= RANK[Role(role)]


def requires(role: Role) -> Callable[[F], F]:
    """Mark a view as needing ``role`` (the default for every console view is operator)."""

    def mark(view: F) -> F:
        view.required_role = role  # type: ignore[attr-defined]
        return view

    return mark


def _secret_key(app: Flask, configured: str) -> str:
    """The configured key, or one kept in the instance folder so that every process of
    a single-machine install (and the demo) signs sessions alike."""
    if configured:
        return configured
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="ascii") as fh:  # the first process writes it
                path.chmod(0o600)
                fh.write(secrets.token_urlsafe(48))
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip()


def init_console(app: Flask, settings: Any) -> None:
    app.config.update(
        SECRET_KEY=_secret_key(app, settings.secret_key.get_secret_value()),
        SESSION_COOKIE_NAME="lapor_operator",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.operator_idle_minutes),
        # Checked only where the console asks (csrf.protect in its before_request):
        # webhooks and the API authenticate with signatures and keys instead.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A form may stay open through a long call; the session's own expiry bounds it.
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "operator.login"
    login_manager.login_message = "Silakan masuk terlebih dahulu."
    login_manager.session_protection = "basic"
    labels.register(app)  # Indonesian labels and the deployment's time zone, as filters


@login_manager.user_loader
def _load_user(user_id: str) -> ConsoleUser | None:
    runtime = current_app.extensions["lapor"]
    operator_id, _, version = user_id.partition(".")
    if not (operator_id.isdigit() and version.isdigit()):
        return None
    with runtime.sessions() as db:
        operator = db.get(Operator, int(operator_id))
        if operator is None or not operator.active or operator.session_version != int(version):
            return None  # ended by a logout or a new password elsewhere
        return ConsoleUser.of(operator)


def session_expired(settings: Any) -> bool:
    login_at = session.get("login_at")
    limit = settings.operator_session_hours * 3600
    return not isinstance(login_at, int | float) or time.time() - login_at > limit


def guard() -> Response | None:
    """The console's before_request: CSRF on every POST, then login and role."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST":
            csrf.protect()
        return None
    settings = current_app.extensions["lapor"].settings
    if current_user.is_authenticated and session_expired(settings):
        logout_user()
        session.clear()
    if not current_user.is_authenticated:
        if request.method != "GET":
            abort(401)
        return redirect(url_for("operator.login", next=request.full_path.rstrip("?")))
    if request.method == "POST":
        csrf.protect()
    view = current_app.view_functions.get(request.endpoint or "")
    role = getattr(view, "required_role", Role.OPERATOR)
    if not current_user.allowed(role):
        abort(403)
    return None


def security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
