"""Logging for every process of the gateway: one stream, personal data masked."""

from __future__ import annotations

import logging

from normalizer.privacy import log_filter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr through a filter that masks phone numbers, NIKs, e-mail addresses
    and the like, so no log line carries a citizen's identity."""
    root = logging.getLogger()
    if any(getattr(h, "_lapor", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(log_filter())
    handler._lapor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
