"""Forwarding benchmark: a backlog of complaints drained to a local receiver.

    python bench/forward.py [--databases sqlite,postgresql] [--count 2000] [--runs 3]
                            [--workers 2] [--threads 4] [--latency-ms 0]

For each database it fills the outbox with ``--count`` complaints (each with a place to
read as a region, as citizens write them), starts ``--workers`` ``lapor-gateway worker
--burst`` processes (each running ``--threads`` jobs at once) delivering to a
signed-webhook receiver on 127.0.0.1, and times the drain. In the same run it measures
the ceiling: the same number of raw POSTs of a complaint-sized JSON body to the same
receiver, from the same number of processes and threads, with the gateway's own HTTP
client (forwarder.httpclient), so the yardstick's POST costs what the gateway's does.
``--latency-ms`` makes the receiver answer that late, as a central system across the
country would (for both).
The receiver counts every POST and every distinct idempotency key, so a complaint
delivered twice shows as a duplicate. Loopback only; bounded by --count.

The yardstick is "POST + 1 durable insert": each POST followed by one committed insert on
the same database, the least a delivery that is recorded exactly once can cost. The
drain is timed from each worker's first claim (its start-up, loading the region tables,
is not delivering), and the CPU per delivery is the workers' process CPU over that span
(psutil) divided by the complaints; the ceilings' CPU per request likewise. With
``--runs`` above 1 each database is measured that many times afresh and the medians are
printed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import Engine, create_engine, func, insert, select  # noqa: E402

from bench.ceiling import bench_rows, prepare  # noqa: E402
from bench.intake import fresh_database, pg_default  # noqa: E402
from forwarder.httpclient import HttpClient  # noqa: E402
from forwarder.outbox import OutboxJob  # noqa: E402
from gateway.complaints.records import store_complaint  # noqa: E402
from gateway.store.db import make_engine, make_session_factory  # noqa: E402
from gateway.store.models import Complaint, ComplaintStatus  # noqa: E402
from normalizer.build import build_complaint  # noqa: E402
from normalizer.region import resolve_region  # noqa: E402
from normalizer.tracking import new_tracking_code  # noqa: E402
from normalizer.warm import warm_up  # noqa: E402

# Each complaint's place differs (a house number), as citizens' addresses do, so no
# cache of read places could make the drain look faster than real traffic would.
PLACES = [
    "Jl. Merdeka No. {n}, Kota Bandung",
    "RT {n} Kec. Lohbener, Kabupaten Indramayu",
    "Pasar Kramat blok {n}, Kota Cirebon",
    "Jl. Malioboro {n}, Yogyakarta",
    "Kelurahan Tamalanrea Indah RT {n}, Kota Makassar",
]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # http.server's 5 refuses a burst of new connections

    def handle_error(self, request: object, client_address: object) -> None:
        # a gateway killed mid-request (bench/faults.py) resets its connection: expected
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Receiver:
    """A minimal HTTP receiver that answers like the webhook target expects, and can play
    a central system in trouble: ``mode`` "ok", "unavailable" (503) or "slow" (answers
    after ``slow_seconds``); ``stop()`` refuses connections until ``start()``."""

    def __init__(self) -> None:
        self.posts = 0
        self.keys: set[str] = set()
        self.mode = "ok"
        self.slow_seconds = 0.0
        self.lock = threading.Lock()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body leave in separate writes: without this, Nagle and
                # delayed ACKs add 40 ms to every keep-alive request
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                key = self.headers.get("Idempotency-Key", "")
                mode = receiver.mode
                with receiver.lock:
                    if mode != "unavailable":
                        receiver.posts += 1
                        receiver.keys.add(key)
                if mode == "unavailable":
                    self._answer(503, b'{"error": "maintenance"}')
                    return
                if mode == "slow":
                    time.sleep(receiver.slow_seconds)
                self._answer(200, json.dumps({"id": key[-12:] or "x"}).encode())

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the gateway gave up waiting ("slow" mode): as a real server sees it

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = _Server(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def reset(self) -> None:
        with self.lock:
            self.posts, self.keys = 0, set()


def delivering_env(url: str, workdir: Path, receiver: Receiver, **settings: object) -> dict:
    """The environment of gateway processes delivering to ``receiver`` (the webhook target,
    no status pulls, no notices to citizens, plain-text logs); ``settings`` are further
    ``GATEWAY_<NAME>`` values."""
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_INSTANCE_PATH": str(workdir),
        "GATEWAY_FORWARD_TARGET": "webhook",
        "GATEWAY_FORWARD_URL": receiver.url,
        "GATEWAY_FORWARD_API_KEY": "bench-hmac-secret",
        "GATEWAY_STATUS_POLL_SECONDS": "0",
        "GATEWAY_NOTIFY_ON_SUBMITTED": "false",
        "GATEWAY_LOG_FORMAT": "text",
    }
    return env | {f"GATEWAY_{name.upper()}": str(value) for name, value in settings.items()}


def fill(url: str, count: int, regions_known: bool = False) -> None:
    """``count`` complaints queued; with ``regions_known`` each already carries the region
    its place names (read here, as a complaint whose region came with it), so the workers
    do not read it: the delivery's cost without that step."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    for start in range(0, count, 1000):
        with sessions() as session:
            for n in range(start, min(count, start + 1000)):
                doc = build_complaint(
                    id=str(uuid.uuid4()),
                    tracking_code=new_tracking_code(),
                    channel="sms",
                    received_at=now,
                    description=f"Jalan berlubang besar di depan sekolah nomor {n}, mohon "
                    "segera diperbaiki sebelum ada korban.",
                    privacy="confidential",
                    phone="+6281234567890",
                    location_text=PLACES[n % len(PLACES)].format(n=n),
                    region=_known(PLACES[n % len(PLACES)].format(n=n)) if regions_known else None,
                )
                store_complaint(session, doc, max_attempts=10)
            session.commit()
    engine.dispose()


