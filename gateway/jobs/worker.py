"""The worker the gateway runs: the forwarder's loop wired with the gateway's job
handlers and its periodic status pull."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from forwarder.circuit import CircuitPolicy
from forwarder.outbox import ClaimedJob
from forwarder.wakeup import Wakeup
from forwarder.worker import RetryPolicy, Worker, own_lane
from gateway.complaints.records import DELIVER_JOB, SEND_JOB
from gateway.complaints.updates import DELIVER_UPDATE_JOB, complaint_lane
from gateway.config import Settings
from gateway.jobs.handlers import complaint_failed, make_handlers
from gateway.jobs.status_pull import pull_statuses

if TYPE_CHECKING:
    from gateway.runtime import Runtime


def lane(job: ClaimedJob) -> Hashable:
    """A citizen's messages leave in the order they were written; complaints are
    delivered side by side, each with its reporter's updates after it, in order.
    (Messages queued before lanes existed share one lane.)"""
    if job.kind == SEND_JOB:
        return job.payload.get("lane", SEND_JOB)
    if job.kind == DELIVER_UPDATE_JOB:  # after the complaint, one after another
        return job.payload.get("lane") or complaint_lane(job.payload["complaint_id"])
    if job.kind == DELIVER_JOB and "complaint_id" in job.payload:
        return complaint_lane(job.payload["complaint_id"])
    return own_lane(job)


# what ``lapor-gateway worker --only`` takes
ONLY = {"messages": (SEND_JOB,), "complaints": (DELIVER_JOB, DELIVER_UPDATE_JOB)}
# The jobs that go to the central system: paused together when it refuses our key or
# fails every request (forwarder.circuit). Messages to citizens are never held by it.
CENTRAL_JOBS = (DELIVER_JOB, DELIVER_UPDATE_JOB)


def circuit_policy(settings: Settings) -> CircuitPolicy:
    """The paused-target policy (``GATEWAY_TARGET_PROBE_SECONDS``,
    ``GATEWAY_TARGET_CIRCUIT_FAILURES``, ``GATEWAY_TARGET_CIRCUIT_SECONDS``)."""
    return CircuitPolicy(
        probe_seconds=settings.target_probe_seconds,
        failures=settings.target_circuit_failures,
        window_seconds=settings.target_circuit_seconds,
    )


def make_worker(runtime: Runtime, only: str | None = None, **overrides: Any) -> Worker:
    """The gateway's worker; ``only`` ("messages" or "complaints") keeps it to those
    jobs, e.g. a worker of its own for citizens' messages, which a slow central system
    then never holds up."""
    s = runtime.settings
    periodic = []
    if s.status_poll_seconds > 0 and only != "messages":
        periodic.append((s.status_poll_seconds, lambda: pull_statuses(runtime)))
    options: dict[str, Any] = {
        "on_dead": {DELIVER_JOB: complaint_failed},
        "batch_size": s.worker_batch_size,
        "lease_seconds": s.worker_lease_seconds,
        "poll_seconds": s.worker_poll_seconds,
        "policy": RetryPolicy(s.forward_backoff_base_seconds, s.forward_backoff_max_seconds),
        "periodic": periodic,
        "concurrency": s.worker_concurrency,
        "lane": lane,
        "kinds": ONLY[only] if only else None,
        "gates": {s.forward_target: CENTRAL_JOBS},
        "circuit_policy": circuit_policy(s),
    }
    if runtime.wakes_workers:
        options["wakeup"] = Wakeup(runtime.engine)
    options.update(overrides)
    if options["concurrency"] > 1:
        # built once, here: cached_property stopped locking in Python 3.12, and two job
        # threads must not each start their own clients (a Telegram one runs a thread)
        runtime.adapters  # noqa: B018
    return Worker(runtime.sessions, make_handlers(runtime), **options)
