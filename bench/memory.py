"""Memory benchmark: resident memory of a web process and a worker across a long run.

    python bench/memory.py [--messages 1000000] [--concurrency 8] [--database postgresql]

Starts ``serve`` with one gunicorn worker process (so one process takes every request)
and one ``worker`` delivering to a local receiver, then has citizens walk the SMS dialog
(complaint, place, privacy, KIRIM: a complaint every four messages, each signed like
Twilio's) until ``--messages`` are answered, and waits for the worker to deliver every
complaint. Every few seconds it samples both processes' RSS (psutil). The first
``--warmup`` share of the messages is warm-up (imports, caches, pools, the region tables
all fill there); the goal is that neither process grows more than 10 % after it. Loopback
only; bounded by --messages.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.forward import Receiver, delivering_env  # noqa: E402
from bench.intake import (  # noqa: E402
    TOKEN,
    Line,
    free_port,
    fresh_database,
    pg_default,
    start,
    stop_proc,
    twilio_message,
)
from gateway.store.db import make_engine  # noqa: E402
from gateway.store.models import Complaint, InboundRecord  # noqa: E402

PROBLEMS = [
    "Jalan berlubang besar di depan rumah nomor {n}, sudah ada motor yang jatuh",
    "Lampu penerangan jalan gang {n} mati sejak dua minggu, gelap dan rawan",
    "Sampah menumpuk di pinggir jalan dekat pasar blok {n}, tidak diangkut seminggu",
    "Air PDAM di perumahan blok {n} mati total sudah empat hari",
]


def citizens(port: int, concurrency: int, target: int, answered: list[int], until: float) -> None:
    """Walk the dialog from ``concurrency`` threads until ``target`` messages are answered
    (``answered[0]`` counts them) or the clock reaches ``until``."""
    lock = threading.Lock()

    def citizen(i: int) -> None:
        line = Line(port)
        n = 0
        while answered[0] < target and time.monotonic() < until:
            person = n // 4
            words = [
                PROBLEMS[person % len(PROBLEMS)].format(n=person),
                f"Jl. Merdeka No. {person % 500}, Kota Bandung",
                "2",
                "KIRIM",
            ][n % 4]
            sender = f"+62813{i:02d}{person % 10_000_000:07d}"
            # not answered: the same message again, as Twilio would
            if line.send(twilio_message(port, f"SM{i:04d}{n:028d}", sender, words)) == 200:
                n += 1
                with lock:
                    answered[0] += 1
        line.close()

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def rss_mb(proc: psutil.Process) -> float:
    return proc.memory_info().rss / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--warmup", type=float, default=0.1, help="share of the messages")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument(
        "--max-seconds", type=float, default=4 * 3600, help="stop sending after this long"
    )
    parser.add_argument("--pg-url", default=pg_default("memory"))
    args = parser.parse_args()
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="lapor-memory-") as tmp:
        workdir = Path(tmp)
        url = fresh_database(args.database, workdir, args.pg_url)
        port = free_port()
        env = delivering_env(
            url, workdir, receiver, twilio_auth_token=TOKEN, public_url=f"http://127.0.0.1:{port}"
        )
        cli = [sys.executable, "-m", "gateway.cli"]
        web = start([*cli, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                     "--threads", "4"], env, port)  # fmt: skip
        worker = psutil.Popen([*cli, "worker"], env=env, stdout=subprocess.DEVNULL)
        web_process = psutil.Process(web.pid).children()[0]  # the one gunicorn worker
        answered = [0]
        load = threading.Thread(
            target=citizens,
            args=(
                port,
                args.concurrency,
                args.messages,
                answered,
                time.monotonic() + args.max_seconds,
            ),
        )
        started = time.monotonic()
        load.start()
        samples: list[tuple[float, int, float, float]] = []
        engine = make_engine(url)
        created = delivered = 0
        next_print = 0.0
        print(f"{'s':>6} {'messages':>9} {'delivered':>9} {'web MB':>8} {'worker MB':>9}")
        while load.is_alive() or delivered < created:
            time.sleep(args.every)
            with engine.connect() as conn:
                created, delivered = conn.execute(
                    select(
                        func.count(),
                        func.count().filter(Complaint.status == "submitted"),
                    ).select_from(Complaint)
                ).one()
            now = time.monotonic() - started
            sample = (now, answered[0], rss_mb(web_process), rss_mb(worker))
            samples.append(sample)
            if answered[0] >= next_print or delivered == created:
                row = f"{now:6.0f} {answered[0]:9d} {delivered:9d} {sample[2]:8.1f} "
                print(row + f"{sample[3]:9.1f}", flush=True)
                next_print = answered[0] + args.messages / 10
        elapsed = time.monotonic() - started
        with engine.connect() as conn:
            inbound = conn.scalar(select(func.count()).select_from(InboundRecord))
            complaints = conn.scalar(select(func.count()).select_from(Complaint))
        engine.dispose()
        stop_proc(web)
        worker.terminate()
        worker.wait(30)
    warm = [s for s in samples if s[1] >= args.warmup * args.messages]
    if len(warm) < 4:
        print("too few samples after warm-up; run longer")
        return 1
    head = warm[: max(2, len(warm) // 10)]
    tail = warm[-max(2, len(warm) // 10) :]
    print(
        f"\n{args.database}: {answered[0]} messages answered in {elapsed:.0f} s "
        f"({answered[0] / elapsed:.0f}/s), {inbound} stored, {complaints} complaints, "
        f"{receiver.posts} delivered ({len(receiver.keys)} distinct)"
    )
    ok = True
    for name, column in (("web process", 2), ("worker", 3)):
        first = statistics.median(s[column] for s in head)
        last = statistics.median(s[column] for s in tail)
        peak = max(s[column] for s in warm)
        growth = (last - first) / first
        ok = ok and growth <= 0.10 and (peak - first) / first <= 0.10
        print(
            f"  {name:<12} after warm-up {first:7.1f} MB, at the end {last:7.1f} MB "
            f"({growth:+.1%}), peak {peak:7.1f} MB ({(peak - first) / first:+.1%})"
        )
    print("  flat within 10 % after warm-up" if ok else "  GREW MORE THAN 10 %")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
