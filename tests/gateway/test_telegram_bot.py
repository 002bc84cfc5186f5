"""The Telegram bot end to end: the real webhook endpoint and the real
python-telegram-bot client against the stand-in Bot API on 127.0.0.1."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
import requests
from sqlalchemy import func, select

from forwarder.outbox import JobStatus, OutboxJob
from forwarder.sqltypes import utcnow
from forwarder.wakeup import CHANNEL
from gateway.complaints.messages import queue_outbound
from gateway.intake.telegram_poll import poll
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import (
    ChannelState,
    Complaint,
    Conversation,
    InboundRecord,
    OutboundMessage,
)
from gateway.web.app import create_app
from sandbox import telegram_updates as updates
from sandbox.server import ServerThread
from sandbox.telegram_api import FakeBotAPI
from tests.conftest import PG_URL, free_port

TOKEN = "7000000001:AAHtest-token"
SECRET = "webhook-secret-0123"
CHAT = 555000111
CODE = re.compile(r"LPR-[0-9A-HJKMNP-TV-Z]{8}")


class Bot:
    """A citizen's view: post updates to the gateway, read what the bot sent back."""

    def __init__(self, url: str, api: FakeBotAPI, runtime: Runtime) -> None:
        self.url, self.api, self.runtime = f"{url}/webhooks/telegram", api, runtime

    def post(self, update: dict, secret: str | None = SECRET) -> requests.Response:
        return self.api.post_webhook(self.url, secret, update)

    def say(self, update: dict, expect: int = 1, chat: int = CHAT) -> list[dict]:
        before = len(self.api.sent(chat_id=chat))
        response = self.post(update)
        assert response.status_code == 200, response.text
        return self.wait_sent(before + expect, chat)[before:]

    def wait_sent(self, count: int, chat: int = CHAT, timeout: float = 5) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(sent := self.api.sent(chat_id=chat)) < count:
            assert time.monotonic() < deadline, f"bot sent {len(sent)} of {count}: {sent}"
            time.sleep(0.02)
        return sent


@pytest.fixture
def bot_api():
    api = FakeBotAPI(TOKEN)
    with ServerThread(api.app) as server:
        yield api, server


