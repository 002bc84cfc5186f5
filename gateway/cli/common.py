"""What every command that touches the database starts with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gateway.config import Settings, load_settings
from gateway.logs import configure_logging
from gateway.runtime import Runtime


def upgrade_if_sqlite(url: str) -> None:
    """An embedded SQLite database is created and upgraded on first use; a server
    database is upgraded explicitly (``lapor-gateway db upgrade``)."""
    if url.startswith("sqlite"):
        from gateway.store.db import upgrade

        upgrade(url)


@contextmanager
def open_runtime(settings: Settings | None = None, *, logs: bool = False) -> Iterator[Runtime]:
    """The configured runtime (an SQLite database upgraded first), closed on the way out;
    ``logs`` sets up the process's log handler as ``serve`` and ``worker`` have it."""
    if logs:
        configure_logging()
    settings = settings or load_settings()
    upgrade_if_sqlite(settings.resolved_database_url)
    runtime = Runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()
