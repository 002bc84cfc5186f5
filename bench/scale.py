"""Scale-out benchmark: 2 ``serve`` processes and 3 workers on one PostgreSQL against
1 + 1, with proof that no job was delivered twice.

    python bench/scale.py [--seconds 20] [--concurrency 16] [--web-workers 2]

Each ``serve`` listens on its own port, as two web nodes would, and citizens are spread
over them; workers are separate ``lapor-gateway worker`` processes sharing the outbox
(``FOR UPDATE SKIP LOCKED``). Every message is a one-shot SMS complaint, so intake and
delivery are both measured: messages answered per second while the load runs, and
complaints delivered per second from the first message until the outbox is empty. The
receiver counts every POST and every distinct idempotency key: a complaint delivered
twice would show. Afterwards the outbox says which worker delivered each job and that
each took one attempt. Loopback only; bounded by --seconds.

On one machine the processes share its cores, so this shows that the parts scale out
correctly (no double delivery, every worker taking a share) more than it shows extra
throughput, which needs extra machines.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
from forwarder.outbox import OutboxJob  # noqa: E402
from gateway.store.db import make_engine  # noqa: E402
from gateway.store.models import Complaint  # noqa: E402


def load(ports: list[int], concurrency: int, seconds: float, tag: str) -> int:
    """One-shot SMS complaints from ``concurrency`` citizens for ``seconds``, each citizen
    on the port of its own web node; the number answered 200."""
    stop = time.monotonic() + seconds
    answered = [0] * concurrency

    def citizen(i: int) -> None:
        port = ports[i % len(ports)]
        line = Line(port)
        n = 0
        while time.monotonic() < stop:
            text = (
                f"LAPOR Jalan berlubang di depan rumah nomor {n} gang {i} LOKASI "
                f"Jl. Merdeka No. {n}, Kota Bandung"
            )
            sid, sender = f"SM{tag}{i:04d}{n:024d}", f"+62814{i:03d}{n:06d}"
            if line.send(twilio_message(port, sid, sender, text)) == 200:
                answered[i] += 1
                n += 1
        line.close()

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(answered)


def run(webs: int, workers: int, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    receiver = Receiver()
    url = fresh_database("postgresql", workdir, args.pg_url)
    ports = [free_port() for _ in range(webs)]
    env = delivering_env(
        url, workdir, receiver, twilio_auth_token=TOKEN, flood_messages_per_minute=0
    )
    cli = [sys.executable, "-m", "gateway.cli"]
    servers = [
        start(
            [*cli, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers)],
            # each node checks signatures against its own public URL
            {**env, "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}"},
            port,
        )
        for port in ports
    ]
    delivering = [
        subprocess.Popen(
            [*cli, "worker", "--worker-id", f"worker-{n + 1}"],
            env={**env, "GATEWAY_PUBLIC_URL": "http://127.0.0.1"},
            stdout=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    time.sleep(2)
    started = time.monotonic()
    answered = load(ports, args.concurrency, args.seconds, tag=f"{webs}{workers}")
    intake_seconds = time.monotonic() - started
    engine = make_engine(url)
    while time.monotonic() - started < args.seconds + 600:
        with engine.connect() as conn:
            created, delivered = conn.execute(
                select(
                    func.count(), func.count().filter(Complaint.status == "submitted")
                ).select_from(Complaint)
            ).one()
        if delivered == created:
            break
        time.sleep(0.2)
    total_seconds = time.monotonic() - started
    with engine.connect() as conn:
        by_worker = Counter(
            dict(
                conn.execute(
                    select(OutboxJob.locked_by, func.count())
                    .where(OutboxJob.status == "done")
                    .group_by(OutboxJob.locked_by)
                ).all()
            )
        )
        retried = conn.scalar(
            select(func.count()).select_from(OutboxJob).where(OutboxJob.attempts > 1)
        )
    engine.dispose()
    for proc in delivering:
        proc.terminate()
        proc.wait(30)
    for proc in servers:
        stop_proc(proc)
    receiver.stop()
    duplicates = receiver.posts - len(receiver.keys)
    print(
        f"\n{webs} serve x {args.web_workers} gunicorn workers + {workers} worker(s), "
        f"{args.concurrency} citizens, {args.seconds:.0f} s"
    )
    print(f"  intake    {answered / intake_seconds:8.0f} msg/s ({answered} answered)")
    print(
        f"  delivered {created / total_seconds:8.0f} complaints/s ({delivered} of {created} "
        f"in {total_seconds:.1f} s)"
    )
    shares = ", ".join(f"{who} {n}" for who, n in sorted(by_worker.items()))
    print(f"  jobs done per worker: {shares}; jobs that needed a retry: {retried}")
    print(
        f"  receiver: {receiver.posts} POSTs, {len(receiver.keys)} distinct keys, "
        f"{duplicates} delivered twice"
    )
    return {
        "intake": answered / intake_seconds,
        "delivered": created / total_seconds,
        "duplicates": duplicates,
        "complete": float(delivered == created == len(receiver.keys)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--pg-url", default=pg_default("scale"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lapor-scale-") as tmp:
        small = run(1, 1, args, Path(tmp))
        large = run(2, 3, args, Path(tmp))
    print(
        f"\n2 + 3 against 1 + 1: intake x{large['intake'] / small['intake']:.2f}, "
        f"delivery x{large['delivered'] / small['delivered']:.2f}"
    )
    ok = all(r["duplicates"] == 0 and r["complete"] for r in (small, large))
    print("  no job delivered twice, every complaint delivered" if ok else "  CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
