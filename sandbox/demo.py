"""``lapor-gateway demo``: the whole pipeline on this machine, with no accounts.

Starts the sandbox central system (Open311) and a stand-in Twilio API in this process,
the gateway (``serve``, gunicorn) and a ``worker`` as subprocesses on free loopback
ports, all on a fresh SQLite database under ``instance/demo/``. Then it plays citizens
over the real HTTP endpoint with correctly signed Twilio webhooks, waits for the
forwarder, and prints what the central system received.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from gateway.store.db import make_engine, make_session_factory, upgrade
from gateway.store.models import Complaint, ComplaintStatus, InboundRecord, OutboundMessage
from sandbox import social_events as social
from sandbox import telegram_updates as tg
from sandbox.central import central_stats, create_central_app, list_citizen_updates
from sandbox.citizens import TwilioSender
from sandbox.meta_api import FakeGraphAPI
from sandbox.server import ServerThread, free_port
from sandbox.telegram_api import FakeBotAPI
from sandbox.twilio_api import FakeTwilio
from sandbox.x_api import FakeXAPI

ACCOUNT_SID = "AC" + "d" * 32
AUTH_TOKEN = "demo-auth-token"
OUR_NUMBER = "+62215550100"
BOT_TOKEN = "7000000001:demo-bot-token"
BOT_SECRET = "demo-webhook-secret"
META_SECRET, META_VERIFY, META_TOKEN = "demo-meta-secret", "demo-verify", "demo-page-token"
X_SECRET, X_BEARER = "demo-x-secret", "demo-x-bearer"
API_KEY = "demo-call-center-key"
OPERATOR = ("demo-operator", "demo-operator-password")
# The citizens the demo plays through the Twilio webhook, as data
SCENARIOS = Path(__file__).with_name("scenarios.toml")
# A call center's system posts each finished call; the agent's lines are its script.
DEMO_CALL = {
    "call_id": "ICETA-DEMO-0001",
    "started_at": "2026-11-20T09:14:03+07:00",
    "ended_at": "2026-11-20T09:17:41+07:00",
    "caller_number": "0812-2345-6789",
    "agent_id": "agen-07",
    "turns": [
        {
            "speaker": "agent",
            "text": "Selamat pagi, layanan pengaduan I-Ceta, ada yang bisa dibantu?",
        },
        {"speaker": "caller", "text": "Pagi bu."},
        {
            "speaker": "caller",
            "text": "Saya mau lapor jembatan gantung di desa kami talinya putus sebagian, "
            "anak-anak sekolah tetap lewat situ. Kemarin ada yang hampir jatuh.",
        },
        {"speaker": "agent", "text": "Baik pak, dengan bapak siapa?"},
        {"speaker": "caller", "text": "Nama saya Ahmad Fauzi."},
        {"speaker": "agent", "text": "Lokasinya di mana pak?"},
        {"speaker": "caller", "text": "Di Desa Lohbener, Kecamatan Lohbener, Indramayu."},
        {"speaker": "agent", "text": "Laporan bapak kami catat dan teruskan. Terima kasih."},
    ],
}
# A recording transcribed to text with speaker labels, imported in a batch.
DEMO_TRANSCRIPT = """Call-ID: CC-DEMO-0002
Nomor: 0857 1234 0099
[00:00] Operator: Call center 112, ada yang bisa kami bantu?
[00:03] Penelepon: Pak, listriknya mati.
[00:05] Operator: Halo? Bu?
"""
TIMEOUT = 60.0


class Citizen(TwilioSender):
    """Sends signed Twilio webhooks as one phone would, and shows the exchange."""

    def __init__(
        self, gateway_url: str, number: str, *, whatsapp: bool = False, name: str | None = None
    ) -> None:
        super().__init__(
            gateway_url,
            AUTH_TOKEN,
            number,
            whatsapp=whatsapp,
            to=OUR_NUMBER,
            account_sid=ACCOUNT_SID,
            name=name,
        )

    def say(self, body: str = "", show: str | None = None, **extra: str) -> requests.Response:
        response = self.post(self.form(body, **extra))
        _show_exchange(self.number, show or body, response)
        return response


def _telegram_texts(api: FakeBotAPI, chat_id: int) -> list[tuple[str, list[str]]]:
    out = []
    for message in api.sent(chat_id=chat_id):
        markup = message.get("reply_markup") or {}
        buttons = [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
        buttons += [b["text"] for row in markup.get("keyboard", []) for b in row]
        out.append((message["text"], buttons))
    return out


def _show_exchange(who: str, said: str, response: requests.Response) -> None:
    import xml.etree.ElementTree as ET

    print(f"  {who:>24} > {said}")
    if response.status_code != 200:
        print(f"  {'gateway':>24} < HTTP {response.status_code} {response.text.strip()}")
        return
    for message in ET.fromstring(response.text).iter("Message"):
        for i, line in enumerate((message.text or "").splitlines()):
            print(f"  {'gateway' if i == 0 else '':>24} < {line}")


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the gateway exited with code {proc.returncode}")
        try:
            if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("the gateway did not become ready")


def play_telegram(gateway: str, api: FakeBotAPI) -> bytes:
    """A Telegram conversation with buttons, a shared place and a photo; the photo's
    bytes, to check what the central system can download."""
    print("\n7. Telegram bot: buttons, a shared place and a photo")
    photo = b"\xff\xd8\xff\xe0" + b"demo photo of a broken bridge " * 200
    file_id = api.add_file(photo, "photos/file_1.jpg")
    chat = 424242
    url = f"{gateway}/webhooks/telegram"
    rina = SocialCitizen(
        f"telegram {chat}",
        lambda u: api.post_webhook(url, BOT_SECRET, u),
        lambda: _telegram_texts(api, chat),
    )
    rina.say(tg.text(chat, "/start"), "/start")
    rina.say(
        tg.text(
            chat,
            "Jembatan gantung di Desa Cikahuripan putus sejak banjir, "
            "anak-anak tidak bisa ke sekolah.",
        ),
        "Jembatan gantung …",
    )
    rina.say(
        tg.venue(
            chat,
            -6.8694,
            107.5398,
            "Jembatan Cikahuripan",
            "Desa Cikahuripan, Kab. Bandung Barat",
        ),
        "[shares a place]",
    )
    rina.say(tg.photo(chat, file_id, len(photo)), "[photo]")
    rina.say(tg.callback(chat, "1"), "[presses: 1 Publik]")
    rina.say(tg.callback(chat, "KIRIM"), "[presses: Kirim]")
    return photo


class SocialCitizen:
    """Someone on Messenger, WhatsApp (Cloud API) or X: ``post`` delivers a signed webhook,
    ``outbox`` lists the texts the gateway has sent them through the stand-in API."""

    def __init__(self, label: str, post: Any, outbox: Any) -> None:
        self.label, self.post, self.outbox = label, post, outbox

    def say(self, payload: dict[str, Any], show: str) -> None:
        before = len(self.outbox())
        response = self.post(payload)
        print(f"  {self.label:>24} > {show}")
        if response.status_code != 200:
            print(f"  {'gateway':>24} < HTTP {response.status_code} {response.text.strip()}")
            return
        deadline = time.monotonic() + 10
        while len(self.outbox()) <= before and time.monotonic() < deadline:
            time.sleep(0.02)
        for text, buttons in self.outbox()[before:]:
            for i, line in enumerate(text.splitlines()):
                print(f"  {'gateway' if i == 0 else '':>24} < {line}")
            if buttons:
                print(f"  {'':>24}   [{'] ['.join(buttons)}]")


def _graph_texts(graph: FakeGraphAPI, recipient: str) -> list[tuple[str, list[str]]]:
    out = []
    for body in graph.sent():
        if body.get("recipient", {}).get("id") == recipient:
            message = body["message"]
            out.append((message["text"], [q["title"] for q in message.get("quick_replies", [])]))
        elif body.get("to") == recipient:
            if body["type"] == "interactive":
                buttons = [b["reply"]["title"] for b in body["interactive"]["action"]["buttons"]]
                out.append((body["interactive"]["body"]["text"], buttons))
            else:
                out.append((body.get("text", {}).get("body", "(template)"), []))
    return out


def play_social(gateway: str, graph: FakeGraphAPI, x: FakeXAPI) -> None:
    meta_url, x_url = f"{gateway}/webhooks/meta", f"{gateway}/webhooks/x"
    print("\n8. Facebook Messenger, with quick replies")
    psid = "6543210987654321"
    budi = SocialCitizen(
        "messenger " + psid[-4:],
        lambda p: graph.post_webhook(meta_url, META_SECRET, p),
        lambda: _graph_texts(graph, psid),
    )
    budi.say(
        social.messenger(
            psid,
            "Sampah menumpuk di TPS Pasar Baru tidak diangkut dua "
            "minggu, baunya sampai ke sekolah.",
        ),
        "Sampah menumpuk …",
    )
    budi.say(social.messenger(psid, "TPS Pasar Baru, Kota Bandung"), "TPS Pasar Baru, …")
    budi.say(social.messenger(psid, quick_reply="LEWATI"), "[taps: Lewati]")
    budi.say(social.messenger(psid, quick_reply="2"), "[taps: 2 Rahasia]")
    budi.say(social.messenger(psid, quick_reply="KIRIM"), "[taps: Kirim]")

    print("\n9. WhatsApp Business (Cloud API), with reply buttons")
    wa = "6281377778888"
    sari = SocialCitizen(
        "whatsapp-cloud " + wa[-4:],
        lambda p: graph.post_webhook(meta_url, META_SECRET, p),
        lambda: _graph_texts(graph, wa),
    )
    sari.say(
        social.whatsapp(
            wa, body="Listrik di RT 02 padam setiap malam sejak seminggu, PLN belum datang."
        ),
        "Listrik di RT 02 padam …",
    )
    sari.say(
        social.whatsapp(
            wa,
            "location",
            lat=-7.2575,
            lon=112.7521,
            place="RT 02 RW 04",
            address="Kel. Genteng, Kota Surabaya",
        ),
        "[shares location]",
    )
    sari.say(social.whatsapp(wa, "interactive", id="LEWATI"), "[taps: Lewati]")
    sari.say(social.whatsapp(wa, "interactive", id="1"), "[taps: 1 Publik]")
    sari.say(social.whatsapp(wa, "interactive", id="KIRIM"), "[taps: Kirim]")

    print("\n10. X: a public mention, answered publicly without personal data, then by DM")
    user = "3001969357"
    public = SocialCitizen(
        "x @wargax (public)",
        lambda p: x.post_webhook(x_url, X_SECRET, p),
        lambda: [(t["text"], []) for t in x.tweets],
    )
    public.say(
        social.x_mention(
            user, "jalan di depan SMPN 2 Depok berlubang, sudah ada yang jatuh #lapor"
        ),
        "@lapor1708 jalan di depan SMPN 2 … #lapor",
    )
    dm = SocialCitizen(
        "x @wargax (DM)",
        lambda p: x.post_webhook(x_url, X_SECRET, p),
        lambda: [(d["text"], []) for d in x.dms],
    )
    dm.say(social.x_dm(user, "Jl. Margonda Raya depan SMPN 2, Depok"), "Jl. Margonda Raya …")
    dm.say(social.x_dm(user, "LEWATI"), "LEWATI")
    dm.say(social.x_dm(user, "3"), "3")
    dm.say(social.x_dm(user, "KIRIM"), "KIRIM")


def play_citizens(gateway: str) -> None:
    """The citizens of sandbox/scenarios.toml, each through the real Twilio webhook."""
    scenarios = tomllib.loads(SCENARIOS.read_text(encoding="utf-8"))["citizen"]
    for n, scenario in enumerate(scenarios, 1):
        print(f"\n{n}. {scenario['title']}")
        citizen = Citizen(
            gateway,
            scenario["number"],
            whatsapp=scenario.get("whatsapp", False),
            name=scenario.get("name"),
        )
        for part in ("says", "then"):
            if part == "then" and scenario.get("then"):
                print("   … and after filing")
            for line in scenario.get(part, ()):
                if isinstance(line, str):
                    citizen.say(line)
                else:
                    form = {k: v.format(account_sid=ACCOUNT_SID) for k, v in line.items()}
                    citizen.say(form.pop("Body", ""), show=form.pop("show"), **form)


def play(gateway: str) -> dict[str, Any]:
    """The sample traffic; returns what was rejected, for the report."""
    play_citizens(gateway)

    rejected: dict[str, Any] = {}
    print("\n5. Twilio delivers the same message three times")
    eka = Citizen(gateway, "+6281234567005")
    form = eka.form(
        "LAPOR Pungutan liar saat mengurus KTP di kantor kecamatan Cibeunying "
        "LOKASI Kecamatan Cibeunying Kidul, Kota Bandung"
    )
    answers = [eka.post(form) for _ in range(3)]
    for i, response in enumerate(answers, 1):
        _show_exchange(eka.number, f"(delivery {i}) {form['Body'][:40]}…", response)
    rejected["duplicate deliveries"] = sum(1 for r in answers[1:] if "<Message>" not in r.text)

    print("\n6. A forged signature and a malformed request")
    mallory = Citizen(gateway, "+6281234567666")
    forged = mallory.post(
        mallory.form("LAPOR palsu: kirim pulsa ke nomor ini"), signature="bm90IGEgc2lnbmF0dXJl"
    )
    _show_exchange(mallory.number, "LAPOR palsu… (forged signature)", forged)
    broken = mallory.form("tanpa pengirim")
    del broken["From"]
    malformed = mallory.post(broken)
    _show_exchange("(no From)", "tanpa pengirim", malformed)
    rejected["forged signature"] = forged.status_code
    rejected["malformed"] = malformed.status_code
    return rejected


def play_calls(gateway: str, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """A call center: one call posted by its system, one transcript imported in a batch."""
    print("\n11. Call center: a finished call posted to /api/v1/calls")
    caller_lines = [t["text"] for t in DEMO_CALL["turns"] if t["speaker"] == "caller"]
    for line in caller_lines:
        print(f"  {'caller':>24} > {line}")
    response = requests.post(
        f"{gateway}/api/v1/calls",
        json=DEMO_CALL,
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    body = response.json()
    print(
        f"  {'gateway':>24} < HTTP {response.status_code} {body['status']}, "
        f"tracking code {body['tracking_code']} (read out to the caller)"
    )
    again = requests.post(
        f"{gateway}/api/v1/calls",
        json=DEMO_CALL,
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    print(f"  {'(sent again)':>24} < HTTP {again.status_code}, the same call")

    print("\n12. Call center: import-calls over a folder of transcripts")
    folder = workdir / "transcripts"
    folder.mkdir()
    (folder / "cc-demo-0002.txt").write_text(DEMO_TRANSCRIPT, encoding="utf-8")
    (folder / "rusak.vtt").write_text("WEBVTT\n\nbukan transkrip\n", encoding="utf-8")
    cli = [sys.executable, "-m", "gateway.cli"]
    result = subprocess.run(
        [*cli, "import-calls", "--quiet", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    for line in result.stdout.splitlines():
        print(f"  {line}")
    subprocess.run(
        [*cli, "operator", "add", OPERATOR[0], "--role", "supervisor", "--password-stdin"],
        env=env,
        input=OPERATOR[1] + "\n",
        text=True,
        capture_output=True,
        check=True,
        timeout=60,
    )
    queue = _review_queue(gateway)
    print(
        f"  operator console {gateway}/operator/review, logged in as {OPERATOR[0]}: "
        f"{queue} draft(s) waiting for review"
    )
    return {
        "call": body,
        "duplicate_call": again.status_code,
        "import": result.stdout,
        "queue": queue,
    }


def _counts(summary: str) -> dict[str, int]:
    found = re.findall(r"^\s*([a-z ]+):\s+(\d+)$", summary, re.MULTILINE)
    return {label.strip(): int(value) for label, value in found}


def _review_queue(gateway: str) -> int:
    """Log in to the operator console like a browser would and count the review queue."""
    browser = requests.Session()
    page = browser.get(f"{gateway}/operator/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    form = {"username": OPERATOR[0], "password": OPERATOR[1], "csrf_token": token.group(1)}
    browser.post(f"{gateway}/operator/login", data=form, timeout=10)
    queue = browser.get(f"{gateway}/operator/review", timeout=10).text
    return len(re.findall(r"/operator/review/\d+", queue))


def run_demo() -> int:
    workdir = Path("instance/demo").resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    db_url = f"sqlite:///{workdir / 'gateway.sqlite'}"
    upgrade(db_url)

    central_app = create_central_app(workdir / "sandbox-central.sqlite")
    twilio = FakeTwilio(AUTH_TOKEN)
    bot_api = FakeBotAPI(BOT_TOKEN)
    graph = FakeGraphAPI(META_TOKEN)
    x_api = FakeXAPI(X_BEARER)
    port = free_port()
    gateway = f"http://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []
    with (
        ServerThread(central_app) as central,
        ServerThread(twilio.app) as twilio_server,
        ServerThread(bot_api.app) as bot_server,
        ServerThread(graph.app) as graph_server,
        ServerThread(x_api.app) as x_server,
    ):
        graph.url = graph_server.url
        env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": db_url,
            "GATEWAY_PUBLIC_URL": gateway,
            "GATEWAY_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "GATEWAY_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "GATEWAY_TWILIO_API_URL": twilio_server.url,
            "GATEWAY_TWILIO_SMS_FROM": OUR_NUMBER,
            "GATEWAY_TWILIO_WHATSAPP_FROM": f"whatsapp:{OUR_NUMBER}",
            "GATEWAY_FORWARD_TARGET": "open311",
            "GATEWAY_FORWARD_URL": central.url,
            "GATEWAY_WORKER_POLL_SECONDS": "0.2",
            "GATEWAY_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "GATEWAY_TELEGRAM_SECRET_TOKEN": BOT_SECRET,
            "GATEWAY_TELEGRAM_API_URL": bot_server.url,
            "GATEWAY_META_APP_SECRET": META_SECRET,
            "GATEWAY_META_VERIFY_TOKEN": META_VERIFY,
            "GATEWAY_META_PAGE_TOKEN": META_TOKEN,
            "GATEWAY_META_GRAPH_URL": graph_server.url,
            "GATEWAY_X_CONSUMER_SECRET": X_SECRET,
            "GATEWAY_X_BEARER_TOKEN": X_BEARER,
            "GATEWAY_X_API_URL": x_server.url,
            "GATEWAY_API_KEYS": API_KEY,
            "GATEWAY_INSTANCE_PATH": str(workdir),
        }
        log = (workdir / "processes.log").open("wb")
        cli = [sys.executable, "-m", "gateway.cli"]
        try:
            procs.append(
                subprocess.Popen(
                    [*cli, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            )
            procs.append(subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=log))
            print(
                f"lapor-gateway demo: gateway {gateway}, sandbox central {central.url}, "
                f"stand-in Twilio {twilio_server.url}\ndatabase {db_url}"
            )
            _wait_ready(gateway, procs[0])
            rejected = play(gateway)
            photo = play_telegram(gateway, bot_api)
            play_social(gateway, graph, x_api)
            calls = play_calls(gateway, env, workdir)
            ok = _report(db_url, central_app, twilio, rejected, photo, bot_api, graph, x_api, calls)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.close()
    print(f"\n(database and logs are in {workdir}; the next demo starts afresh)")
    print(NEXT_STEPS.format(db=db_url))
    return 0 if ok else 1


# The demo's servers are gone when it ends: what a newcomer runs next to keep one up.
NEXT_STEPS = """
Run it yourself (every setting: docs/configuration.md; production: docs/operations.md):
  export GATEWAY_DATABASE_URL={db} GATEWAY_FORWARD_TARGET=open311 \\
         GATEWAY_FORWARD_URL=http://127.0.0.1:8311
  lapor-gateway sandbox-central serve &                         # a central system to try
  lapor-gateway operator add admin --role supervisor            # the console's first account
  lapor-gateway serve --bind 127.0.0.1:8000 & lapor-gateway worker
