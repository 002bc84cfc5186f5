"""The operator console (``/operator/…``): server-rendered pages for call-center
operators and supervisors. Every route needs a login and, by default, the operator role;
supervisor routes say so. Every form carries a CSRF token."""

from flask import current_app

from gateway.console import drill, inbox
from gateway.console.auth import init_console
from gateway.console.views import _period, bp

inbox.register(bp, lambda: current_app.extensions["lapor"])
drill.register(bp, lambda: current_app.extensions["lapor"], _period)

__all__ = ["bp", "init_console"]
