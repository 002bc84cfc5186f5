"""SQLite writers queue on a file lock, not on SQLite's busy handler.

Every gateway transaction on SQLite is a writer (``BEGIN IMMEDIATE``), and one file has
one writer at a time. A writer that finds the database locked is left to SQLite's busy
handler, which sleeps and tries again, up to 100 ms a sleep: a waiter often sleeps on
long after the lock came free, and two web processes and a worker spend the difference
idle. Measured with ``bench/intake.py`` (README, Benchmarks): the insert ceiling's p99
fell from 0.4–0.9 s to 40–220 ms, and the gateway's rate rose by 8–32 %.

So a connection first takes an exclusive ``flock`` on ``<database>-writer.lock`` (the
kernel wakes the next waiter the moment it is released, and releases it for a process
that dies), then begins; commit, rollback and close release it. A thread that already
holds the lock through another connection to the same file does not queue behind
itself: that connection is left to the busy handler, as before.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

# database path -> the connection of this thread holding its lock
_held = threading.local()


def lock_path(database: str) -> str:
    return f"{database}-writer.lock"


class WriterLockedConnection(sqlite3.Connection):
    """A connection whose ``acquire()`` waits for its database's writer lock; made for
    one database by ``connection_class``."""

    lock_file = ""
    _lock_fd: int | None = None
    # the holders of the thread that took the lock (a pool may close it from another)
    _holders: dict[str, WriterLockedConnection] | None = None

    def acquire(self) -> None:
        """Wait for the writer lock; called just before ``BEGIN``."""
        holders: dict[str, WriterLockedConnection] = _held.__dict__.setdefault("holders", {})
        if self.lock_file in holders:
            return  # this thread already writes through another connection
        if self._lock_fd is None:
            self._lock_fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # waits with the GIL released
        holders[self.lock_file] = self
        self._holders = holders

    @property
    def holding(self) -> bool:
        return self._holders is not None

    def release(self) -> None:
        holders, self._holders = self._holders, None
        if holders is not None:
            holders.pop(self.lock_file, None)
            if self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


def connection_class(database: str) -> type[WriterLockedConnection]:
    """The connection class (``sqlite3.connect(factory=...)``) for the file ``database``."""
    lock_file = lock_path(os.path.abspath(database))
    return type("WriterLockedConnection", (WriterLockedConnection,), {"lock_file": lock_file})
