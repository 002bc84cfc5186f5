"""Intake benchmark: signed Twilio webhooks against ``lapor-gateway serve``.

For each database (SQLite, PostgreSQL) and concurrency it measures, in the same run and
with the same gunicorn settings:

1. bare Flask answering the webhook with constant TwiML (the server ceiling);
2. bare Flask plus one durable insert per request on the same database (the storage
   ceiling: intake cannot beat one commit per message);
3. the gateway itself: signature check, inbound row, conversation lock, dialog, and on
   every fifth message a complaint with its outbox job, all committed before the 2xx.

Each client thread is one citizen walking the guided dialog (LAPOR, complaint,
location, privacy, KIRIM) over and over. ``--channels sms`` has every citizen write by
SMS (Twilio); ``--channels chat`` by Telegram, Messenger, WhatsApp Cloud and X, whose
replies are API calls; ``--channels mixed`` spreads them over all of those and WhatsApp
through Twilio. Each webhook is signed as its platform signs it, with stand-in Bot,
Graph and X APIs on 127.0.0.1 taking the gateway's replies (the ceilings answer every
one of those paths). With chat channels a fourth server is measured, the chat
yardstick: 2. plus one outbound POST per message to a loopback stand-in (what a reply
costs at the least), and the gateway's rate is given as a share of it (goal ≥ 70 %).

CPU per message: the CPU time of every process of the server (gunicorn's master and
its workers, psutil), from the first message to the last reply sent, over the messages
answered. ``--runs 3`` runs each server three times and prints the medians.

Afterwards it checks that every answered message is in the database. With ``--paced``
the gateway is run once more at half of the best rate it reached, open-loop (each
citizen sends on a fixed schedule), for the latency a sustained half load sees. Loopback
only; every run is bounded in time.

    python bench/intake.py [--databases sqlite,postgresql] [--concurrency 8,32]
                           [--channels sms|chat|mixed] [--paced] [--runs 3]
                           [--duration 5] [--workers N] [--threads 8]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import multiprocessing
import multiprocessing.connection
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from forwarder.outbox import JobStatus, OutboxJob  # noqa: E402
from gateway.complaints.records import SEND_JOB  # noqa: E402
from gateway.store.db import upgrade  # noqa: E402
from gateway.store.models import (  # noqa: E402
    Complaint,
    InboundRecord,
    OutboundMessage,
    OutboundStatus,
)
from gateway.web.serve import DEFAULT_THREADS, default_workers  # noqa: E402
from sandbox import meta_api, x_api  # noqa: E402
from sandbox import social_events as social  # noqa: E402
from sandbox import telegram_updates as tg  # noqa: E402
from sandbox.citizens import twilio_signature  # noqa: E402
from sandbox.meta_api import FakeGraphAPI  # noqa: E402
from sandbox.server import ServerThread, free_port  # noqa: E402
from sandbox.telegram_api import FakeBotAPI  # noqa: E402
from sandbox.x_api import FakeXAPI  # noqa: E402

TOKEN = "bench-auth-token"
PATH = "/webhooks/twilio/messages"
# "LAPOR" opens a new complaint each round: a "halo" from a citizen whose complaint is
# open would be heard as about that complaint (a status, not a new draft)
DIALOG = [
    "LAPOR",
    "Jalan di depan SD Negeri 3 berlubang besar sejak tiga bulan, sudah ada yang jatuh",
    "Jl. Raya Sukamaju km 4, Kab. Bandung Barat",
    "2",
    "KIRIM",
]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/lapor_bench"


def pg_default(bench: str) -> str:
    """Each bench its own PostgreSQL database (dropped and made anew), so two can run at
    once; ``BENCH_PG_URL`` names another server or database."""
    return os.environ.get("BENCH_PG_URL") or PG_DEFAULT.replace("lapor_bench", f"lapor_{bench}")


BOT_TOKEN, BOT_SECRET = "7000000001:AAHbench", "bench-telegram-secret"
META_SECRET, META_TOKEN = "bench-meta-secret", "bench-page-token"
X_SECRET, X_BEARER = "bench-x-secret", "bench-x-bearer"
MIXED = ("sms", "whatsapp", "telegram", "messenger", "whatsapp_cloud", "x")
CHAT = ("telegram", "messenger", "whatsapp_cloud", "x")

Request = tuple[str, bytes, dict[str, str]]


def twilio_message(
    port: int, sid: str, sender: str, text: str, to: str = "+62215550100", token: str = TOKEN
) -> Request:
    """An incoming SMS (or, with ``whatsapp:`` numbers, WhatsApp) as Twilio posts it."""
    form = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": to,
        "Body": text,
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }
    signature = twilio_signature(token, f"http://127.0.0.1:{port}{PATH}", form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return PATH, urlencode(form).encode(), headers


class Line:
    """One citizen's keep-alive connection to the gateway, opened again after a failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, request: Request) -> int:
        """The answer's status; 0 when none came (refused, reset, timed out)."""
        path, body, headers = request
        try:
            self.conn.request("POST", path, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0

    def close(self) -> None:
        self.conn.close()


def webhook(channel: str, citizen: int, tag: str, n: int, text: str, port: int) -> Request:
    """Message ``n`` of ``citizen`` on ``channel``: path, body and headers, signed."""
    if channel in ("sms", "whatsapp"):
        prefix = "whatsapp:" if channel == "whatsapp" else ""
        sender = f"{prefix}+62812{citizen:04d}{os.getpid() % 10000:04d}"
        # Twilio's shape (SM and 32 hex digits), one of its own for every message
        sid = "SM" + hashlib.md5(f"{tag}:{citizen}:{n}:{os.getpid()}".encode()).hexdigest()
        return twilio_message(port, sid, sender, text, to=f"{prefix}+62215550100")
    if channel == "telegram":
        # a chat of its own for each round of the dialog: Telegram's pacing of one chat
        # (3 a second, 10 in 10 s) would hold a robot writing as fast as it is answered
        chat = 700_000 + citizen * 100_000 + n // len(DIALOG)
        body = json.dumps(tg.text(chat, text)).encode()
        headers = {"X-Telegram-Bot-Api-Secret-Token": BOT_SECRET}
        return "/webhooks/telegram", body, {"Content-Type": "application/json", **headers}
    if channel in ("messenger", "whatsapp_cloud"):
        event = (
            social.messenger(f"{citizen:016d}", text)
            if channel == "messenger"
            else social.whatsapp(f"62813{citizen:08d}", body=text)
        )
        body = json.dumps(event).encode()
        headers = {"X-Hub-Signature-256": meta_api.sign(META_SECRET, body)}
        return "/webhooks/meta", body, {"Content-Type": "application/json", **headers}
    body = json.dumps(social.x_dm(f"9{citizen:09d}", text)).encode()
    headers = {"x-twitter-webhooks-signature": x_api.sign(X_SECRET, body)}
    return "/webhooks/x", body, {"Content-Type": "application/json", **headers}


@dataclass
class Result:
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[int(q) - 1] * 1000


def load(
    port: int,
    concurrency: int,
    duration: float,
    warmup: float,
    tag: str,
    channels: tuple[str, ...] = ("sms",),
    rate: float | None = None,
) -> Result:
    """``concurrency`` citizens, each on its own keep-alive connection and channel; with
    ``rate``, open-loop: together they send ``rate`` messages a second on a schedule
    (a late answer does not delay the next message, as real citizens would not wait)."""
    stop = threading.Event()
    measuring = threading.Event()
    results = [Result() for _ in range(concurrency)]
    total_answered = [0] * concurrency
    interval = concurrency / rate if rate else 0.0

    def citizen(i: int) -> None:
        res = results[i]
        channel = channels[i % len(channels)]
        line = Line(port)
        n = 0
        due = time.perf_counter() + (interval * i / concurrency)
        while not stop.is_set():
            if interval:
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                due += interval
            request = webhook(channel, i, tag, n, DIALOG[n % len(DIALOG)], port)
            n += 1
            started = time.perf_counter()
            status = line.send(request)
            elapsed = time.perf_counter() - started
            if status == 200:
                total_answered[i] += 1
            if measuring.is_set():
                if status == 200:
                    res.ok += 1
                    res.latencies.append(elapsed)
                else:
                    res.errors += 1
        line.close()

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    measuring.set()
    started = time.perf_counter()
    time.sleep(duration)
    measuring.clear()
    seconds = time.perf_counter() - started
    stop.set()
    for t in threads:
        t.join()
    merged = Result(seconds=seconds)
    for r in results:
        merged.ok += r.ok
        merged.errors += r.errors
        merged.latencies.extend(r.latencies)
    merged.answered_total = sum(total_answered)  # type: ignore[attr-defined]
    return merged


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wait_port(port, proc)
    time.sleep(0.5)  # let every gunicorn worker come up
    return proc


def stop_proc(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def cpu_seconds(procs: list[subprocess.Popen]) -> float:
    """User + system CPU of these processes and every child they have now."""
    total = 0.0
    for proc in procs:
        try:
            parent = psutil.Process(proc.pid)
            family = [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for member in family:
            try:
                times = member.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


def fresh_database(kind: str, workdir: Path, pg_url: str) -> str:
    if kind == "sqlite":
        path = workdir / f"bench-{time.monotonic_ns()}.sqlite"
        url = f"sqlite:///{path}"
    else:
        url = pg_url
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    upgrade(url)
    return url


def stored(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        inbound = conn.scalar(select(func.count()).select_from(InboundRecord))
        complaints = conn.scalar(select(func.count()).select_from(Complaint))
    engine.dispose()
    return inbound or 0, complaints or 0


def _serve_stand_ins(urls: multiprocessing.connection.Connection) -> None:
    servers = [
        ServerThread(FakeBotAPI(BOT_TOKEN).app).start(),
        ServerThread(FakeGraphAPI(META_TOKEN).app).start(),
        ServerThread(FakeXAPI(X_BEARER).app).start(),
    ]
    urls.send([server.url for server in servers])
    urls.recv()  # until the bench is done


class StandIns:
    """The platforms' APIs the gateway replies through (Twilio replies inline), served
    from a process of their own: in the bench's process they would take the GIL from the
    citizens' threads and add their time to the latencies those threads measure."""

    def __enter__(self) -> StandIns:
        self._pipe, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(target=_serve_stand_ins, args=(child,), daemon=True)
        self._process.start()
        bot, graph, x = self._pipe.recv()
        self.env = {
            "GATEWAY_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "GATEWAY_TELEGRAM_SECRET_TOKEN": BOT_SECRET,
            "GATEWAY_TELEGRAM_API_URL": bot,
            "GATEWAY_META_APP_SECRET": META_SECRET,
            "GATEWAY_META_PAGE_TOKEN": META_TOKEN,
            "GATEWAY_META_GRAPH_URL": graph,
            "GATEWAY_X_CONSUMER_SECRET": X_SECRET,
            "GATEWAY_X_BEARER_TOKEN": X_BEARER,
            "GATEWAY_X_API_URL": x,
            # the chat yardstick's one outbound POST a message (bench/ceiling.py reply)
            "BENCH_REPLY_URL": f"{bot}/bot{BOT_TOKEN}/sendMessage",
        }
        return self

    def __exit__(self, *exc: object) -> None:
        self._pipe.send("stop")
        self._process.join(timeout=10)


def serve_gateway(
    kind: str, mode: str, args: argparse.Namespace, workdir: Path, stand_ins: StandIns
) -> tuple[list[subprocess.Popen], int, str]:
    """A fresh database and ``mode`` (bare, insert or gateway) serving it: (processes,
    port, database URL). With ``--replies-by workers`` the gateway comes with
    ``--reply-workers`` workers that send only the replies, on the same cores."""
    server = ["--workers", str(args.workers), "--threads", str(args.threads)]
    url = fresh_database(kind, workdir, args.pg_url)
    port = free_port()
    env = {
        **os.environ,
        **stand_ins.env,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_TWILIO_AUTH_TOKEN": TOKEN,
        "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GATEWAY_INSTANCE_PATH": str(workdir),
        # Bench citizens are machines walking the same dialog over and over: the flood
        # limit would (rightly) stop answering them, and the repeat check (its query
        # still runs) would (rightly) answer every later round with the first code.
        "GATEWAY_FLOOD_MESSAGES_PER_MINUTE": "0",
        "GATEWAY_DUPLICATE_WINDOW_HOURS": "0",
        "GATEWAY_LOG_FORMAT": "text",
        "GATEWAY_REPLIES_SENT_BY": args.replies_by,
        # the stand-in Bot API has no limit, and the bench's rounds must end in seconds;
        # the pacing's cost (its count per send) is still in the CPU figure
        "GATEWAY_TELEGRAM_SEND_LIMIT": "1000 per 1 second",
    }
    if mode != "gateway":
        from bench.ceiling import prepare

        prepare(url)
        cmd = [sys.executable, str(ROOT / "bench" / "ceiling.py"), mode]
        return [start([*cmd, "--bind", f"127.0.0.1:{port}", *server], env, port)], port, url
    cmd = [sys.executable, "-m", "gateway.cli", "serve", "--bind", f"127.0.0.1:{port}", *server]
    procs = [start(cmd, env, port)]
    if args.replies_by == "workers":
        worker = [sys.executable, "-m", "gateway.cli", "worker", "--only", "messages"]
        procs += [
            subprocess.Popen(worker, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
            for _ in range(args.reply_workers)
        ]
    return procs, port, url


def replies_check(url: str, timeout: float = 60) -> str:
    """Once every reply queued has left (or ``timeout``): how many, and how long each
    took from being queued to the platform's answer (p50/p99)."""
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            due = conn.scalar(
                select(func.count())
                .select_from(OutboxJob)
                .where(OutboxJob.kind == SEND_JOB, OutboxJob.status != JobStatus.DONE)
            )
            conn.rollback()
            if not due:
                break
            time.sleep(0.5)
        rows = conn.execute(
            select(OutboundMessage.status, OutboundMessage.created_at, OutboundMessage.updated_at)
        ).all()
    sent = [
        (row.updated_at - row.created_at).total_seconds()
        for row in rows
        if row.status == OutboundStatus.SENT
    ]
    engine.dispose()
    if not rows:
        return ""  # SMS: Twilio's replies ride in the webhook's answer
    if len(sent) < 2:
        return f"\n  replies: {len(rows)} queued, {len(sent)} sent"
    q = statistics.quantiles(sent, n=100)
    return (
        f"\n  replies: {len(rows)} queued, {len(sent)} sent; queued → sent p50 "
        f"{q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms"
    )


def group_sizes(port: int) -> str:
    """How many transactions the gateway's webhooks took (group commit), from /metrics."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    body = conn.getresponse().read().decode()
    conn.close()
    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(body)
        if family.name == "lapor_webhook_group_size"
        for sample in family.samples
        if sample.name.endswith(("_sum", "_count"))
    }
    webhooks = found.get("lapor_webhook_group_size_sum", 0.0)
    commits = found.get("lapor_webhook_group_size_count", 0.0)
    mean = webhooks / commits if commits else 0.0
    return (
        f"  {webhooks:.0f} webhooks in {commits:.0f} transactions (group commit: {mean:.2f} each)"
    )


def stored_check(url: str, result: Result) -> str:
    inbound, complaints = stored(url)
    answered = result.answered_total  # type: ignore[attr-defined]
    check = f"  stored {inbound} of {answered} answered messages, {complaints} complaints"
    return check + ("  ** LOST MESSAGES **" if inbound < answered else "")


@dataclass
class Measured:
    """One server's runs at one concurrency: each run's rate, latencies and CPU."""

    label: str
    rates: list[float] = field(default_factory=list)
    p50s: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)


def measure_once(
    kind: str,
    mode: str,
    concurrency: int,
    args: argparse.Namespace,
    workdir: Path,
    stand_ins: StandIns,
    into: Measured,
) -> None:
    procs, port, url = serve_gateway(kind, mode, args, workdir, stand_ins)
    try:
        before = cpu_seconds(procs)
        result = load(port, concurrency, args.duration, args.warmup, mode[:2], channels=args.mix)
        check = ""
        if mode == "gateway":
            check = group_sizes(port) + replies_check(url)  # every reply sent: its CPU too
        spent = cpu_seconds(procs) - before
    finally:
        for proc in procs:
            stop_proc(proc)
    answered = result.answered_total  # type: ignore[attr-defined]
    into.rates.append(result.rate)
    into.p50s.append(result.pct(50))
    into.p99s.append(result.pct(99))
    into.errors.append(result.errors)
    into.cpu_ms.append(spent / answered * 1000 if answered else float("nan"))
    if mode == "gateway":
        into.checks.append(stored_check(url, result) + "\n" + check)


def run(
    kind: str, concurrency: int, args: argparse.Namespace, workdir: Path, stand_ins: StandIns
) -> float:
    """The servers at ``concurrency``, ``--runs`` times each; the gateway's median rate."""
    modes = [("bare Flask", "bare"), ("Flask + 1 durable insert", "insert")]
    if set(args.mix) & set(CHAT):
        modes.append(("Flask + insert + 1 POST", "reply"))
        modes.append(("the same, POST with requests", "reply-requests"))
        modes.append(("durable reply: 2 commits", "reply-durable"))
    modes.append(("lapor-gateway intake", "gateway"))
    rows = {mode: Measured(label) for label, mode in modes}
    for _ in range(args.runs):
        for _, mode in modes:  # interleaved: a slow minute of the machine hits all alike
            measure_once(kind, mode, concurrency, args, workdir, stand_ins, rows[mode])
    bare, ceiling = rows["bare"].rate, rows["insert"].rate
    yardstick = rows["reply"].rate if "reply" in rows else 0.0
    issues = rows["reply-requests"].rate if "reply-requests" in rows else 0.0
    durable = rows["reply-durable"].rate if "reply-durable" in rows else 0.0
    runs = f"median of {args.runs} runs" if args.runs > 1 else "1 run"
    print(
        f"\n{kind}, {args.channels} channels, {args.workers} workers x {args.threads} threads, "
        f"concurrency {concurrency}, {args.duration:.0f} s each, {runs}"
    )
    for mode, row in rows.items():
        ratio = f"{row.rate / bare * 100:5.1f} % of bare" if bare else ""
        if mode == "gateway" and ceiling:
            ratio += f", {row.rate / ceiling * 100:5.1f} % of insert ceiling"
        if mode == "gateway" and yardstick:
            ratio += f", {row.rate / yardstick * 100:5.1f} % of chat yardstick"
            ratio += f" ({row.rate / issues * 100:.1f} % of it with requests)"
            ratio += f", {row.rate / durable * 100:.1f} % of the durable reply"
        print(
            f"  {row.label:<26} {row.rate:8.0f} msg/s  p50 {statistics.median(row.p50s):6.1f} ms"
            f"  p99 {statistics.median(row.p99s):6.1f} ms  errors {max(row.errors):<4} "
            f"CPU {statistics.median(row.cpu_ms):5.2f} ms/msg  {ratio}"
        )
        if mode == "gateway":
            print(
                f"    rates {', '.join(f'{r:.0f}' for r in row.rates)} msg/s; "
                f"CPU {', '.join(f'{c:.2f}' for c in row.cpu_ms)} ms/msg"
            )
            print(row.checks[-1])
    return rows["gateway"].rate


def paced(
    kind: str, rate: float, args: argparse.Namespace, workdir: Path, stand_ins: StandIns
) -> None:
    concurrency = max(int(c) for c in args.concurrency.split(","))
    procs, port, url = serve_gateway(kind, "gateway", args, workdir, stand_ins)
    try:
        result = load(
            port, concurrency, args.duration, args.warmup, "pa", channels=args.mix, rate=rate
        )
        groups = group_sizes(port) + replies_check(url)
    finally:
        for proc in procs:
            stop_proc(proc)
    print(
        f"\n{kind}, the gateway paced at half its best rate ({rate:.0f} msg/s asked, "
        f"{concurrency} citizens): {result.rate:.0f} msg/s, p50 {result.pct(50):.1f} ms, "
        f"p99 {result.pct(99):.1f} ms, errors {result.errors}"
    )
    print(stored_check(url, result))
    print(groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--concurrency", default="8,32")
    parser.add_argument("--channels", default="sms", choices=["sms", "chat", "mixed"])
    parser.add_argument("--runs", type=int, default=1, help="runs of each server (medians)")
    parser.add_argument("--paced", action="store_true", help="and again at half the best rate")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    # serve's own defaults unless told: the gateway as shipped
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument(
        "--replies-by",
        choices=["web", "workers"],
        default="web",
        help="who sends chat replies (GATEWAY_REPLIES_SENT_BY)",
    )
    parser.add_argument("--reply-workers", type=int, default=1, help="with --replies-by workers")
    parser.add_argument("--pg-url", default=pg_default("bench"))
    args = parser.parse_args()
    args.mix = {"mixed": MIXED, "chat": CHAT}.get(args.channels, ("sms",))
    with tempfile.TemporaryDirectory(prefix="lapor-bench-") as tmp, StandIns() as stand_ins:
        for kind in args.databases.split(","):
            best = max(
                run(kind, int(c), args, Path(tmp), stand_ins) for c in args.concurrency.split(",")
            )
            if args.paced:
                paced(kind, best / 2, args, Path(tmp), stand_ins)


if __name__ == "__main__":
    main()
