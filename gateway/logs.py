"""Logging for every process of the gateway: one stream, structured (JSON by default),
each line of a web request carrying its request id, and personal data masked."""

from __future__ import annotations

import logging
import os
import re
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

from normalizer.privacy import log_filter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s"
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
# A caller's X-Request-ID is kept only when it looks like one (no log injection).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id_from(header: str | None) -> str:
    return header if header and _REQUEST_ID.match(header) else uuid.uuid4().hex


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure_logging(level: int = logging.INFO, fmt: str | None = None) -> None:
    """Log to stderr through filters that add the request id and mask phone numbers,
    NIKs, e-mail addresses and the like, so no log line carries a citizen's identity.
    ``fmt`` (or ``GATEWAY_LOG_FORMAT``): ``json`` (default) or ``text``."""
    root = logging.getLogger()
    if any(getattr(h, "_lapor", False) for h in root.handlers):
        return
    fmt = fmt or os.environ.get("GATEWAY_LOG_FORMAT", "json")
    handler = logging.StreamHandler()
    if fmt == "text":
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    else:
        handler.setFormatter(
            JsonFormatter(
                JSON_FIELDS,
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    handler.addFilter(_RequestId())
    handler.addFilter(log_filter())
    handler._lapor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
