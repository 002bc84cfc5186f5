"""Faults under load, and a check that nothing acknowledged is lost or doubled.

    python bench/faults.py [--fault kill|pg-restart|central-down]
                           [--database sqlite|postgresql] [--messages 20000]
                           [--concurrency 8] [--kill-every 1.5]

``kill`` (the default) SIGKILLs the web server or the worker at random moments;
``pg-restart`` restarts PostgreSQL itself (``pg_ctlcluster … restart``) every few
seconds and never touches the gateway's processes, which must answer 503 (never 2xx, never
a bare 500) while they cannot commit and recover by themselves; ``central-down`` takes
the central system away in turn — connections refused, then 503s, then answers slower
than the delivery timeout — and brings it back, and checks that the worker's retries
stayed within the configured budget and spacing and that nothing became a dead letter.

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
import re
import shutil
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

from bench.forward import Receiver, delivering_env  # noqa: E402
from bench.intake import free_port, fresh_database, pg_default, wait_port  # noqa: E402
from forwarder.outbox import OutboxJob  # noqa: E402
from gateway.store.db import make_engine  # noqa: E402
from gateway.store.models import Complaint, InboundRecord  # noqa: E402
from sandbox.citizens import twilio_signature  # noqa: E402

TOKEN = "faults-auth-token"
LOCK = threading.Lock()
# every answer the senders got, by status code or why there was none
codes_seen: dict[int | str, int] = {}
# retry policy the central-down run configures, and checks the worker kept to
BACKOFF_BASE, BACKOFF_MAX, MAX_ATTEMPTS, TIMEOUT = 0.5, 4.0, 12, 1.0
_RETRY_LOG = re.compile(r"attempt (\d+) failed, retry in ([\d.]+)s")
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

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for proc in (self.web, self.worker):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)


def send_all(
    port: int, messages: list[tuple[str, str]], acked: dict[str, int], stop_at: float
) -> None:
    url = f"http://127.0.0.1:{port}/webhooks/twilio/messages"
    http = requests.Session()
    for sid, body in messages:
        form = {
            "MessageSid": sid,
            "From": "+62812" + sid[-7:].rjust(7, "0"),
            "To": "+62215550100",
            "Body": body,
            "NumMedia": "0",
        }
        signature = twilio_signature(TOKEN, url, form)
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
            except requests.RequestException as exc:
                what = f"no answer ({type(exc).__name__})"
                with LOCK:
                    codes_seen[what] = codes_seen.get(what, 0) + 1
                time.sleep(0.05)
                http = requests.Session()
                continue
            with LOCK:
                codes_seen[r.status_code] = codes_seen.get(r.status_code, 0) + 1
            if 200 <= r.status_code < 300:
                acked[sid] = acked.get(sid, 0) + 1
                break
            time.sleep(0.05)  # 503 while the database cannot commit: Twilio retries too


def restart_postgresql() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
    )


def disturb(
    args: argparse.Namespace, rng: random.Random, procs: Processes, receiver: Receiver
) -> str:
    """One disturbance of the chosen kind; what it did, for the tally."""
    if args.fault == "kill":
        which = rng.choice(["web", "worker"])
        procs.kill(which)
        return f"killed {which}"
    if args.fault == "pg-restart":
        restart_postgresql()
        return "restarted postgresql"
    # central-down: refused, then 503s, then too slow, a few seconds each, then back
    receiver.stop()
    time.sleep(args.outage_seconds)
    receiver.start()
    receiver.mode = "unavailable"
    time.sleep(args.outage_seconds)
    receiver.slow_seconds, receiver.mode = TIMEOUT + 0.5, "slow"
    time.sleep(args.outage_seconds)
    receiver.mode = "ok"
    return "central down"


def retry_spacing(log: Path) -> tuple[int, int, int]:
    """(retries logged, retries spaced outside the policy, highest attempt number)."""
    retries = outside = highest = 0
    for attempt, delay in _RETRY_LOG.findall(log.read_text(errors="replace")):
        retries += 1
        highest = max(highest, int(attempt))
        ceiling = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (int(attempt) - 1))
        outside += not (ceiling / 2 - 0.05 <= float(delay) <= ceiling + 0.05)
    return retries, outside, highest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fault", default="kill", choices=["kill", "pg-restart", "central-down"])
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--kill-every", type=float, default=1.5, help="mean seconds between kills")
    parser.add_argument("--restart-every", type=float, default=8, help="seconds between restarts")
    parser.add_argument("--outage-seconds", type=float, default=4, help="each central phase")
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", type=Path, help="keep the web's and worker's log here")
    parser.add_argument("--pg-url", default=pg_default("faults"))
    args = parser.parse_args()
    if args.fault == "pg-restart" and args.database != "postgresql":
        parser.error("--fault pg-restart needs --database postgresql")
    rng = random.Random(args.seed)
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="lapor-faults-") as tmp:
        workdir = Path(tmp)
        url = fresh_database(args.database, workdir, args.pg_url)
        port = free_port()
        env = delivering_env(
            url,
            workdir,
            receiver,
            twilio_auth_token=TOKEN,
            public_url=f"http://127.0.0.1:{port}",
            forward_timeout_seconds=TIMEOUT,
            forward_backoff_base_seconds=BACKOFF_BASE,
            forward_backoff_max_seconds=BACKOFF_MAX,
            forward_max_attempts=MAX_ATTEMPTS,
            worker_lease_seconds=30 if args.fault == "central-down" else 5,
            worker_poll_seconds=0.1,
            flood_messages_per_minute=0,
            duplicate_window_hours=0,
        )
        log = workdir / "processes.log"
        with Processes(env, port, log) as procs:  # stopped however the run ends
            procs.start_web()
            procs.start_worker()
            wait_port(port, procs.web, timeout=60)  # a refused first message is not a fault
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
            done: dict[str, int] = {}
            while any(t.is_alive() for t in senders):
                pause = (
                    rng.expovariate(1 / args.kill_every)
                    if args.fault == "kill"
                    else args.restart_every
                )
                time.sleep(pause)
                if any(t.is_alive() for t in senders):
                    what = disturb(args, rng, procs, receiver)
                    done[what] = done.get(what, 0) + 1
            elapsed = time.monotonic() - started
            if args.fault == "central-down":  # once more, with the whole backlog waiting
                what = disturb(args, rng, procs, receiver)
                done[what] = done.get(what, 0) + 1
            survived = (
                args.fault != "kill" and procs.web.poll() is None and procs.worker.poll() is None
            )
            if args.fault == "kill":
                procs.kill("worker")  # a clean worker for the drain
            deadline = time.monotonic() + 300
            engine = make_engine(url)
            while time.monotonic() < deadline:
                try:
                    with engine.connect() as conn:
                        pending = conn.scalar(
                            select(func.count())
                            .select_from(Complaint)
                            .where(Complaint.status != "submitted")
                        )
                except Exception:  # noqa: BLE001 - the database may still be starting
                    pending = -1
                if not pending:
                    break
                time.sleep(1)
            drained_in = time.monotonic() - started - elapsed
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
                dead = conn.scalar(
                    select(func.count()).select_from(OutboxJob).where(OutboxJob.status == "dead")
                )
                most_attempts = conn.scalar(select(func.max(OutboxJob.attempts))) or 0
            engine.dispose()
            retries, outside, highest = retry_spacing(log)
            if args.log:
                shutil.copy(log, args.log)
    answered = set(acked)
    lost = [sid for sid in answered if stored.get(sid) != 1]
    server_errors = {c: n for c, n in codes_seen.items() if isinstance(c, int) and c >= 500}
    print(
        f"{args.database}, fault {args.fault}: {args.messages} messages, {args.concurrency} "
        f"senders, {elapsed:.0f} s under fire; "
        + ", ".join(f"{what} {n}x" for what, n in done.items())
    )
    print(f"  answers: {dict(sorted(codes_seen.items(), key=str))}")
    print(f"  answered 2xx: {len(answered)} of {args.messages}; stored: {len(stored)} messages")
    print(f"  acknowledged but not stored exactly once: {len(lost)}")
    print(f"  complaints: {complaints} (one per stored message: {complaints == len(stored)})")
    print(
        f"  receiver: {receiver.posts} POSTs, {len(receiver.keys)} distinct keys "
        f"({receiver.posts - len(receiver.keys)} repeated with the same key); backlog drained "
        f"{drained_in:.0f} s after the load ended"
    )
    print(
        f"  outbox: {dead} dead letters, at most {most_attempts} attempts on a job "
        f"(budget {MAX_ATTEMPTS}); {retries} retries logged, {outside} spaced outside "
        f"base {BACKOFF_BASE}s x 2^n (max {BACKOFF_MAX}s) with half jitter"
    )
    ok = not lost and complaints == len(stored) and len(receiver.keys) == complaints
    if args.fault != "kill":
        print(f"  web and worker ran throughout, never restarted: {survived}")
        ok = ok and survived
    if args.fault == "pg-restart":
        ok = ok and set(server_errors) <= {503}
    if args.fault == "central-down":
        ok = ok and dead == 0 and outside == 0 and most_attempts <= MAX_ATTEMPTS and retries > 0
    print("  guarantees held" if ok else "  GUARANTEES BROKEN")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