then open http://127.0.0.1:8000/operator/ and log in as admin."""


def _report(
    db_url: str,
    central_app: Any,
    twilio: FakeTwilio,
    rejected: dict[str, Any],
    photo: bytes,
    bot_api: FakeBotAPI,
    graph: FakeGraphAPI,
    x_api: FakeXAPI,
    calls: dict[str, Any],
) -> bool:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    deadline = time.monotonic() + TIMEOUT
    while True:
        with sessions() as session:
            rows = list(session.scalars(select(Complaint).order_by(Complaint.received_at)))
            pending = [r for r in rows if r.status != ComplaintStatus.SUBMITTED]
            queued_msgs = session.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.status == "queued")
            )
            inbound = session.scalar(select(func.count()).select_from(InboundRecord))
            delivered = session.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.status == "delivered")
            )
        if (not pending and not queued_msgs) or time.monotonic() > deadline:
            break
        time.sleep(0.3)

    print("\nComplaints")
    header = ("tracking code", "channel", "category", "privacy", "status", "central id")
    table = [header] + [
        (
            r.tracking_code,
            r.channel,
            (r.document.get("category") or {}).get("code", "-"),
            r.privacy,
            r.status,
            r.central_id or "-",
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    stats = central_stats(central_app.extensions["central_engine"])
    print(f"\nInbound messages stored: {inbound}")
    print(f"Central system: {stats['requests']} service requests from {stats['posts']} POSTs")
    updates = list_citizen_updates(central_app.extensions["central_engine"])
    print(f"Citizens' follow-ups delivered as updates of their complaints: {len(updates)}")

    def forwarded(texts: list[str]) -> int:
        return sum("SP4N-LAPOR" in t and ("diterima" in t or "received" in t) for t in texts)

    telegram_notices = forwarded([m["text"] for m in bot_api.sent()])
    meta_notices = forwarded(
        [
            (b.get("message") or {}).get("text") or (b.get("text") or {}).get("body", "")
            for b in graph.sent()
        ]
    )
    x_notices = forwarded([d["text"] for d in x_api.dms])
    print(
        f"Status messages to citizens: {len(twilio.messages)} by SMS/WhatsApp ({delivered} "
        f"confirmed delivered), {telegram_notices} on Telegram, {meta_notices} on "
        f"Messenger/WhatsApp Cloud, {x_notices} on X"
    )
    print("Rejected:")
    print(f"  forged signature -> HTTP {rejected['forged signature']}, nothing stored")
    print(f"  malformed request -> HTTP {rejected['malformed']}, nothing stored")
    print(
        f"  duplicate deliveries -> {rejected['duplicate deliveries']} of 2 redeliveries "
        "answered empty, stored once"
    )
    served = [
        requests.get(a["url"], timeout=5).content
        for r in rows
        for a in r.document.get("attachments") or []
        if "/media/" in a["url"]
    ]
    photo_ok = served == [photo]
    print(
        f"Telegram photo served to the central system at its gateway URL: "
        f"{'same bytes' if photo_ok else 'MISMATCH'}"
    )
    code = calls["call"]["tracking_code"]
    caller_sms = [m for m in twilio.messages if code in m["body"]]
    print(
        f"Call center: call {code} submitted, sent twice and taken once "
        f"(HTTP {calls['duplicate_call']}); caller told by SMS: {len(caller_sms)} message(s)"
    )
    calls_ok = (
        calls["call"]["status"] == "submitted"
        and calls["duplicate_call"] == 200
        and _counts(calls["import"]).get("drafts to review") == 1
        and _counts(calls["import"]).get("failed") == 1
        and len(caller_sms) == 1
        and calls["queue"] == 1
    )
    ok = (
        photo_ok
        and calls_ok
        and not pending
        and len(rows) == 10
        and stats["requests"] == 10
        and len(updates) == 1
        and rejected["forged signature"] == 403
        and rejected["malformed"] == 400
    )
    print(
        "\nDemo "
        + (
            "succeeded: every complaint reached the central system exactly once."
            if ok
            else "FAILED: see instance/demo/processes.log"
        )
    )
    engine.dispose()
    return ok
