"""The transactional outbox: jobs written in the same transaction as the data they
deliver, claimed by any number of workers without double-claiming.

A job's life::

    pending ──claim──▶ running ──deliver ok──▶ done
       ▲                  │ retryable error, attempts left
       ├──── run_after ◀──┘
       │                  │ its target paused (forwarder.circuit): attempt given back
       └──── release ◀────┘
                          │ permanent error, or retry budget spent
                          ▼
                        dead ──operator retry──▶ pending

A worker that dies holding a job leaves it ``running`` with an expired lease
(``locked_until``), and the next claim takes it again. Deliveries carry the job's
idempotency key, so a redelivery after such a crash is recognised by the receiver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    and_,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from forwarder.sqltypes import BigId, UTCDateTime, utcnow

# Set in a session by enqueue: this transaction queued a job (forwarder.wakeup wakes the
# workers when it commits).
QUEUED = "outbox_queued"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class OutboxBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class JobStatus(StrEnum):
    PENDING = "pending"  # waits for run_after, then any worker may claim it
    RUNNING = "running"  # claimed; owned by locked_by until locked_until
    DONE = "done"  # delivered and recorded
    DEAD = "dead"  # permanent error or retry budget spent; an operator may retry it


class OutboxJob(OutboxBase):
    __tablename__ = "outbox_jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_jobs_claim", "status", "run_after"),)


_INSERT_JOB = insert(OutboxJob.__table__).returning(OutboxJob.id)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    last_error: str | None = None  # why the previous attempt failed, if one did
    # What the process that queued the job knew of it then, so its handler need not read
    # it back (``enqueue_claimed``); None for a job claimed from the table.
    known: Any = None


def _job_row(
    kind: str,
    idempotency_key: str,
    payload: dict[str, Any],
    max_attempts: int,
    run_after: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "idempotency_key": idempotency_key,
        "payload": payload,
        "status": JobStatus.PENDING,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_after": run_after or now,
        "locked_by": None,
        "locked_until": None,
        "last_error": None,
        "result": None,
        "created_at": now,
        "updated_at": now,
        "finished_at": None,
    }


def enqueue(
    session: Session,
    kind: str,
    idempotency_key: str,
    payload: dict[str, Any],
    *,
    max_attempts: int,
    run_after: datetime | None = None,
) -> int:
    """Add a job to the caller's transaction (it exists exactly when that commits); its id."""
    session.info[QUEUED] = True
    row = _job_row(kind, idempotency_key, payload, max_attempts, run_after, utcnow())
    return session.connection().execute(_INSERT_JOB, row).scalar_one()


def enqueue_claimed(
    session: Session,
    kind: str,
    idempotency_key: str,
    payload: dict[str, Any],
    *,
    max_attempts: int,
    worker_id: str,
    lease_seconds: float,
    known: Any = None,
) -> ClaimedJob:
    """Add a job already claimed by ``worker_id``, in the caller's transaction: for the
    process that will run it right after the commit (a web process sending its replies),
    which then needs no claim of its own, nor to read back what it wrote (``known``). Its
    first attempt is counted, as a claim counts it; if that process dies, the lease runs
    out and any worker takes the job over."""
    row = claimed_row(kind, idempotency_key, payload, max_attempts, worker_id, lease_seconds)
    job_id = session.connection().execute(_INSERT_JOB, row).scalar_one()
    return ClaimedJob(
        job_id, kind, idempotency_key, payload, row["attempts"], max_attempts, known=known
    )


def claimed_row(
    kind: str,
    idempotency_key: str,
    payload: dict[str, Any] | None,
    max_attempts: int,
    worker_id: str,
    lease_seconds: float,
) -> dict[str, Any]:
    """The values of a job queued already claimed by ``worker_id`` (``enqueue_claimed``;
    also for a statement that inserts the job together with what it delivers)."""
    now = utcnow()
    row = _job_row(kind, idempotency_key, payload or {}, max_attempts, None, now)
    row.update(
        status=JobStatus.RUNNING,
        attempts=1,
        locked_by=worker_id,
        locked_until=now + timedelta(seconds=lease_seconds),
    )
    return row


_RENEW = (
    update(OutboxJob.__table__)
    .where(
        OutboxJob.__table__.c.id.in_(bindparam("ids", expanding=True)),
        OutboxJob.__table__.c.status == JobStatus.RUNNING,
        OutboxJob.__table__.c.locked_by == bindparam("worker_id"),
    )
    .values(locked_until=bindparam("until"), updated_at=bindparam("now"))
    .returning(OutboxJob.__table__.c.id)
)


def renew(session: Session, ids: Sequence[int], worker_id: str, lease_seconds: float) -> set[int]:
    """Extend ``worker_id``'s lease on these jobs, in the caller's transaction; the ids
    still its own (a job whose lease ran out may have been taken over: not to be run)."""
    if not ids:
        return set()
    now = utcnow()
    params = {
        "ids": list(ids),
        "worker_id": worker_id,
        "until": now + timedelta(seconds=lease_seconds),
        "now": now,
    }
    return set(session.connection().execute(_RENEW, params).scalars())


