"""Chat replies leave a web process in a lane per channel, so a stalled platform holds up
only its own citizens; Telegram's bot-wide send limit holds across every web process and
worker that share the throttles' storage (Redis). Real stand-ins on 127.0.0.1, a real
Redis, real databases; counts, not timings."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select

from channels.telegram.pacing import SendPacing
from forwarder.outbox import JobStatus, OutboxJob
from gateway.complaints.records import SEND_JOB
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime, SendLane, send_lane
from gateway.web.app import create_app
from sandbox import social_events as ev
from sandbox import telegram_updates as updates
from sandbox.meta_api import FakeGraphAPI
from sandbox.server import ServerThread
from sandbox.telegram_api import FakeBotAPI

SECRET = "webhook-secret-0123"
APP_SECRET, PAGE_TOKEN = "meta-app-secret", "meta-page-token"


def until(predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return result


class Stalled:
    """WSGI middleware before the stand-in Bot API: every sendMessage waits until the
    test lets it through (a Telegram that stopped answering)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.go = threading.Event()
        self.waiting = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"].endswith("/sendMessage"):
            self.waiting += 1
            self.go.wait(30)
        return self.app(environ, start_response)


def send_jobs(runtime: Any) -> list[OutboxJob]:
    with runtime.sessions() as s:
        return list(s.scalars(select(OutboxJob).where(OutboxJob.kind == SEND_JOB)))


def test_lanes_by_channel():
    assert send_lane("telegram") != send_lane("messenger") != send_lane("whatsapp")
    assert send_lane("instagram") == send_lane("messenger")  # one Page's Send API


