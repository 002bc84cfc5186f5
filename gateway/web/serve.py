"""``lapor-gateway serve``: the app under gunicorn."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

# Threads of each process: the webhooks a process holds at once share one transaction
# (gateway.store.group_commit), so a process needs several in hand. On PostgreSQL two processes
# of 8 threads took a fifth more than four single-threaded ones (README, Benchmarks);
# SQLite, one writer either way, gains nothing.
DEFAULT_THREADS = 8


def default_workers() -> int:
    # one process per core: the Python of a request, not the commit, fills the CPUs
    return max(2, os.cpu_count() or 1)


def gunicorn_options(bind: str, workers: int, threads: int, timeout: int = 30) -> dict[str, Any]:
    """The server settings; the benchmark serves its ceilings with the very same."""
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "graceful_timeout": 10,
        # Each answer closes its connection (sync workers always do): a kept-alive
        # connection ties all its requests to the one process that accepted it, so a few
        # busy clients (a platform's connections, a proxy keeping upstreams alive) would
        # load one process while the others idle.
        "keepalive": 0,
        "backlog": 2048,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }


class WSGIServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn running the app ``loader`` builds, once in each worker process (so every
    worker has its own database engine and pool)."""

    def __init__(self, loader: Callable[[], Any], options: dict[str, Any]) -> None:
        self.loader = loader
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        app = self.loader()
        freeze_loaded()
        return app


def freeze_loaded() -> None:
    """Keep what is loaded by now (the region tables, the stemmer's dictionary: some
    400,000 objects) out of the cyclic garbage collector's reach. A full collection walks
    every tracked object and stops every thread of the process meanwhile: 100–250 ms here,
    the slowest answers of a run. It also keeps a forked worker from writing to pages it
    shares with the master."""
    gc.freeze()


def _gateway_app() -> Any:
    from gateway.web.app import create_app

    return create_app()


def check_throttle_storage(workers: int) -> None:
    """Warn when the throttles' counts would not be shared: with ``memory://`` each
    process counts its own, so an address gets its tries once per process."""
    from limits.storage import storage_from_string

    from gateway.config import load_settings
    from gateway.logs import configure_logging

    url = load_settings().ratelimit_storage_url
    configure_logging()
    log = logging.getLogger(__name__)
    if url.startswith("memory://"):
        if workers > 1:
            log.warning(
                "%d processes each count failed logins and tracking-code lookups on their "
                "own (GATEWAY_RATELIMIT_STORAGE_URL=memory://): an address gets %d times "
                "the tries. Set it to redis://… to share the counts.",
                workers,
                workers,
            )
    elif not storage_from_string(url).check():
        log.warning("the throttles' storage GATEWAY_RATELIMIT_STORAGE_URL does not answer")


def serve(bind: str, workers: int, threads: int, timeout: int = 30) -> None:
    check_throttle_storage(workers)
    # Prometheus counters from every worker process are summed from this directory.
    metrics_dir = tempfile.mkdtemp(prefix="lapor-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    # In the master, before the fork: every worker inherits the imported modules and the
    # loaded tables instead of spending its first seconds on them. No app, engine or
    # connection is made here; each worker builds its own.
    import gateway.web.app  # noqa: F401
    from gateway.config import load_settings
    from normalizer.warm import warm_up

    warm_up(load_settings().cache_dir)
    freeze_loaded()
    options = gunicorn_options(bind, workers, threads, timeout)
    options["when_ready"] = lambda _server: print(announcement(bind, workers, threads), flush=True)
    try:
        WSGIServer(_gateway_app, options).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def announcement(bind: str, workers: int, threads: int) -> str:
    """What ``serve`` says once it listens: where, the console, and how to make the first
    operator when there is none (gunicorn itself logs only warnings)."""
    from sqlalchemy import func, select

    from gateway.config import load_settings
    from gateway.store.db import make_engine
    from gateway.store.models import Operator

    base = f"http://{bind}"
    lines = [
        f"lapor-gateway listening on {base} ({workers} processes x {threads} threads)",
        f"operator console: {base}/operator/",
    ]
    engine = make_engine(load_settings().resolved_database_url)
    try:
        with engine.connect() as conn:
            operators = conn.scalar(select(func.count()).select_from(Operator))
    except Exception:  # noqa: BLE001 - a database not there yet is told by /readyz, not here
        operators = None
    finally:
        engine.dispose()
    if operators == 0:
        lines.append("no operator account yet: lapor-gateway operator add NAME --role supervisor")
    return "\n".join(lines)
