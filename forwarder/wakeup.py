"""Waking idle workers the moment a job is committed, instead of at their next poll.

On PostgreSQL a transaction that queued a job sends ``NOTIFY`` as it commits (the
database delivers it only if the commit succeeds), and each idle worker ``LISTEN``s on a
connection of its own. Elsewhere workers keep polling. A lost notification costs no job,
only time: the worker still polls every ``poll_seconds`` while it waits.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from forwarder.outbox import QUEUED

log = logging.getLogger(__name__)

CHANNEL = "lapor_outbox"
SLICE = 1.0  # seconds a wait listens before it looks whether the worker is stopping
RETRY_SECONDS = 1.0  # after losing the connection: poll once, then listen again


def notify_on_commit(sessions: sessionmaker[Session]) -> None:
    """Make every transaction of ``sessions`` that queued a job wake the workers as it
    commits (once per transaction, however many jobs it queued)."""

    @event.listens_for(sessions, "before_commit")
    def _notify(session: Session) -> None:
        if session.info.pop(QUEUED, False):
            session.execute(text(f"NOTIFY {CHANNEL}"))

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(QUEUED, None)


class Wakeup:
    """``wait(timeout, stop)`` returns when a job was committed, ``timeout`` passed or
    ``stop`` is set. It listens on a connection of its own (PostgreSQL); one that breaks
    (a database restart) is replaced on the next wait, and meanwhile the wait is a sleep."""

    def __init__(self, engine: Engine) -> None:
        self.url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: psycopg.Connection | None = None

    def wait(self, timeout: float, stop: threading.Event) -> None:
        deadline = time.monotonic() + timeout
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            conn = self._conn or self._listen()
            if conn is None:
                stop.wait(min(left, RETRY_SECONDS))
                return
            try:
                # in slices, so a worker told to stop is not kept listening
                for _ in conn.notifies(timeout=min(left, SLICE), stop_after=1):
                    return
            except psycopg.Error as exc:
                log.warning("lost the outbox notifications, polling until back: %s", exc)
                self.close()
                stop.wait(min(left, RETRY_SECONDS))
                return

    def _listen(self) -> psycopg.Connection | None:
        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            log.warning("cannot listen for outbox notifications, polling: %s", exc)
            self.close()
        return self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