def test_a_stalled_telegram_holds_up_no_other_channel(make_settings):
    """Telegram stops answering while a citizen writes on Messenger: the Messenger reply
    leaves from the web process all the same, and the Telegram one once Telegram is back,
    each once."""
    token = "7000000002:AAH-lanes"
    bot, graph = FakeBotAPI(token), FakeGraphAPI(PAGE_TOKEN)
    stalled = Stalled(bot.app)
    with ServerThread(stalled) as bot_server, ServerThread(graph.app) as graph_server:
        graph.url = graph_server.url
        app = create_app(
            make_settings(
                telegram_bot_token=token,
                telegram_secret_token=SECRET,
                telegram_api_url=bot_server.url,
                meta_app_secret=APP_SECRET,
                meta_page_token=PAGE_TOKEN,
                meta_graph_url=graph_server.url,
            )
        )
        try:
            with ServerThread(app) as gateway:
                answer = requests.post(
                    f"{gateway.url}/webhooks/telegram",
                    json=updates.text(555000222, "/start"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    timeout=10,
                )
                assert answer.status_code == 200
                until(lambda: stalled.waiting == 1, "the Telegram reply to be in flight")
                meta = ev.messenger("6543210987654321", "halo")
                answer = graph.post_webhook(f"{gateway.url}/webhooks/meta", APP_SECRET, meta)
                assert answer.status_code == 200
            [reply] = until(graph.sent, "the Messenger reply")
            assert reply["recipient"] == {"id": "6543210987654321"}
            assert bot.sent() == []  # Telegram is still stalled
            stalled.go.set()
            [sent] = until(bot.sent, "the Telegram reply")
            assert sent["chat_id"] == 555000222
            runtime = app.extensions["lapor"]
            until(
                lambda: all(j.status == JobStatus.DONE for j in send_jobs(runtime)),
                "both jobs done",
            )
            assert len(graph.sent()) == 1 and len(bot.sent()) == 1
        finally:
            stalled.go.set()
            app.extensions["lapor"].close()


def test_pacing_counts_a_send_only_when_both_windows_have_room():
    """Long windows, so the figures are counts: the bot's limit is spent by sends to any
    chat; a send refused for its chat takes none of the bot's room; a refused send is
    told how long to wait and counted nowhere."""
    pacing = SendPacing("memory://", "bot", bot_limit="3 per 1 hour", chat_limit="1 per 1 hour")
    assert pacing.acquire("1") == 0.0
    assert pacing.acquire("1") > 3000  # the chat's turn is spent for the hour
    assert pacing.acquire("2") == 0.0  # and that refusal took none of the bot's 3
    assert pacing.acquire("3") == 0.0
    assert pacing.acquire("4") > 3000  # the bot's 3 are spent
    other_bot = SendPacing("memory://", "other", bot_limit="3 per 1 hour")
    assert other_bot.acquire("4") == 0.0  # another bot counts apart


def test_pacing_with_its_storage_out_of_reach_sends():
    pacing = SendPacing("redis://127.0.0.1:9/0", "bot", bot_limit="1 per 1 hour")
    assert [pacing.acquire("1"), pacing.acquire("1")] == [0.0, 0.0]


@pytest.fixture
def bot() -> Iterator[tuple[FakeBotAPI, str, str]]:
    """The stand-in Bot API, its URL, and a token of a bot of this test's own (Redis
    outlives a run: an earlier run's counts must not meet this one's)."""
    token = f"{7_100_000_000 + uuid.uuid4().int % 1_000_000}:AAH-nodes"
    api = FakeBotAPI(token)
    with ServerThread(api.app) as server:
        yield api, server.url, token


def test_the_bot_wide_limit_holds_across_two_web_processes_and_two_workers(
    make_settings, redis_url, bot
):
    """Two web processes (an app each, each its own Redis client) take 20 new citizens
    each; the bot may send 30 in the window (an hour here, so the figure is a count). 30
    replies reach Telegram, each chat's once; the other 10 wait in the outbox, and two
    workers on the same storage send none of them either."""
    api, api_url, token = bot
    settings = make_settings(
        telegram_bot_token=token,
        telegram_secret_token=SECRET,
        telegram_api_url=api_url,
        telegram_send_limit="30 per 1 hour",
        ratelimit_storage_url=redis_url,
    )
    webs = [create_app(settings), create_app(settings)]
    worker_runtimes = [Runtime(settings), Runtime(settings)]
    workers = [make_worker(runtime) for runtime in worker_runtimes]
    try:
        chats = [555_100_000 + n for n in range(40)]
        for n, chat in enumerate(chats):
            answer = (
                webs[n % 2]
                .test_client()
                .post(
                    "/webhooks/telegram",
                    json=updates.text(chat, "/start"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
            )
            assert answer.status_code == 200
        runtime = webs[0].extensions["lapor"]
        # every reply was taken by its web process: sent, or told to wait
        until(
            lambda: all(j.status == JobStatus.DONE or j.last_error for j in send_jobs(runtime)),
            "every reply taken",
        )
        for _ in range(2):  # the workers find the waiting replies due again (short back-off)
            time.sleep(0.1)
            for worker in workers:
                worker.run_once()
        sent = api.sent()
        assert len(sent) == 30
        assert len({m["chat_id"] for m in sent}) == 30
        jobs = send_jobs(runtime)
        assert [j.status for j in jobs].count(JobStatus.DONE) == 30
        waiting = [j for j in jobs if j.status != JobStatus.DONE]
        assert len(waiting) == 10
        assert all(j.status == JobStatus.PENDING for j in waiting)
        assert all("send limit" in (j.last_error or "") for j in waiting)
        # waiting its turn spends none of its retry budget
        assert all(j.attempts == 0 for j in waiting)
    finally:
        for worker, worker_runtime in zip(workers, worker_runtimes, strict=True):
            worker.close()
            worker_runtime.close()
        for web in webs:
            web.extensions["lapor"].close()


def test_a_reply_is_queued_claimed_for_its_web_process_and_sent_in_one_attempt(make_settings):
    """The web process queues each reply already claimed for its own send lane: no claim
    of its own before the send, one attempt counted, done by that process."""
    token = "7000000003:AAH-claimed"
    bot = FakeBotAPI(token)
    with ServerThread(bot.app) as bot_server:
        app = create_app(
            make_settings(
                telegram_bot_token=token,
                telegram_secret_token=SECRET,
                telegram_api_url=bot_server.url,
            )
        )
        runtime = app.extensions["lapor"]
        try:
            with ServerThread(app) as gateway:
                answer = requests.post(
                    f"{gateway.url}/webhooks/telegram",
                    json=updates.text(555000333, "/start"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    timeout=10,
                )
                assert answer.status_code == 200
                [sent] = until(bot.sent, "the reply")
                [job] = until(
                    lambda: [j for j in send_jobs(runtime) if j.status == JobStatus.DONE],
                    "the job done",
                )
            assert sent["chat_id"] == 555000333
            assert job.attempts == 1 and job.locked_by == runtime.reply_sender_id
        finally:
            runtime.close()


def test_a_reply_its_web_process_never_sent_goes_out_from_a_worker_once_the_lease_ends(
    make_settings,
):
    """The web process died between the commit and the send: its claim on the reply runs
    out and a worker sends it, once."""
    token = "7000000004:AAH-orphan"
    bot = FakeBotAPI(token)
    with ServerThread(bot.app) as bot_server:
        settings = _short_leases(make_settings, token, bot_server.url)
        web = Runtime(settings)
        [job] = _committed_replies(web, 555000444)
        web.close()  # it dies before dispatching
        assert bot.sent() == []
        worker_runtime = Runtime(settings)
        worker = make_worker(worker_runtime, "messages")
        assert worker.run_once() == 0  # still the dead process's for its lease
        time.sleep(1.1)
        assert worker.run_once() == 1
        [sent] = bot.sent()
        assert sent["chat_id"] == 555000444
        [done] = send_jobs(worker_runtime)
        assert (done.id, done.status, done.attempts) == (job.id, JobStatus.DONE, 2)
        worker_runtime.close()


def test_a_lane_does_not_send_a_reply_whose_claim_a_worker_took_over(make_settings):
    """A reply that waited in its lane past half its lease has the lease renewed before
    it is sent; one whose lease ran out and that a worker took over is left to that
    worker: never sent by both."""
    from forwarder import outbox

    token = "7000000005:AAH-renew"
    bot = FakeBotAPI(token)
    with ServerThread(bot.app) as bot_server:
        web = Runtime(_short_leases(make_settings, token, bot_server.url))
        taken, kept = _committed_replies(web, 555000555, 555000556)
        time.sleep(1.1)  # both leases ran out in the lane's queue
        with web.sessions() as s:  # a worker takes the first over
            assert [j.id for j in outbox.claim(s, "other-worker", 1, 60, ids=[taken.id])] == [
                taken.id
            ]
        lane = SendLane(web, "telegram")
        lane._queue = [(time.monotonic() - 1.0, taken), (time.monotonic() - 1.0, kept)]
        lane._due = True
        lane._send()
        [sent] = bot.sent()
        assert sent["chat_id"] == 555000556
        states = {j.id: (j.status, j.locked_by) for j in send_jobs(web)}
        assert states[taken.id] == (JobStatus.RUNNING, "other-worker")
        assert states[kept.id][0] == JobStatus.DONE
        lane.close()
        web.close()


def _short_leases(make_settings: Any, token: str, bot_url: str) -> Any:
    return make_settings(
        telegram_bot_token=token,
        telegram_secret_token=SECRET,
        telegram_api_url=bot_url,
        worker_lease_seconds=1,
    )


def _committed_replies(web: Runtime, *chats: int) -> list[Any]:
    """What a web process commits for a /start from each chat before it answers 2xx:
    the replies' jobs, claimed for it, not yet dispatched."""
    from gateway.intake import pipeline

    adapter = web.adapters["telegram"]
    jobs = []
    for chat in chats:
        result = adapter.parse(_telegram_request(updates.text(chat, "/start")))
        handled = web.group_commit.run(lambda s, r=result: pipeline._stage(s, web, adapter, r))
        jobs += [job for js in handled.jobs_by_channel.values() for job in js]
    return jobs


def _telegram_request(body: dict[str, Any]) -> Any:
    import json

    from channels.base import WebhookRequest

    return WebhookRequest(
        method="POST",
        url="http://127.0.0.1/webhooks/telegram",
        hook="",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        body=json.dumps(body).encode(),
        form={},
        args={},
    )
