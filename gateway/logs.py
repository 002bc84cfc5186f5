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
# The API clients log each call at INFO: httpx with the Telegram bot token in the URL,
# Twilio's client in ten lines a message. Their warnings still come through.
CHATTY_LIBRARIES = ("httpx", "httpcore", "twilio.http_client")
# Credentials that travel in URLs: a bot token is the bot (whoever has it can answer our
# citizens), a Graph access token a page's key, an Open311 api_key the right to file and
# change requests at the central system (sent with a read only to a server that insists;
# a POST carries it in its body, which a log line may quote too).
_CREDENTIALS = re.compile(r"(/bot\d+:|access_token=|api_key=)[^/&\s\"'<>]+")


def request_id_from(header: str | None) -> str:
    return header if header and _REQUEST_ID.match(header) else uuid.uuid4().hex


class _MaskCredentials(logging.Formatter):
    """The handler's formatter, with credentials masked in each finished line (its
    traceback too), whichever library wrote it."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return _CREDENTIALS.sub(r"\1***", self.inner.format(record))


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure_logging(level: int = logging.INFO, fmt: str | None = None) -> None:
    """Log to stderr through filters that add the request id and mask credentials and
    phone numbers, NIKs, e-mail addresses and the like, so no log line carries a secret
    or a citizen's identity.
    ``fmt`` (or ``GATEWAY_LOG_FORMAT``): ``json`` (default) or ``text``."""
    root = logging.getLogger()
    if any(getattr(h, "_lapor", False) for h in root.handlers):
        return
    fmt = fmt or os.environ.get("GATEWAY_LOG_FORMAT", "json")
    handler = logging.StreamHandler()
    if fmt == "text":
        formatter = logging.Formatter(TEXT_FORMAT)
    else:
        formatter = JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    handler.setFormatter(_MaskCredentials(formatter))
    handler.addFilter(_RequestId())
    handler.addFilter(log_filter())
    handler._lapor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
