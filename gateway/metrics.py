"""Prometheus metrics. Under gunicorn every worker writes to PROMETHEUS_MULTIPROC_DIR
(set by ``lapor-gateway serve``) and ``/metrics`` adds them up; ``lapor-gateway worker
--metrics-bind`` serves a worker's own. The outbox figures are read from the database
when scraped, so every process reports the same, whole-system queue."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from forwarder import circuit, outbox
from forwarder.errors import PermanentError, TargetRefused

F = TypeVar("F", bound=Callable[..., Any])

INBOUND = Counter(
    "lapor_inbound_messages_total", "Inbound webhook messages", ["channel", "outcome"]
)
COMPLAINTS = Counter(
    "lapor_complaints_created_total",
    "Complaints created (a dialog completed, an API or call-center submission)",
    ["channel", "source"],
)
DELIVERIES = Counter(
    "lapor_delivery_attempts_total",
    "Attempts to deliver a complaint or send a message",
    ["target", "result"],
)
DELIVERY_SECONDS = Histogram(
    "lapor_delivery_seconds",
    "Time of one delivery attempt",
    ["target", "result"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
GROUP_SIZE = Histogram(
    "lapor_webhook_group_size",
    "Webhooks committed together in one transaction (group commit)",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
STATUS_UPDATES = Counter(
    "lapor_status_updates_total",
    "Status changes recorded from the central system",
    ["source", "status"],
)


def timed(target: Callable[[], str], attempt: Callable[..., Any]) -> Callable[..., Any]:
    """``attempt`` counted and timed under ``target()`` and its result: ok, permanent
    (a dead letter), refused (the target refuses our key) or retry."""

    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = "ok"
        try:
            return attempt(*args, **kwargs)
        except PermanentError:
            result = "permanent"
            raise
        except TargetRefused:
            result = "refused"  # our key: the target is paused (forwarder.circuit)
            raise
        except Exception:
            result = "retry"
            raise
        finally:
            name = target()
            DELIVERIES.labels(name, result).inc()
            DELIVERY_SECONDS.labels(name, result).observe(time.perf_counter() - started)

    return run


class OutboxCollector(Collector):
    """Jobs by kind and state, and the age of the oldest job still due, from the table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "lapor_outbox_jobs", "Outbox jobs by kind and state", labels=["kind", "status"]
        )
        oldest = GaugeMetricFamily(
            "lapor_outbox_oldest_age_seconds",
            "Age of the oldest job not yet done (pending or running)",
            labels=["kind"],
        )
        job = outbox.OutboxJob
        try:
            with self.sessions() as session:
                rows = session.execute(
                    select(job.kind, job.status, func.count(), func.min(job.created_at))
                    .where(job.status != outbox.JobStatus.DONE)
                    .group_by(job.kind, job.status)
                ).all()
        except SQLAlchemyError:
            return  # the database is down; /readyz says so
        now = datetime.now(UTC)
        ages: dict[str, float] = {}
        for kind, status, count, first in rows:
            jobs.add_metric([kind, status], count)
            if status != outbox.JobStatus.DEAD and first is not None:
                first = first if first.tzinfo else first.replace(tzinfo=UTC)
                ages[kind] = max(ages.get(kind, 0.0), (now - first).total_seconds())
        for kind, age in ages.items():
            oldest.add_metric([kind], age)
        yield jobs
        yield oldest


class TargetCollector(Collector):
    """Whether each central system is paused, and why, from the shared circuit state
    (forwarder.circuit): ``lapor_target_paused{target, reason}`` is 1 for the reason it
    is paused (``auth``: it refuses our key; ``outage``: it failed every request), 0
    otherwise; and since when."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        paused = GaugeMetricFamily(
            "lapor_target_paused",
            "1 while deliveries to the target are paused for this reason (auth, outage)",
            labels=["target", "reason"],
        )
        since = GaugeMetricFamily(
            "lapor_target_paused_since_seconds",
            "Unix time the target was paused (absent when it is not)",
            labels=["target", "reason"],
        )
        try:
            with self.sessions() as session:
                gates = circuit.gates(session)
        except SQLAlchemyError:
            return
        for gate in gates:
            for reason in circuit.REASONS:
                on = gate.open and gate.reason == reason
                paused.add_metric([gate.target, reason], 1.0 if on else 0.0)
                if on and gate.opened_at is not None:
                    since.add_metric([gate.target, reason], gate.opened_at.timestamp())
        yield paused
        yield since


class _ThisProcess(Collector):
    """Everything this process registered in prometheus_client's default registry."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def registry_for(sessions: sessionmaker[Session]) -> CollectorRegistry:
    """What a scrape reports: this process's metrics (every gunicorn worker's, summed,
    when PROMETHEUS_MULTIPROC_DIR is set) and the outbox read from the database."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(OutboxCollector(sessions))
    registry.register(TargetCollector(sessions))
    return registry


def render(sessions: sessionmaker[Session]) -> tuple[bytes, str]:
    return generate_latest(registry_for(sessions)), CONTENT_TYPE_LATEST


def note_created(session: Session, channel: str) -> None:
    """Remember a complaint created in this session's transaction (gateway.complaints.records)."""
    session.info.setdefault("created", []).append(channel)


def webhooks_committed(session: Session, size: int) -> None:
    """After a group commit of ``size`` webhooks."""
    GROUP_SIZE.observe(size)
    count_created(session, "dialog")


def count_created(session: Session, source: str) -> None:
    """After a commit: count the complaints it created."""
    for channel in session.info.pop("created", []):
        COMPLAINTS.labels(channel, source).inc()
