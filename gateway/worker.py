"""The worker the gateway runs: the forwarder's loop wired with the gateway's job
handlers and its periodic status pull."""

from __future__ import annotations

from typing import Any

from forwarder.worker import RetryPolicy, Worker
from gateway.complaints import DELIVER_JOB
from gateway.delivery import complaint_failed, make_handlers
from gateway.runtime import Runtime
from gateway.status import pull_statuses


def make_worker(runtime: Runtime, **overrides: Any) -> Worker:
    s = runtime.settings
    periodic = []
    if s.status_poll_seconds > 0:
        periodic.append((s.status_poll_seconds, lambda: pull_statuses(runtime)))
    options: dict[str, Any] = {
        "on_dead": {DELIVER_JOB: complaint_failed},
        "batch_size": s.worker_batch_size,
        "lease_seconds": s.worker_lease_seconds,
        "poll_seconds": s.worker_poll_seconds,
        "policy": RetryPolicy(s.forward_backoff_base_seconds, s.forward_backoff_max_seconds),
        "periodic": periodic,
    }
    options.update(overrides)
    return Worker(runtime.sessions, make_handlers(runtime), **options)
