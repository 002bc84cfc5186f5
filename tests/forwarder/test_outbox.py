"""The outbox on a real database: claiming, leases, retries, dead letters."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forwarder import outbox
from forwarder.errors import Deferred, PermanentError, RetryableError
from forwarder.outbox import JobStatus, OutboxJob
from forwarder.sqltypes import utcnow
from forwarder.worker import RetryPolicy, Worker


def add_jobs(runtime, n: int, kind: str = "test", max_attempts: int = 3) -> None:
    with runtime.sessions() as s:
        for i in range(n):
            outbox.enqueue(s, kind, f"{kind}:{i}", {"i": i}, max_attempts=max_attempts)
        s.commit()


def jobs(runtime) -> list[OutboxJob]:
    with runtime.sessions() as s:
        return list(s.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def test_enqueued_job_exists_only_if_the_transaction_commits(runtime):
    with runtime.sessions() as s:
        outbox.enqueue(s, "test", "k1", {}, max_attempts=3)
        s.rollback()
    assert jobs(runtime) == []


def test_concurrent_claims_never_share_a_job(runtime):
    add_jobs(runtime, 60)
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        while True:
            with runtime.sessions() as s:
                got = outbox.claim(s, name, 5, 60)
            if not got:
                return
            with lock:
                claimed.append([j.id for j in got])

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [i for batch in claimed for i in batch]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 60


def test_expired_lease_is_claimed_again_and_counts_an_attempt(runtime):
    add_jobs(runtime, 1)
    with runtime.sessions() as s:
        [first] = outbox.claim(s, "dead-worker", 10, 60)
        assert outbox.claim(s, "other", 10, 60) == []
        s.execute(update(OutboxJob).values(locked_until=utcnow() - timedelta(seconds=1)))
        s.commit()
        [again] = outbox.claim(s, "other", 10, 60)
    assert again.id == first.id and again.attempts == 2
    # the worker that lost its lease cannot record an outcome any more
    with runtime.sessions() as s:
        assert not outbox.mark_done(s, first.id, "dead-worker")
        assert outbox.mark_done(s, first.id, "other")
        s.commit()
    assert jobs(runtime)[0].status == JobStatus.DONE


def test_job_not_due_is_not_claimed(runtime):
    with runtime.sessions() as s:
        outbox.enqueue(
            s, "test", "later", {}, max_attempts=3, run_after=utcnow() + timedelta(hours=1)
        )
        s.commit()
        assert outbox.claim(s, "w", 10, 60) == []


def test_a_worker_kept_to_some_kinds_leaves_the_others_due(runtime):
    add_jobs(runtime, 3, kind="message")
    add_jobs(runtime, 2, kind="complaint")
    done = []
    handlers = {kind: lambda s, job: done.append(job.kind) for kind in ("message", "complaint")}
    Worker(runtime.sessions, handlers, kinds=["message"]).run(max_idle_polls=1)
    assert done == ["message"] * 3
    left = [(j.kind, j.status, j.attempts) for j in jobs(runtime) if j.kind == "complaint"]
    assert left == [("complaint", JobStatus.PENDING, 0)] * 2


def test_retryable_failures_back_off_then_die_after_the_budget(runtime):
    add_jobs(runtime, 1, max_attempts=3)
    calls = []

    def flaky(session, job):
        calls.append(job.attempts)
        raise RetryableError("central down")

    worker = Worker(
        runtime.sessions,
        {"test": flaky},
        poll_seconds=0.01,
        policy=RetryPolicy(base_seconds=0.01, max_seconds=0.02),
    )
    worker.run(max_idle_polls=20)
    [job] = jobs(runtime)
    assert calls == [1, 2, 3]
    assert job.status == JobStatus.DEAD and "gave up after 3 attempts" in job.last_error


def test_a_deferred_job_waits_its_turn_without_spending_its_budget(runtime):
    """A limit of our own (Telegram's send pacing) defers a job many times over: it never
    dies of it, and it goes when the limit allows."""
    add_jobs(runtime, 1, max_attempts=2)
    calls = []

    def paced(session, job):
        calls.append(job.attempts)
        if len(calls) <= 5:
            raise Deferred("send limit reached", retry_after=0.0)
        return {"sent": True}

    Worker(runtime.sessions, {"test": paced}, poll_seconds=0.01).run(max_idle_polls=3)
    [job] = jobs(runtime)
    assert calls == [1] * 6  # each claim its first attempt: five deferrals spent nothing
    assert job.status == JobStatus.DONE and job.attempts == 1


def test_a_deferred_job_is_not_due_before_its_wait(runtime):
    add_jobs(runtime, 1)

    def paced(session, job):
        raise Deferred("send limit reached", retry_after=3600)

    Worker(runtime.sessions, {"test": paced}, poll_seconds=0.01).run(max_idle_polls=2)
    [job] = jobs(runtime)
    assert job.status == JobStatus.PENDING and job.attempts == 0
    assert job.run_after > utcnow() + timedelta(minutes=59)
    assert "send limit" in job.last_error


def test_permanent_failure_is_a_dead_letter_at_once_and_can_be_retried(runtime):
    add_jobs(runtime, 1, max_attempts=5)
    outcomes = iter([PermanentError("HTTP 400: bad service_code"), None])

    def handler(session, job):
        if (exc := next(outcomes)) is not None:
            raise exc
        return {"ok": True}

    worker = Worker(runtime.sessions, {"test": handler}, poll_seconds=0.01)
    worker.run(max_idle_polls=2)
    [job] = jobs(runtime)
    assert job.status == JobStatus.DEAD and job.attempts == 1
    assert "permanent" in job.last_error
    with runtime.sessions() as s:
        assert outbox.retry_dead(s, job.id)
        s.commit()
    worker.run(max_idle_polls=2)
    [job] = jobs(runtime)
    assert job.status == JobStatus.DONE and job.result == {"ok": True}


def test_unexpected_exception_is_retried_not_lost(runtime):
    add_jobs(runtime, 1)
    outcomes = iter([KeyError("bug"), None])

    def handler(session, job):
        if (exc := next(outcomes)) is not None:
            raise exc
        return None

    Worker(
        runtime.sessions, {"test": handler}, poll_seconds=0.01, policy=RetryPolicy(0.01, 0.01)
    ).run(max_idle_polls=10)
    [job] = jobs(runtime)
    assert job.status == JobStatus.DONE and job.attempts == 2


def test_handler_writes_roll_back_when_the_job_fails(runtime):
    from gateway.store.models import Conversation

    add_jobs(runtime, 1, max_attempts=1)

    def handler(session, job):
        session.add(
            Conversation(
                channel="sms",
                sender="+62811",
                step="idle",
                language="id",
                draft={},
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        session.flush()
        raise RetryableError("after writing")

    Worker(runtime.sessions, {"test": handler}, poll_seconds=0.01).run(max_idle_polls=2)
    with runtime.sessions() as s:
        assert s.scalars(select(Conversation)).all() == []


def test_backoff_grows_exponentially_with_jitter_and_honours_hints():
    policy = RetryPolicy(base_seconds=2, max_seconds=60)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (6, 60), (10, 60)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered
    assert policy.delay(1, hint=30) == 30
    assert policy.delay(1, hint=1e6) == 60


def test_jobs_of_different_lanes_run_side_by_side(runtime):
    add_jobs(runtime, 3, max_attempts=1)
    together = threading.Barrier(3, timeout=10)  # broken (and the job dead) if run alone

    def handler(session, job):
        together.wait()
        return {"ran": job.payload["i"]}

    Worker(runtime.sessions, {"test": handler}, concurrency=3, poll_seconds=0.01).run(
        max_idle_polls=1
    )
    assert [(j.status, j.attempts) for j in jobs(runtime)] == [(JobStatus.DONE, 1)] * 3


def test_jobs_of_one_lane_run_one_at_a_time_in_queue_order(runtime):
    add_jobs(runtime, 12, max_attempts=1)
    ran: dict[int, list[int]] = {0: [], 1: []}
    running = {0: 0, 1: 0}
    overlaps = []
    lock = threading.Lock()

    def handler(session, job):
        lane = job.payload["i"] % 2
        with lock:
            running[lane] += 1
            overlaps.append(running[lane] > 1)
        threading.Event().wait(0.02)  # long enough for a second thread to come in
        with lock:
            running[lane] -= 1
            ran[lane].append(job.payload["i"])

    Worker(
        runtime.sessions,
        {"test": handler},
        concurrency=4,
        batch_size=12,
        lane=lambda job: job.payload["i"] % 2,
        poll_seconds=0.01,
    ).run(max_idle_polls=1)
    assert ran == {0: [0, 2, 4, 6, 8, 10], 1: [1, 3, 5, 7, 9, 11]}
    assert not any(overlaps)
    assert {j.status for j in jobs(runtime)} == {JobStatus.DONE}


def test_a_database_failure_in_one_lane_waits_for_the_others_then_stops_the_batch(runtime):
    from sqlalchemy.exc import OperationalError

    add_jobs(runtime, 2, max_attempts=3)
    other_done = threading.Event()

    def handler(session, job):
        if job.payload["i"] == 0:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        threading.Event().wait(0.1)
        other_done.set()

    worker = Worker(runtime.sessions, {"test": handler}, concurrency=2, poll_seconds=0.01)
    with pytest.raises(OperationalError):
        worker.run_once()
    worker.close()
    assert other_done.is_set()  # its lane finished before the failure came up
    first, second = jobs(runtime)
    assert first.status == JobStatus.RUNNING  # left to its lease, as when run alone
    assert second.status == JobStatus.DONE


def test_a_worker_has_a_connection_for_each_of_its_threads(make_settings):
    from gateway.runtime import Runtime

    threads = 24  # more than SQLAlchemy's default pool of 15
    runtime = Runtime(make_settings(worker_concurrency=threads))
    add_jobs(runtime, threads, max_attempts=1)
    together = threading.Barrier(threads, timeout=20)

    def handler(session, job):
        held = runtime.engine.raw_connection()  # from the pool; no transaction (SQLite's
        try:  # one writer would keep the threads from holding theirs at once)
            together.wait()
        finally:
            held.close()

    Worker(runtime.sessions, {"test": handler}, concurrency=threads, batch_size=threads).run(
        max_idle_polls=1
    )
    assert {(j.status, j.attempts) for j in jobs(runtime)} == {(JobStatus.DONE, 1)}
    runtime.close()
