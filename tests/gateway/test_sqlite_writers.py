"""SQLite writers queue on a file lock: held from BEGIN to commit, rollback or close, taken
over by the next writer (another process here) the moment it is released, and never
awaited by the thread that holds it."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.store.db import make_engine
from gateway.store.sqlite_writers import connection_class, lock_path

HOLD_SECONDS = 0.5

# Another process (as a second web process or the worker would be) that begins a
# transaction, says so, writes, holds it a while and commits.
HOLDER = """
import sys, time
from sqlalchemy import text
from gateway.store.db import make_engine
engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text("INSERT INTO log (who, at) VALUES ('holder', :at)"), {"at": time.time()})
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute(text("INSERT INTO log (who, at) VALUES ('holder-done', :at)"),
                 {"at": time.time()})
"""


def _lock_is_free(database: Path) -> bool:
    fd = os.open(lock_path(str(database)), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock if it was taken
    return True


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "writers.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE log (who TEXT, at REAL)"))
    engine.dispose()
    return path


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_lock_is_held_from_begin_to_the_end_of_the_transaction(database: Path, ending: str):
    engine = make_engine(f"sqlite:///{database}")
    assert _lock_is_free(database)
    conn = engine.connect()
    transaction = conn.begin()
    conn.execute(text("INSERT INTO log (who) VALUES ('me')"))
    assert not _lock_is_free(database)
    if ending == "commit":
        transaction.commit()
    elif ending == "rollback":
        transaction.rollback()
    else:
        conn.invalidate()  # the connection itself closed, as a broken one is
    assert _lock_is_free(database)
    conn.close()
    engine.dispose()


def test_a_second_process_writes_the_moment_the_first_commits(database: Path):
    url = f"sqlite:///{database}"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        engine = make_engine(url)
        with engine.begin() as conn:  # waits for the holder's commit
            conn.execute(text("INSERT INTO log (who, at) VALUES ('me', :at)"), {"at": time.time()})
        assert holder.wait(timeout=30) == 0
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT who, at FROM log")).all())
        engine.dispose()
    finally:
        holder.kill()
    assert set(rows) == {"holder", "holder-done", "me"}
    # written after the holder's commit, and soon after it (not at the busy timeout)
    assert 0 <= rows["me"] - rows["holder-done"] < 1


def test_a_thread_holding_the_lock_does_not_wait_for_itself(database: Path):
    cls = connection_class(str(database))
    first = sqlite3.connect(database, factory=cls, isolation_level=None)
    second = sqlite3.connect(database, factory=cls, isolation_level=None)
    first.acquire()
    first.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    second.acquire()  # returns at once: left to SQLite's busy handler
    assert time.monotonic() - started < 1
    assert not second.holding
    first.commit()
    assert _lock_is_free(database)
    second.close()
    first.close()


def test_a_connection_closed_by_another_thread_frees_its_thread_to_write_again(
    database: Path,
):
    cls = connection_class(str(database))
    first = sqlite3.connect(database, factory=cls, isolation_level=None, check_same_thread=False)
    first.acquire()
    first.execute("BEGIN IMMEDIATE")
    closer = threading.Thread(target=first.close)  # as a pool disposing of it would
    closer.start()
    closer.join()
    assert _lock_is_free(database)
    again = sqlite3.connect(database, factory=cls, isolation_level=None)
    again.acquire()  # not mistaken for "already held by this thread"
    assert again.holding and not _lock_is_free(database)
    again.rollback()
    again.close()