@contextmanager
def bot_gateway(make_settings, server: ServerThread, **settings) -> Iterator[tuple[str, Runtime]]:
    """The gateway serving the bot's webhook on loopback, talking to the stand-in Bot API
    at ``server``: (its URL, its runtime)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(
        make_settings(
            public_url=url,
            telegram_bot_token=TOKEN,
            telegram_secret_token=SECRET,
            telegram_api_url=server.url,
            **settings,
        )
    )
    runtime = app.extensions["lapor"]
    with ServerThread(app, port=port):
        yield url, runtime
    runtime.close()


@pytest.fixture
def telegram(make_settings, bot_api):
    api, server = bot_api
    with bot_gateway(make_settings, server, forward_backoff_max_seconds=30) as (url, runtime):
        yield Bot(url, api, runtime)


def count(runtime, model) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_full_complaint_with_location_and_photo(telegram, bot_api, central, make_settings):
    api, api_server = bot_api
    photo_bytes = b"\xff\xd8\xff\xe0 jalan berlubang " * 500
    file_id = api.add_file(photo_bytes, "photos/file_7.jpg")

    [greeting] = telegram.say(updates.text(CHAT, "/start"))
    assert "keluhan" in greeting["text"]
    [ask_location] = telegram.say(
        updates.text(CHAT, "Jalan di depan SDN 3 Sukamaju berlubang besar sejak tiga bulan")
    )
    keyboard = ask_location["reply_markup"]["keyboard"]
    assert (
        keyboard[0][0]["request_location"] is True
        and ask_location["reply_markup"]["one_time_keyboard"]
    )
    [ask_media] = telegram.say(
        updates.venue(CHAT, -6.9147, 107.6098, "SDN 3 Sukamaju", "Jl. Raya Sukamaju km 4")
    )
    assert ask_media["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "LEWATI"
    [ask_privacy] = telegram.say(updates.photo(CHAT, file_id, len(photo_bytes)))
    buttons = ask_privacy["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["1", "2", "3"]
    assert [b["text"] for b in buttons] == ["1 Publik", "2 Rahasia", "3 Anonim"]

    pressed = updates.callback(CHAT, "2")
    response = telegram.post(pressed)
    assert response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": pressed["callback_query"]["id"],
    }
    [summary] = telegram.wait_sent(5)[4:]
    assert "Rahasia" in summary["text"] and "Lampiran: 1" in summary["text"]
    [done] = telegram.say(updates.callback(CHAT, "KIRIM"))
    code = CODE.search(done["text"]).group()

    runtime = telegram.runtime
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
    assert complaint.tracking_code == code and complaint.channel == "telegram"
    assert complaint.document["location"]["text"] == "SDN 3 Sukamaju, Jl. Raya Sukamaju km 4"
    [attachment] = complaint.document["attachments"]
    assert attachment["url"].startswith(telegram.url.replace("/webhooks/telegram", "/media/"))
    assert requests.get(attachment["url"], timeout=5).status_code == 404  # not fetched yet

    worker = Runtime(
        make_settings(
            public_url=runtime.settings.public_url,
            telegram_bot_token=TOKEN,
            telegram_api_url=api_server.url,
            forward_url=central.url,
            notify_on_submitted=False,
        )
    )
    make_worker(worker, poll_seconds=0.02).run(max_idle_polls=3)
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
    assert complaint.status == "submitted"
    [attachment] = complaint.document["attachments"]
    served = requests.get(attachment["url"], timeout=5)
    assert served.status_code == 200 and served.content == photo_bytes
    assert served.headers["Content-Type"] == "image/jpeg"
    import hashlib

    assert attachment["sha256"] == hashlib.sha256(photo_bytes).hexdigest()
    assert attachment["size"] == len(photo_bytes)
    [request] = requests.get(f"{central.url}/requests.json", timeout=5).json()
    assert request["media_url"] == attachment["url"]
    worker.close()


def test_the_web_process_sends_the_reply_itself(telegram):
    """No worker runs here: the process that took the update sends the reply at once,
    rather than leaving it for a worker's next poll (bench/intake.py times it)."""
    [greeting] = telegram.say(updates.text(CHAT, "halo"))
    assert "keluhan" in greeting["text"]
    assert only_job_once_done(telegram.runtime).attempts == 1


def only_job_once_done(runtime: Runtime, timeout: float = 5) -> OutboxJob:
    """The one outbox job, once it is done."""
    [job] = jobs_once_done(runtime, 1, timeout)
    return job


def jobs_once_done(runtime: Runtime, count: int, timeout: float = 5) -> list[OutboxJob]:
    """The ``count`` outbox jobs, once all are done (the sender records a job just after
    the API call, so a reply can be seen before its job is)."""
    deadline = time.monotonic() + timeout
    while True:
        with runtime.sessions() as s:
            jobs = list(s.scalars(select(OutboxJob).order_by(OutboxJob.id)))
        assert len(jobs) == count, jobs
        if all(job.status == JobStatus.DONE for job in jobs):
            return jobs
        assert time.monotonic() < deadline, [job.status for job in jobs]
        time.sleep(0.02)


@pytest.fixture
def workers_reply(make_settings, bot_api, database_url):
    """The bot with ``replies_sent_by = workers`` and one worker running. On PostgreSQL
    the worker polls every 30 s, so only the commit's wakeup can bring a reply in time;
    elsewhere it polls every 50 ms."""
    api, server = bot_api
    pg = database_url.startswith("postgresql")
    poll = 30 if pg else 0.05
    with bot_gateway(
        make_settings, server, replies_sent_by="workers", worker_poll_seconds=poll
    ) as (url, runtime):
        worker = make_worker(runtime, worker_id="replier")
        assert (worker.wakeup is not None) == pg
        if worker.wakeup is not None:
            worker.wakeup.wait(0.01, worker.stop_event)  # listening before the first commit
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        yield Bot(url, api, runtime), worker
        worker.stop_event.set()
        thread.join(timeout=5)
    assert not thread.is_alive()  # a stopped worker does not sit out its 30 s poll


