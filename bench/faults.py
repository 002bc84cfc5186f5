"""Kill the gateway at random moments under load, and check that nothing acknowledged is
lost or doubled.

    python bench/faults.py [--database sqlite|postgresql] [--messages 20000]
                           [--concurrency 8] [--kill-every 1.5]

Runs ``serve`` and a ``worker`` as subprocesses on a fresh database, delivering to a local
receiver (bench/forward.py's) that counts every POST and idempotency key. Client threads
send one-shot SMS complaints (``LAPOR … LOKASI …``, correctly signed Twilio webhooks, each
with its own MessageSid) and, like Twilio, send a message again until it is answered
2xx. Meanwhile a killer SIGKILLs the web server (its whole process group) or the worker
at random and starts it again. Afterwards a clean worker drains the outbox and the run
checks: every MessageSid that got a 2xx is stored exactly once, every stored complaint
came from exactly one acknowledged message, and every complaint reached the receiver
(distinct idempotency keys = complaints; a POST repeated after a kill carries the same
key, which is how the central system recognises it). Loopback only; bounded in count.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench.forward import Receiver  # noqa: E402
from bench.intake import PG_DEFAULT, free_port, fresh_database  # noqa: E402
from gateway.db import make_engine  # noqa: E402
from gateway.models import Complaint, InboundRecord  # noqa: E402

TOKEN = "faults-auth-token"
WORDS = "jalan jembatan lampu saluran trotoar sampah pasar sekolah puskesmas terminal".split()


class Processes:
    """The web server and the worker, each restartable after a SIGKILL."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log.open("ab")
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.kills = {"web": 0, "worker": 0}

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", *args],
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,  # its own process group: a kill takes gunicorn's workers
        )

    def start_web(self) -> None:
        self.web = self._start("serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2")

    def start_worker(self) -> None:
        self.worker = self._start("worker")

    def kill(self, which: str) -> None:
        proc = self.web if which == "web" else self.worker
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            self.kills[which] += 1
        self.start_web() if which == "web" else self.start_worker()

    def stop(self) -> None:
        for proc in (self.web, self.worker):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)


def send_all(
    port: int, messages: list[tuple[str, str]], acked: dict[str, int], stop_at: float
) -> None:
    url = f"http://127.0.0.1:{port}/webhooks/twilio/messages"
    validator = RequestValidator(TOKEN)
    http = requests.Session()
    for sid, body in messages:
        form = {
            "MessageSid": sid,
            "From": "+62812" + sid[-7:].rjust(7, "0"),
            "To": "+62215550100",
            "Body": body,
            "NumMedia": "0",
        }
        signature = validator.compute_signature(url, form)
        while time.monotonic() < stop_at:
            try:
                r = http.post(
                    url,
                    data=urlencode(form),
                    headers={
                        "X-Twilio-Signature": signature,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                    timeout=10,
                )
            except requests.RequestException:
                time.sleep(0.05)
                http = requests.Session()
                continue
            if 200 <= r.status_code < 300:
                acked[sid] = acked.get(sid, 0) + 1
                break
            time.sleep(0.05)  # 503 while the database cannot commit: Twilio retries too


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--kill-every", type=float, default=1.5, help="mean seconds between kills")
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="lapor-faults-") as tmp:
        workdir = Path(tmp)
        url = fresh_database(args.database, workdir, args.pg_url)
        port = free_port()
        env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": url,
            "GATEWAY_INSTANCE_PATH": str(workdir),
            "GATEWAY_TWILIO_AUTH_TOKEN": TOKEN,
            "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "GATEWAY_FORWARD_TARGET": "webhook",
            "GATEWAY_FORWARD_URL": receiver.url,
            "GATEWAY_FORWARD_API_KEY": "faults-hmac",
            "GATEWAY_STATUS_POLL_SECONDS": "0",
            "GATEWAY_NOTIFY_ON_SUBMITTED": "false",
            "GATEWAY_WORKER_LEASE_SECONDS": "5",
            "GATEWAY_WORKER_POLL_SECONDS": "0.1",
            "GATEWAY_FLOOD_MESSAGES_PER_MINUTE": "0",
            "GATEWAY_DUPLICATE_WINDOW_HOURS": "0",
            "GATEWAY_LOG_FORMAT": "text",
        }
        procs = Processes(env, port, workdir / "processes.log")
        procs.start_web()
        procs.start_worker()
        time.sleep(4)
        messages = [
            (
                f"SM{n:032x}",
                f"LAPOR {rng.choice(WORDS)} rusak di dekat rumah warga nomor {n} LOKASI "
                f"Kota Bandung",
            )
            for n in range(args.messages)
        ]
        acked: dict[str, int] = {}
        stop_at = time.monotonic() + args.max_seconds
        shares = [messages[i :: args.concurrency] for i in range(args.concurrency)]
        senders = [
            threading.Thread(target=send_all, args=(port, share, acked, stop_at))
            for share in shares
        ]
        started = time.monotonic()
        for t in senders:
            t.start()
        while any(t.is_alive() for t in senders):
            time.sleep(rng.expovariate(1 / args.kill_every))
            if any(t.is_alive() for t in senders):
                procs.kill(rng.choice(["web", "worker"]))
        elapsed = time.monotonic() - started
        procs.kill("worker")  # a clean worker for the drain
        deadline = time.monotonic() + 300
        engine = make_engine(url)
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                complaints = conn.scalar(select(func.count()).select_from(Complaint))
                pending = conn.scalar(
                    select(func.count())
                    .select_from(Complaint)
                    .where(Complaint.status != "submitted")
                )
            if not pending:
                break
            time.sleep(1)
        procs.stop()
        with engine.connect() as conn:
            stored = dict(
                conn.execute(
                    select(InboundRecord.external_id, func.count()).group_by(
                        InboundRecord.external_id
                    )
                ).all()
            )
            complaints = conn.scalar(select(func.count()).select_from(Complaint))
        engine.dispose()
    answered = set(acked)
    lost = [sid for sid in answered if stored.get(sid) != 1]
    print(
        f"{args.database}: {args.messages} messages, {args.concurrency} senders, "
        f"{elapsed:.0f} s under fire; killed web {procs.kills['web']}x, "
        f"worker {procs.kills['worker']}x"
    )
    print(f"  answered 2xx: {len(answered)} of {args.messages}; stored: {len(stored)} messages")
    print(f"  acknowledged but not stored exactly once: {len(lost)}")
    print(f"  complaints: {complaints} (one per stored message: {complaints == len(stored)})")
    print(
        f"  receiver: {receiver.posts} POSTs, {len(receiver.keys)} distinct keys "
        f"({receiver.posts - len(receiver.keys)} repeated after a kill, same key)"
    )
    ok = not lost and complaints == len(stored) and len(receiver.keys) == complaints
    print("  guarantees held" if ok else "  GUARANTEES BROKEN")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