def claim(
    session: Session,
    worker_id: str,
    limit: int,
    lease_seconds: float,
    ids: list[int] | None = None,
    kinds: Sequence[str] | None = None,
) -> list[ClaimedJob]:
    """Take up to ``limit`` due jobs for ``worker_id`` in one statement, and commit.

    PostgreSQL skips rows another worker is claiming (``FOR UPDATE SKIP LOCKED``);
    SQLite serializes writers, so the same UPDATE is atomic there too. Each claim counts
    as an attempt, so a job that crashes its worker still spends its retry budget.
    """
    now = utcnow()
    due = or_(
        and_(OutboxJob.status == JobStatus.PENDING, OutboxJob.run_after <= now),
        and_(OutboxJob.status == JobStatus.RUNNING, OutboxJob.locked_until < now),
    )
    candidates = select(OutboxJob.id).where(due).order_by(OutboxJob.run_after, OutboxJob.id)
    if ids is not None:  # only these jobs (sending right after the web request committed)
        candidates = candidates.where(OutboxJob.id.in_(ids))
    if kinds is not None:  # a worker kept for some kinds of jobs
        candidates = candidates.where(OutboxJob.kind.in_(kinds))
    candidates = candidates.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        update(OutboxJob)
        .where(OutboxJob.id.in_(candidates.scalar_subquery()))
        .values(
            status=JobStatus.RUNNING,
            locked_by=worker_id,
            locked_until=now + timedelta(seconds=lease_seconds),
            attempts=OutboxJob.attempts + 1,
            updated_at=now,
        )
        .returning(
            OutboxJob.id,
            OutboxJob.kind,
            OutboxJob.idempotency_key,
            OutboxJob.payload,
            OutboxJob.attempts,
            OutboxJob.max_attempts,
            OutboxJob.last_error,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(stmt).all()
    session.commit()
    return sorted((ClaimedJob(*row) for row in rows), key=lambda j: j.id)


def _finish(session: Session, job_id: int, worker_id: str, **values: Any) -> bool:
    """Move a job this worker holds to its next state; False when the lease was lost
    (another worker took the job over), in which case the caller must roll back its own
    writes."""
    result = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == job_id,
            OutboxJob.status == JobStatus.RUNNING,
            OutboxJob.locked_by == worker_id,
        )
        .values(updated_at=utcnow(), locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# Built once (every delivery records its success): the ORM's bulk UPDATE built anew on
# each call was 9-12 % of a delivery's CPU.
_jobs = OutboxJob.__table__
_MARK_DONE = (
    update(_jobs)
    .where(
        _jobs.c.id == bindparam("job_id"),
        _jobs.c.status == JobStatus.RUNNING,
        _jobs.c.locked_by == bindparam("worker_id"),
    )
    .values(
        status=JobStatus.DONE,
        result=bindparam("result"),
        finished_at=bindparam("now"),
        updated_at=bindparam("now"),
        locked_until=None,
        last_error=None,
    )
)


def mark_done(
    session: Session, job_id: int, worker_id: str, result: dict[str, Any] | None = None
) -> bool:
    """Record success in the caller's transaction (``locked_by`` stays as who did it);
    False when the lease was lost (another worker took the job over), in which case the
    caller must roll back its own writes."""
    params = {"job_id": job_id, "worker_id": worker_id, "result": result, "now": utcnow()}
    return session.connection().execute(_MARK_DONE, params).rowcount == 1


def mark_retry(session: Session, job_id: int, worker_id: str, error: str, delay: float) -> bool:
    return _finish(
        session,
        job_id,
        worker_id,
        status=JobStatus.PENDING,
        run_after=utcnow() + timedelta(seconds=delay),
        last_error=error[:2000],
        locked_by=None,
    )


def release(
    session: Session, job_id: int, worker_id: str, error: str | None = None, delay: float = 0.0
) -> bool:
    """Put a job this worker holds back to ``pending`` with the claim's attempt given
    back: it was not tried for its own sake (its target is paused, forwarder.circuit),
    so it spends none of its retry budget. ``error`` None: not tried at all, the reason
    of its last try stands."""
    values: dict[str, Any] = {"last_error": error[:2000]} if error is not None else {}
    return _finish(
        session,
        job_id,
        worker_id,
        status=JobStatus.PENDING,
        run_after=utcnow() + timedelta(seconds=delay),
        attempts=OutboxJob.attempts - 1,
        locked_by=None,
        **values,
    )


def give_back_attempt(session: Session, job_id: int, attempts: int) -> bool:
    """Undo the attempt of a pending job whose failure turned out to be its target's
    outage (the one that opened the circuit); only if nothing has claimed it since."""
    res = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == job_id,
            OutboxJob.status == JobStatus.PENDING,
            OutboxJob.attempts == attempts,
        )
        .values(attempts=OutboxJob.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1


def mark_dead(session: Session, job_id: int, worker_id: str, error: str) -> bool:
    return _finish(
        session,
        job_id,
        worker_id,
        status=JobStatus.DEAD,
        last_error=error[:2000],
        finished_at=utcnow(),
        locked_by=None,
    )


def retry_dead(session: Session, job_id: int) -> bool:
    """An operator's second chance for a dead letter: a fresh retry budget, due now."""
    now = utcnow()
    res = session.execute(
        update(OutboxJob)
        .where(OutboxJob.id == job_id, OutboxJob.status == JobStatus.DEAD)
        .values(
            status=JobStatus.PENDING, attempts=0, run_after=now, finished_at=None, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1


def due_now(session: Session, keys: Sequence[str]) -> int:
    """Make these jobs due now with a fresh budget, if they wait (pending) or were given
    up (dead): e.g. jobs that waited for another one to succeed, whose waiting was no
    failure of theirs. Running jobs are left alone. In the caller's transaction; the
    number of jobs moved."""
    if not keys:
        return 0
    now = utcnow()
    res = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.idempotency_key.in_(list(keys)),
            OutboxJob.status.in_((JobStatus.PENDING, JobStatus.DEAD)),
        )
        .values(
            status=JobStatus.PENDING,
            attempts=0,
            run_after=now,
            finished_at=None,
            last_error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if res.rowcount:
        session.info[QUEUED] = True  # wake the workers when this commits
    return res.rowcount