def test_replies_can_be_left_to_the_workers(workers_reply):
    bot, worker = workers_reply
    [greeting] = bot.say(updates.text(CHAT, "halo"))
    assert "keluhan" in greeting["text"]
    bot.say(updates.text(CHAT, "Jalan di depan sekolah rusak parah sejak tiga bulan"))
    jobs = jobs_once_done(bot.runtime, 2)
    # the worker sent them (the web process only stored them and answered 200)
    assert all(job.locked_by == "replier" for job in jobs)


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (GATEWAY_TEST_DATABASE_URL)")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_that_lost_its_listening_connection_listens_again(workers_reply):
    """A database restart cuts the connection a worker listens on: it polls once and
    listens again, and later commits still wake it."""
    bot, worker = workers_reply
    bot.say(updates.text(CHAT, "halo"))
    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
        cut = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query = %s AND datname = current_database()",
            (f"LISTEN {CHANNEL}",),
        ).fetchall()
    assert cut == [(True,)]
    bot.say(updates.text(CHAT, "Jalan di depan sekolah rusak parah sejak tiga bulan"))


def test_english_user_gets_english_buttons(telegram):
    telegram.say(updates.text(CHAT, "hello", language="en"))
    # the words name no kind of problem: the citizen is asked which it is
    [ask_category] = telegram.say(
        updates.text(
            CHAT, "Nobody here helps us, it has been like this since yesterday", language="en"
        )
    )
    assert ask_category["text"].startswith("What is your complaint about?")
    assert "\n1. Infrastruktur / Jalan\n" in ask_category["text"]
    assert ask_category["reply_markup"]["inline_keyboard"][0][0]["text"] == "Skip"
    [ask_location] = telegram.say(updates.text(CHAT, "1", language="en"))
    assert ask_location["text"].startswith("Where")
    [ask_media] = telegram.say(updates.text(CHAT, "SKIP", language="en"))
    assert ask_media["text"].startswith("Do you have")
    assert ask_media["reply_markup"]["inline_keyboard"][0][0]["text"] == "Skip"


def test_duplicate_update_is_stored_and_answered_once(telegram):
    update = updates.text(CHAT, "halo")
    telegram.say(update)
    assert telegram.post(update).status_code == 200
    assert telegram.post(update).status_code == 200
    time.sleep(0.3)
    assert len(telegram.api.sent(chat_id=CHAT)) == 1
    assert count(telegram.runtime, InboundRecord) == 1


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_wrong_or_missing_secret_is_403_and_stores_nothing(telegram, secret):
    response = telegram.post(updates.text(CHAT, "halo"), secret=secret)
    assert response.status_code == 403
    assert count(telegram.runtime, InboundRecord) == 0 and telegram.api.sent() == []


def test_status_command(telegram):
    telegram.say(updates.text(CHAT, "Lampu jalan di gang Mawar mati sudah seminggu penuh"))
    telegram.say(updates.callback(CHAT, "LEWATI"))
    telegram.say(updates.callback(CHAT, "LEWATI"))
    telegram.say(updates.callback(CHAT, "1"))
    code = CODE.search(telegram.say(updates.callback(CHAT, "KIRIM"))[0]["text"]).group()
    [status] = telegram.say(updates.text(CHAT, f"/status {code}"), chat=CHAT)
    assert code in status["text"] and "antrean" in status["text"]


def test_unsupported_updates(telegram):
    [answer] = telegram.say(updates.sticker(CHAT))
    assert "belum bisa" in answer["text"]
    [answer] = telegram.say(updates.document(CHAT, "BQAbig", 30_000_000, "video/mp4", "a.mp4"))
    assert "20 MB" in answer["text"]
    for update in (updates.group_text(CHAT, "LAPOR jalan rusak"), updates.edited(CHAT, "x")):
        response = telegram.post(update)
        assert response.status_code == 200 and "ignoring" in response.text
    assert count(telegram.runtime, InboundRecord) == 2
    for body in (b"{not json", b'{"no": "update_id"}'):
        response = requests.post(
            telegram.url,
            data=body,
            timeout=5,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        )
        assert response.status_code == 400


