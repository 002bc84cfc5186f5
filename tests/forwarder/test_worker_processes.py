"""Real ``lapor-gateway worker`` processes against one database and the sandbox
central: no double claims between workers, and nothing lost or delivered twice when a
worker is killed mid-batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from forwarder.outbox import JobStatus, OutboxJob
from gateway.complaints.records import store_complaint
from gateway.runtime import Runtime
from gateway.store.models import Complaint
from normalizer.build import build_complaint
from normalizer.tracking import new_tracking_code
from sandbox.central import central_stats, create_central_app
from sandbox.server import ServerThread

ROOT = Path(__file__).resolve().parents[2]


def queue_complaints(runtime: Runtime, n: int) -> None:
    with runtime.sessions() as s:
        for i in range(n):
            doc = build_complaint(
                id=str(uuid.uuid4()),
                tracking_code=new_tracking_code(),
                channel="api",
                received_at=datetime.now(UTC),
                privacy="confidential",
                description=f"Keluhan nomor {i}: jalan rusak di desa {i % 17}",
            )
            store_complaint(s, doc, max_attempts=10)
        s.commit()


def start_worker(database_url: str, central_url: str, name: str, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_FORWARD_TARGET": "open311",
        "GATEWAY_FORWARD_URL": central_url,
        "GATEWAY_NOTIFY_ON_SUBMITTED": "false",
        "GATEWAY_WORKER_POLL_SECONDS": "0.05",
        "GATEWAY_WORKER_BATCH_SIZE": "10",
        "GATEWAY_FORWARD_BACKOFF_BASE_SECONDS": "0.05",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "worker", "--worker-id", name],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def done_count(runtime: Runtime) -> int:
    with runtime.sessions() as s:
        return s.scalar(
            select(func.count()).select_from(OutboxJob).where(OutboxJob.status == JobStatus.DONE)
        )


def wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=20)


def test_two_workers_deliver_500_complaints_exactly_once(runtime, database_url, tmp_path):
    queue_complaints(runtime, 500)
    # a little latency at the central, as over a real network, so both workers overlap
    central_app = create_central_app(tmp_path / "central.sqlite", delay=0.005)
    with ServerThread(central_app) as central:
        workers = [start_worker(database_url, central.url, f"w{i}") for i in range(2)]
        try:
            wait_for(lambda: done_count(runtime) == 500, timeout=180)
        finally:
            stop(workers)
    stats = central_stats(central_app.extensions["central_engine"])
    # every complaint once, and no POST twice: no job was claimed by both workers
    assert stats == {"requests": 500, "posts": 500, "distinct_keys": 500}
    with runtime.sessions() as s:
        owners = dict(
            s.execute(select(OutboxJob.locked_by, func.count()).group_by(OutboxJob.locked_by)).all()
        )
        central_ids = s.scalars(select(Complaint.central_id)).all()
    assert len(set(central_ids)) == 500 and None not in central_ids
    # locked_by records who delivered each job. On PostgreSQL both workers take part
    # (SKIP LOCKED); SQLite's single write lock may let one worker take every batch.
    assert sum(owners.values()) == 500 and set(owners) <= {"w0", "w1"}
    if database_url.startswith("postgresql"):
        assert set(owners) == {"w0", "w1"}


THREADS = 4


def test_worker_killed_mid_batch_loses_nothing_and_delivers_nothing_twice(
    runtime, database_url, tmp_path
):
    queue_complaints(runtime, 200)
    central_app = create_central_app(tmp_path / "central.sqlite", delay=0.01)
    engine = central_app.extensions["central_engine"]
    with ServerThread(central_app) as central:
        victim = start_worker(
            database_url,
            central.url,
            "victim",
            GATEWAY_WORKER_LEASE_SECONDS="2",
            GATEWAY_WORKER_CONCURRENCY=str(THREADS),
        )
        wait_for(lambda: central_stats(engine)["posts"] >= 50, timeout=60)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        delivered_before_kill = done_count(runtime)
        assert delivered_before_kill < 200
        survivor = start_worker(
            database_url, central.url, "survivor", GATEWAY_WORKER_LEASE_SECONDS="2"
        )
        try:
            wait_for(lambda: done_count(runtime) == 200, timeout=120)
        finally:
            stop([survivor])
    stats = central_stats(engine)
    assert stats["requests"] == 200 and stats["distinct_keys"] == 200
    # At most the POSTs in flight when the worker died (one a job thread) are sent again,
    # with the same idempotency keys, and the central maps them to the requests it holds.
    assert stats["posts"] - 200 <= THREADS
    with runtime.sessions() as s:
        statuses = s.scalars(select(Complaint.status)).all()
        central_ids = s.scalars(select(Complaint.central_id)).all()
    assert set(statuses) == {"submitted"} and len(set(central_ids)) == 200
