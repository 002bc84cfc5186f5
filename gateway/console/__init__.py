"""The operator console (``/operator/…``): server-rendered pages for call-center
operators and supervisors. Every route needs a login and, by default, the operator role;
supervisor routes say so. Every form carries a CSRF token."""

from flask import current_app

from gateway.console import inbox
from gateway.console.auth import init_console
from gateway.console.views import bp

inbox.register(bp, lambda: current_app.extensions["lapor"])

__all__ = ["bp", "init_console"]