def test_rate_limit_429_retry_after_is_honoured(telegram):
    telegram.api.fail_next["sendMessage"].append((429, 3))
    assert telegram.post(updates.text(CHAT, "halo")).status_code == 200
    deadline = time.monotonic() + 5
    while True:
        with telegram.runtime.sessions() as s:
            job = s.scalars(select(OutboxJob)).one()
        if job.status == JobStatus.PENDING and job.attempts == 1:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "429" in job.last_error
    assert job.run_after - utcnow() > timedelta(seconds=2)  # not before Telegram allows
    with telegram.runtime.sessions() as s:  # fast-forward the clock for the test
        s.get(OutboxJob, job.id).run_after = utcnow()
        s.commit()
    make_worker(telegram.runtime, poll_seconds=0.02).run(max_idle_polls=2)
    assert len(telegram.api.sent(chat_id=CHAT)) == 2  # the refused try and the real one


def test_the_bot_token_stays_out_of_the_log(telegram, gateway_log):
    """Whoever holds the token is the bot. Each API call goes through httpx, which logs
    the call's URL at INFO, and the URL carries the token."""
    telegram.say(updates.text(CHAT, "halo"))
    assert TOKEN.split(":")[1] not in gateway_log()


def test_blocked_by_user_is_permanent_until_they_write_again(telegram):
    telegram.api.fail_next["sendMessage"].append((403, None))
    telegram.post(updates.text(CHAT, "halo"))
    deadline = time.monotonic() + 5
    while True:
        with telegram.runtime.sessions() as s:
            job = s.scalars(select(OutboxJob)).one()
            conversation = s.scalars(select(Conversation)).one()
        if job.status == JobStatus.DEAD:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job.attempts == 1 and conversation.blocked_at is not None
    calls = len(telegram.api.sent())
    # what the gateway had queued for them meanwhile is not sent
    with telegram.runtime.sessions() as s:
        notice = OutboundMessage(channel="telegram", recipient=str(CHAT), text="Status: selesai")
        queue_outbound(s, telegram.runtime, notice, "notify:while-blocked")
        s.commit()
    make_worker(telegram.runtime, poll_seconds=0.02).run(max_idle_polls=2)
    assert len(telegram.api.sent()) == calls
    # Telegram delivers nothing from someone who blocks the bot: whoever writes again has
    # unblocked it, and is answered
    [reply] = telegram.say(updates.text(CHAT, "Jalan rusak parah di depan rumah kami sejak lama"))
    assert reply["text"]
    with telegram.runtime.sessions() as s:
        assert s.scalars(select(Conversation)).one().blocked_at is None


def test_polling_mode_end_to_end_and_resumes_from_the_stored_offset(make_settings, bot_api):
    api, server = bot_api
    runtime = Runtime(make_settings(telegram_bot_token=TOKEN, telegram_api_url=server.url))
    adapter = runtime.adapters["telegram"]
    first = [
        updates.text(CHAT, "halo"),
        updates.text(CHAT, "Jembatan desa ambruk sejak banjir kemarin sore"),
        updates.callback(CHAT, "LEWATI"),
    ]
    for update in first:
        api.queue_update(update)
    poll(runtime, adapter, timeout=1, rounds=1)
    wait = Bot("", api, runtime)
    wait.wait_sent(3)
    assert [m for m, _ in api.calls].count("answerCallbackQuery") == 1
    with runtime.sessions() as s:
        offset = s.get(ChannelState, "telegram:offset").value
    assert int(offset) == first[-1]["update_id"] + 1

    # A restart: Telegram would resend what was not confirmed; the offset says what was.
    api.updates.extend(first)  # as if unconfirmed, to prove the dedup holds too
    api.queue_update(updates.callback(CHAT, "LEWATI"))
    poll(runtime, adapter, timeout=1, rounds=1)
    sent = wait.wait_sent(4)
    assert "Pilih kerahasiaan" in sent[3]["text"]
    assert count(runtime, InboundRecord) == 4
    runtime.close()


