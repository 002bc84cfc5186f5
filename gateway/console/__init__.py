"""The operator console (``/operator/…``): server-rendered pages for call-center
operators and supervisors. Every route needs a login and, by default, the operator role;
supervisor routes say so. Every form carries a CSRF token."""

from gateway.console.auth import init_console
from gateway.console.views import bp

__all__ = ["bp", "init_console"]
