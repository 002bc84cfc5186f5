"""Engine, sessions and schema upgrades.

SQLite runs in WAL mode and every transaction starts with ``BEGIN IMMEDIATE``: writers
queue for the lock up front instead of failing half-way with "database is locked",
which is what lets several web processes and a worker share one file. They queue on a
file lock (``gateway.store.sqlite_writers``), which hands the database over the moment it is
free.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from gateway.store.sqlite_writers import WriterLockedConnection, connection_class

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, max_connections: int | None = None, **kwargs: object) -> Engine:
    """An engine for ``url``; ``max_connections``: how many threads may hold a connection
    at once (SQLAlchemy's pool holds 15 by default, and a thread past them waits 30 s for
    one, then fails)."""
    # a queue pool of that size (an in-memory SQLite database has a pool of its own)
    queue_pool = (
        {}
        if max_connections is None
        else {"pool_size": 5, "max_overflow": max(0, max_connections - 5)}
    )
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1].split("?", 1)[0]
        connect_args: dict[str, object] = {"timeout": 30}
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            connect_args["factory"] = connection_class(db_path)
            kwargs = queue_pool | kwargs
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_on_begin(conn):  # type: ignore[no-untyped-def]
            raw = conn.connection.dbapi_connection
            if isinstance(raw, WriterLockedConnection):
                raw.acquire()
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pool_pre_ping: it costs a round trip on every request. A connection broken by
    # a database restart fails its request (503, the provider retries) and SQLAlchemy
    # then replaces the pool's stale connections.
    return create_engine(url, **(queue_pool | kwargs))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def network_call(session: Session, *rows: object) -> Iterator[None]:
    """Around a network call made inside a transaction. SQLite has one writer, and the
    gateway's transactions are writers from their first statement: one held open across
    a call would stop every web request for as long as the call takes (a slow central
    system: its whole timeout). There, what is written so far is committed first, the
    rest goes in a fresh transaction, and ``rows`` are read again after the call, since
    others may have written them meanwhile. PostgreSQL keeps its transaction and its
    row locks, which block no one else."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        session.commit()
    yield
    if sqlite:
        for row in rows:
            session.refresh(row)


def alembic_config(url: str) -> AlembicConfig:
    # alembic is imported by the commands that migrate, not by every process's start
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).has_table("alembic_version")