def test_set_webhook_command(monkeypatch, bot_api):
    from click.testing import CliRunner

    from gateway.cli import main

    api, server = bot_api
    monkeypatch.setenv("GATEWAY_TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("GATEWAY_TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("GATEWAY_TELEGRAM_API_URL", server.url)
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://lapor.example.go.id")
    result = CliRunner().invoke(main, ["telegram", "set-webhook"])
    assert result.exit_code == 0, result.output
    assert api.webhook == {
        "url": "https://lapor.example.go.id/webhooks/telegram",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
    }
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "http://insecure.example")
    assert CliRunner().invoke(main, ["telegram", "set-webhook"]).exit_code != 0


def test_polling_stops_when_told(make_settings, bot_api):
    api, server = bot_api
    runtime = Runtime(make_settings(telegram_bot_token=TOKEN, telegram_api_url=server.url))
    stop = threading.Event()
    thread = threading.Thread(
        target=poll,
        args=(runtime, runtime.adapters["telegram"]),
        kwargs={"timeout": 1, "stop": stop},
    )
    thread.start()
    api.queue_update(updates.text(CHAT, "halo"))
    Bot("", api, runtime).wait_sent(1)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    runtime.close()


def test_many_citizens_at_once_each_get_their_replies_in_order(telegram):
    """Twenty citizens write at the same moment, twice each: the webhooks share
    transactions and the replies, dispatched while the sender is busy, leave together;
    every citizen still gets each reply once, in the order of their messages."""
    chats = [CHAT + n for n in range(1, 21)]
    complaint = "Lampu jalan di gang mawar mati sejak seminggu, gelap sekali"
    with ThreadPoolExecutor(10) as pool:
        for text in ("/start", complaint):
            sent = [(chat, text) for chat in chats]
            answers = list(pool.map(lambda m: telegram.post(updates.text(*m)), sent))
            assert [a.status_code for a in answers] == [200] * len(chats)
    for chat in chats:
        greeting, ask_location = telegram.wait_sent(2, chat)
        assert "keluhan" in greeting["text"]
        assert ask_location["reply_markup"]["keyboard"][0][0]["request_location"] is True
    time.sleep(0.2)
    assert all(len(telegram.api.sent(chat_id=chat)) == 2 for chat in chats)  # each once
    with telegram.runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(InboundRecord)) == 40


def test_a_citizens_messages_leave_in_order_from_a_worker_with_many_threads(telegram, bot_api):
    from gateway.complaints.messages import queue_outbound
    from gateway.store.models import OutboundMessage

    api, _ = bot_api
    runtime = telegram.runtime
    chats = (CHAT, CHAT + 1, CHAT + 2)
    with runtime.sessions() as s:
        for n in range(6):
            for chat in chats:
                message = OutboundMessage(
                    channel="telegram", recipient=str(chat), text=f"pesan {n}"
                )
                queue_outbound(s, runtime, message, f"order:{chat}:{n}")
        s.commit()
        lanes = {chat: set() for chat in chats}
        for job in s.scalars(select(OutboxJob)):
            message = s.get(OutboundMessage, job.payload["outbound_id"])
            lanes[int(message.recipient)].add(job.payload["lane"])
    assert all(len(lane) == 1 for lane in lanes.values())  # one lane a citizen
    assert len(set.union(*lanes.values())) == len(chats)  # and each their own

    make_worker(runtime, concurrency=8, poll_seconds=0.02).run(max_idle_polls=2)
    for chat in chats:
        assert [m["text"] for m in api.sent(chat_id=chat)] == [f"pesan {n}" for n in range(6)]


def test_replies_do_not_need_the_delivery_target(make_settings, bot_api, tmp_path):
    """A web process sends chat replies but never delivers: a delivery target it cannot
    build (a missing LAPOR! mapping file, for the workers to report) must not stop them."""
    api, server = bot_api
    missing = tmp_path / "missing.toml"
    with bot_gateway(make_settings, server, forward_target="lapor", lapor_config_file=missing) as (
        url,
        runtime,
    ):
        hook = f"{url}/webhooks/telegram"
        assert api.post_webhook(hook, SECRET, updates.text(CHAT, "halo")).status_code == 200
        only_job_once_done(runtime)
    [greeting] = api.sent(chat_id=CHAT)
    assert "keluhan" in greeting["text"]
