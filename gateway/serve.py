"""``lapor-gateway serve``: the app under gunicorn."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    # Requests mostly wait on the database commit: two processes per core keep the
    # CPUs busy while others wait.
    return max(2, (os.cpu_count() or 1) * 2)


class GatewayServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from gateway.app import create_app  # each worker builds its own engine and pool

        return create_app()


def serve(bind: str, workers: int, threads: int, timeout: int = 30) -> None:
    # Prometheus counters from every worker process are summed from this directory.
    metrics_dir = tempfile.mkdtemp(prefix="lapor-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    try:
        GatewayServer(options).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