def _known(place: str) -> tuple[str, str] | None:
    region = resolve_region(place)
    return (region.code, region.name) if region else None


def region_cost(count: int = 500) -> float:
    """CPU milliseconds to read one of the bench's places as a region (each delivery does
    it once), measured in this process after the tables are loaded."""
    warm_up()
    places = [PLACES[n % len(PLACES)].format(n=n) for n in range(count)]
    started = time.process_time()
    for place in places:
        resolve_region(place)
    return (time.process_time() - started) * 1000 / count


def _split(count: int, parts: int) -> list[int]:
    return [count // parts + (i < count % parts) for i in range(parts)]


def _post_thread(url: str, n: int, body: bytes, engine: Engine | None, client: str) -> None:
    # the gateway's client, or requests (the client the yardstick was measured with)
    http = requests.Session() if client == "requests" else HttpClient(url)
    for _ in range(n):
        key = f"ceil-{uuid.uuid4()}"
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        assert http.post(url, data=body, headers=headers, timeout=10).status_code == 200
        if engine is not None:
            with engine.begin() as conn:
                conn.execute(insert(bench_rows).values(external_id=key))


def _post_share(args: tuple[str, int, int, bytes, str | None, str]) -> int:
    url, n, threads, body, database_url, client = args
    engine = make_engine(database_url, max_connections=threads) if database_url else None
    with ThreadPoolExecutor(threads) as pool:
        shares = _split(n, threads)
        for done in [pool.submit(_post_thread, url, k, body, engine, client) for k in shares]:
            done.result()
    return n


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ceiling(
    receiver: Receiver,
    count: int,
    processes: int,
    threads: int,
    database_url: str | None = None,
    client: str = "gateway",
) -> tuple[float, float]:
    """Raw POSTs of a complaint-sized body per second (the gateway's HTTP client, or
    ``requests``); with ``database_url``, each POST followed by one durable insert there
    (what recording a delivery costs at the least). Also the CPU milliseconds the posting
    processes spent per request."""
    body = json.dumps({"description": "x" * 600, "reporter": {"phone": "+6281234567890"}})
    if database_url:
        prepare(database_url)
    cpu = _children_cpu()
    started = time.perf_counter()
    pool = multiprocessing.Pool(processes)
    shares = [
        (receiver.url, n, threads, body.encode(), database_url, client)
        for n in _split(count, processes)
    ]
    pool.map(_post_share, shares)
    seconds = time.perf_counter() - started
    pool.close()
    pool.join()  # reaped: their CPU is in this process's children's usage now
    return count / seconds, (_children_cpu() - cpu) * 1000 / count


@dataclass
class Drain:
    seconds: float  # from the first claim to the last worker's exit
    cpu_ms: float  # the workers' CPU per complaint over that span
    start_cpu_s: float  # a worker's CPU before its first claim (start-up), the mean


def _first_claims(url: str, names: set[str]) -> set[str]:
    """Which of the workers ``names`` have claimed a job (the claim writes its name)."""
    # a plain engine: the gateway's takes SQLite's writer lock for every transaction
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            seen = conn.scalars(
                select(OutboxJob.locked_by).where(OutboxJob.locked_by.in_(names)).distinct()
            )
            return set(seen)
    finally:
        engine.dispose()


def drain(
    url: str, count: int, receiver: Receiver, workers: int, threads: int, workdir: Path
) -> Drain:
    env = delivering_env(url, workdir, receiver, worker_concurrency=threads)
    procs = {
        f"b{i}": psutil.Popen(
            [sys.executable, "-m", "gateway.cli", "worker", "--burst", "--worker-id", f"b{i}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    }
    # each worker's CPU at its first claim: what it spent before is start-up
    at_start: dict[str, float] = {}
    started: float | None = None
    while len(at_start) < workers:
        waiting = set(procs) - set(at_start)
        for name in _first_claims(url, waiting) | {
            n for n in waiting if procs[n].poll() is not None
        }:
            times = procs[name].cpu_times()
            at_start[name] = times.user + times.system
            started = started or time.perf_counter()
        time.sleep(0.01)
    cpu = 0.0
    for name, proc in procs.items():
        # its CPU read as it exits, before it is reaped
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        times = proc.cpu_times()
        cpu += times.user + times.system - at_start[name]
        if proc.wait() != 0:
            raise SystemExit(f"a worker exited with {proc.returncode}: no figure to report")
    seconds = time.perf_counter() - (started or 0.0)
    return Drain(seconds, cpu * 1000 / count, statistics.mean(at_start.values()))


@dataclass
class Figures:
    raw: float
    raw_cpu_ms: float
    durable: float
    durable_cpu_ms: float
    durable_requests: float
    rate: float
    cpu_ms: float


def run(kind: str, args: argparse.Namespace, workdir: Path, receiver: Receiver) -> Figures:
    url = fresh_database(kind, workdir, args.pg_url)
    t0 = time.perf_counter()
    fill(url, args.count, args.regions_known)
    print(f"\n{kind}: {args.count} complaints queued in {time.perf_counter() - t0:.1f} s")
    ceiling_count = min(args.count, args.ceiling_count)
    receiver.reset()
    raw, raw_cpu = ceiling(receiver, ceiling_count, args.workers, args.threads)
    durable, durable_cpu = ceiling(receiver, ceiling_count, args.workers, args.threads, url)
    durable_requests, _ = ceiling(
        receiver, ceiling_count, args.workers, args.threads, url, client="requests"
    )
    receiver.reset()
    drained = drain(url, args.count, receiver, args.workers, args.threads, workdir)
    engine = make_engine(url)
    with engine.connect() as conn:
        submitted = conn.scalar(
            select(func.count())
            .select_from(Complaint)
            .where(Complaint.status == ComplaintStatus.SUBMITTED)
        )
    engine.dispose()
    rate = args.count / drained.seconds
    duplicates = receiver.posts - len(receiver.keys)
    clients = f"{args.workers} processes x {args.threads} threads"
    print(f"  raw POST ceiling ({clients})  {raw:8.0f} req/s, {raw_cpu:.2f} ms CPU each")
    print(
        f"  POST + 1 durable insert ({clients})    {durable:8.0f} req/s = {durable / raw:.0%}, "
        f"{durable_cpu:.2f} ms CPU each"
    )
    print(
        f"  POST with requests + 1 insert ({clients}) {durable_requests:8.0f} req/s "
        "(the issue's yardstick)"
    )
    print(
        f"  lapor-gateway worker ({clients})       {rate:8.0f} complaints/s "
        f"= {rate / raw:.0%} of the ceiling, {rate / durable:.0%} of POST + insert, "
        f"{rate / durable_requests:.0%} of it with requests "
        f"({drained.seconds:.1f} s from the first claim)"
    )
    print(
        f"  worker CPU per delivery {drained.cpu_ms:.2f} ms (all worker processes; "
        f"start-up before the first claim {drained.start_cpu_s:.2f} s of CPU each, not counted)"
    )
    print(
        f"  receiver: {receiver.posts} POSTs, {len(receiver.keys)} distinct keys, "
        f"{duplicates} duplicates; {submitted} of {args.count} complaints submitted"
    )
    if duplicates or submitted != args.count:
        raise SystemExit("a complaint was delivered twice or not at all: no figure to report")
    return Figures(raw, raw_cpu, durable, durable_cpu, durable_requests, rate, drained.cpu_ms)


def medians(kind: str, runs: list[Figures]) -> str:
    """One row of the README's table: the medians of ``runs``."""

    def med(name: str) -> float:
        return statistics.median(getattr(f, name) for f in runs)

    share = statistics.median(f.rate / f.durable for f in runs)
    old_share = statistics.median(f.rate / f.durable_requests for f in runs)
    return (
        f"| {kind} | {med('raw'):,.0f}/s | {med('durable'):,.0f}/s "
        f"| {med('durable_requests'):,.0f}/s | {med('rate'):,.0f}/s "
        f"| **{share:.0%}** | {old_share:.0%} | {med('cpu_ms'):.2f} ms "
        f"| {med('durable_cpu_ms'):.2f} ms |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=1, help="each database afresh; medians")
    parser.add_argument("--ceiling-count", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="jobs a worker runs at once")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="the receiver's delay")
    parser.add_argument("--pg-url", default=pg_default("forward"))
    parser.add_argument(
        "--regions-known",
        action="store_true",
        help="complaints queued with their region read already (the delivery without it)",
    )
    args = parser.parse_args()
    receiver = Receiver()
    if args.latency_ms > 0:
        receiver.mode, receiver.slow_seconds = "slow", args.latency_ms / 1000
    print(f"receiver on 127.0.0.1, answering after {args.latency_ms:.0f} ms")
    # what no delivery can skip: the complaint's region decides which agency it goes to
    print(f"reading a place as a region: {region_cost():.2f} ms of CPU per complaint")
    rows = []
    with tempfile.TemporaryDirectory(prefix="lapor-forward-") as tmp:
        for kind in args.databases.split(","):
            runs = [run(kind.strip(), args, Path(tmp), receiver) for _ in range(args.runs)]
            rows.append(medians(kind.strip(), runs))
    print(f"\nmedians of {args.runs} run(s), {args.count} complaints each:")
    print(
        "| database | raw POST | POST + 1 insert | the same with requests | gateway "
        "| of POST + insert | of it with requests | worker CPU per delivery "
        "| POST + insert CPU per request |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
