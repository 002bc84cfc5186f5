"""A central system that refuses us: a wrong or revoked key pauses the target (jobs stay
pending, their budget untouched, one alert), a slow probe tries one job, and deliveries
resume by themselves once the key is accepted; a target failing every request opens the
same circuit. Real HTTP stand-ins on 127.0.0.1, real databases."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, Response
from sqlalchemy import select

from forwarder import circuit, outbox
from forwarder.circuit import CircuitPolicy
from forwarder.errors import PermanentError, RetryableError, TargetRefused
from forwarder.outbox import JobStatus, OutboxJob
from forwarder.targets.lapor import LaporConfig, LaporTarget
from forwarder.targets.open311 import Open311Target
from forwarder.targets.webhook import WebhookTarget
from gateway.complaints.messages import queue_outbound
from gateway.complaints.records import DELIVER_JOB, SEND_JOB
from gateway.console.accounts import save_operator
from gateway.jobs.worker import make_worker
from gateway.metrics import render
from gateway.runtime import Runtime
from gateway.store.models import Complaint, OutboundMessage
from gateway.web.app import create_app
from sandbox.central import central_stats, create_central_app
from sandbox.flaky import FlakyCentral
from sandbox.lapor_api import FakeLapor
from sandbox.server import ServerThread
from tests.conftest import free_port
from tests.forwarder.test_delivery import submit
from tests.forwarder.test_targets import DOC
from tests.forwarder.test_worker_processes import (
    ROOT,
    done_count,
    queue_complaints,
    stop,
    wait_for,
)

KEY = "the-right-key"
PROBE = 0.3  # seconds between probes here (60 in production)
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def jobs_of(runtime: Runtime, kind: str = DELIVER_JOB) -> list[OutboxJob]:
    with runtime.sessions() as s:
        return list(s.scalars(select(OutboxJob).where(OutboxJob.kind == kind).order_by("id")))


def gate(runtime: Runtime, target: str = "open311") -> circuit.Gate:
    with runtime.sessions() as s:
        return circuit.read(s, target)


def until(condition: Callable[[], bool], work: Callable[[], object], timeout: float = 15) -> None:
    """Run ``work`` until ``condition`` holds, within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        work()
        time.sleep(0.02)


def paused_metric(runtime: Runtime, target: str, reason: str) -> float | None:
    text = render(runtime.sessions)[0].decode()
    found = re.search(
        rf'^lapor_target_paused\{{reason="{reason}",target="{target}"\}} (\S+)$', text, re.M
    )
    return float(found.group(1)) if found else None


def worker_for(runtime: Runtime, **overrides):
    options = {
        "poll_seconds": 0.02,
        "concurrency": 1,
        "circuit_policy": CircuitPolicy(probe_seconds=PROBE, failures=3, window_seconds=300),
    }
    options.update(overrides)
    return make_worker(runtime, **options)


def pause_lines(caplog: pytest.LogCaptureFixture, level: int, word: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "forwarder.worker" and r.levelno == level and word in r.getMessage()
    ]


def console_page(make_settings) -> str:
    """The dead-letter page as a supervisor sees it (another app on the same database)."""
    app = create_app(make_settings())
    try:
        with app.extensions["lapor"].sessions() as s:
            save_operator(s, "sari", "kata-sandi-panjang", "supervisor", update=True)
            s.commit()
        client = app.test_client()
        csrf = TOKEN.search(client.get("/operator/login").text).group(1)
        client.post(
            "/operator/login",
            data={"username": "sari", "password": "kata-sandi-panjang", "csrf_token": csrf},
        )
        page = client.get("/operator/dead-letters")
        assert page.status_code == 200
        return page.text
    finally:
        app.extensions["lapor"].close()


def test_a_wrong_key_pauses_the_target_and_a_fixed_key_resumes_it(
    make_settings, live_gateway, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="forwarder.worker")
    url, _ = live_gateway
    for text in (
        "Jalan berlubang di depan pasar sejak bulan lalu",
        "Lampu jalan mati di gang Melati sudah seminggu",
        "Saluran air tersumbat di perumahan Griya Asri",
    ):
        submit(url, text)
    port = free_port()
    store = tmp_path / "central.sqlite"
    runtime = Runtime(
        make_settings(
            forward_url=f"http://127.0.0.1:{port}",
            forward_api_key="a-revoked-key",
            notify_on_submitted=False,
        )
    )
    worker = worker_for(runtime)
    refusing = create_central_app(store, api_key=KEY)
    with ServerThread(refusing, port=port):
        worker.run_once()
        # one refusal paused the target: nothing is a dead letter, nothing spent a try
        assert central_stats(refusing.extensions["central_engine"])["posts"] == 1
        assert [(j.status, j.attempts) for j in jobs_of(runtime)] == [("pending", 0)] * 3
        state = gate(runtime)
        assert state.open and state.reason == "auth" and "HTTP 403" in state.detail
        with runtime.sessions() as s:
            assert {c.status for c in s.scalars(select(Complaint))} == {"queued"}
        # while paused, only a probe now and then reaches the central system
        started = time.monotonic()
        while time.monotonic() - started < 4 * PROBE:
            worker.run_once()
            time.sleep(0.02)
        posts = central_stats(refusing.extensions["central_engine"])["posts"]
        assert 2 <= posts <= 1 + 5
        assert [(j.status, j.attempts) for j in jobs_of(runtime)] == [("pending", 0)] * 3
    # one alert: a single WARNING line, the metric, the console's header
    [warning] = pause_lines(caplog, logging.WARNING, "paused")
    assert "open311" in warning and "credentials" in warning
    assert paused_metric(runtime, "open311", "auth") == 1.0
    assert paused_metric(runtime, "open311", "outage") == 0.0
    page = console_page(make_settings)
    assert 'id="target-paused-open311"' in page and "kunci API" in page
    assert 'id="no-dead-letters"' in page

    # the key is accepted again at the central system (re-enabled there): same worker
    accepting = create_central_app(store, api_key="a-revoked-key")
    with ServerThread(accepting, port=port):
        until(
            lambda: all(j.status == JobStatus.DONE for j in jobs_of(runtime)),
            worker.run_once,
        )
    assert [j.attempts for j in jobs_of(runtime)] == [1, 1, 1]
    assert not gate(runtime).open
    assert len(pause_lines(caplog, logging.INFO, "resume")) == 1
    assert paused_metric(runtime, "open311", "auth") == 0.0
    assert 'id="target-paused-open311"' not in console_page(make_settings)
    with runtime.sessions() as s:
        assert {c.status for c in s.scalars(select(Complaint))} == {"submitted"}
    runtime.close()


def test_messages_to_citizens_are_not_held_by_a_paused_central(make_settings, central, fake_twilio):
    fake, twilio_server = fake_twilio
    runtime = Runtime(make_settings(forward_url=central.url, twilio_api_url=twilio_server.url))
    with runtime.sessions() as s:
        circuit.refused(s, "open311", "POST …: HTTP 401: revoked", CircuitPolicy())
        message = OutboundMessage(channel="sms", recipient="+6281234567890", text="Halo")
        queue_outbound(s, runtime, message, "test:message")
        s.commit()
    worker_for(runtime).run(max_idle_polls=2)
    [sent] = fake.messages
    assert sent["body"] == "Halo"
    [job] = jobs_of(runtime, SEND_JOB)
    assert job.status == JobStatus.DONE
    assert gate(runtime).open  # still paused: the message was no probe
    runtime.close()


def test_a_central_failing_every_request_opens_the_circuit_then_closes_it(
    make_settings, live_gateway, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="forwarder.worker")
    url, _ = live_gateway
    for text in (
        "Jembatan desa retak dan berbahaya dilewati",
        "Sampah menumpuk di pinggir jalan raya",
        "Pungutan liar di kantor kelurahan kami",
        "Air PDAM mati tiga hari di kompleks kami",
    ):
        submit(url, text)
    inner = create_central_app(tmp_path / "c.sqlite")
    flaky = FlakyCentral(inner, [503, 500, 502])
    with ServerThread(flaky) as server:
        runtime = Runtime(make_settings(forward_url=server.url, notify_on_submitted=False))
        worker = worker_for(runtime)
        worker.run_once()
        # three failures in a row, from three jobs: open; the rest waits untried
        assert flaky.seen == 3
        state = gate(runtime)
        assert state.open and state.reason == "outage"
        jobs = jobs_of(runtime)
        assert all(j.status == JobStatus.PENDING for j in jobs)
        # the two before the circuit opened spent a try; the one that opened it did not
        assert [j.attempts for j in jobs] == [1, 1, 0, 0]
        assert paused_metric(runtime, "open311", "outage") == 1.0
        [warning] = pause_lines(caplog, logging.WARNING, "paused")
        assert "3 failures" in warning
        # the central is back: the next probe closes the circuit and the jobs flow
        until(lambda: all(j.status == JobStatus.DONE for j in jobs_of(runtime)), worker.run_once)
    assert not gate(runtime).open
    assert len(pause_lines(caplog, logging.INFO, "resume")) == 1
    assert central_stats(inner.extensions["central_engine"])["requests"] == 4
    runtime.close()


def test_one_complaint_failing_alone_does_not_open_the_circuit(make_settings):
    policy = CircuitPolicy(probe_seconds=PROBE, failures=3, window_seconds=300)
    runtime = Runtime(make_settings())
    with runtime.sessions() as s:
        for _ in range(5):
            assert not circuit.failed(s, "open311", 7, "HTTP 500", policy)
        s.commit()
    state = gate(runtime)
    assert not state.open and state.failures == 5
    with runtime.sessions() as s:
        assert circuit.failed(s, "open311", 8, "HTTP 500", policy)  # a second job: open
        s.commit()
    runtime.close()


def test_one_complaint_failing_for_the_whole_window_opens_the_circuit(make_settings):
    """A quiet office with a single complaint during a long outage: its failures over
    ``window_seconds`` open the circuit before it spends its whole budget."""
    policy = CircuitPolicy(probe_seconds=PROBE, failures=3, window_seconds=0.3)
    runtime = Runtime(make_settings())
    with runtime.sessions() as s:
        for _ in range(3):
            assert not circuit.failed(s, "open311", 7, "HTTP 503", policy)
        s.commit()
    time.sleep(0.3)
    with runtime.sessions() as s:
        assert circuit.failed(s, "open311", 7, "HTTP 503", policy)
        s.commit()
    assert gate(runtime).reason == "outage"
    runtime.close()


def georeport_error(status: int, description: str, xml: bool = False) -> Flask:
    app = Flask(__name__)

    @app.post("/requests.<fmt>")
    def post(fmt: str) -> Response:
        if xml:
            body = (
                '<?xml version="1.0" encoding="utf-8"?><errors><error>'
                f"<code>{status}</code><description>{description}</description>"
                "</error></errors>"
            )
            return Response(body, status=status, content_type="text/xml")
        body = json.dumps([{"code": status, "description": description}])
        return Response(body, status=status, content_type="application/json")

    return app


@pytest.mark.parametrize(
    ("status", "description", "xml", "refused"),
    [
        (400, "Invalid api_key", False, True),
        (400, "api_key was not provided", False, True),
        (400, "The API key has been revoked", True, True),
        (401, "unauthorized", False, True),
        (403, "api_key is missing or wrong", False, True),
        (400, "service_code 'X' not found", False, False),
        (400, "description is required", True, False),
        (422, "Invalid api_key", False, False),  # only a 400 is read for the key
    ],
)
def test_open311_tells_a_refused_key_from_a_bad_complaint(status, description, xml, refused):
    with ServerThread(georeport_error(status, description, xml)) as server:
        target = Open311Target(server.url, api_key="k")
        if refused:
            with pytest.raises(TargetRefused):
                target.deliver(DOC, "k")
        else:
            with pytest.raises(PermanentError):
                target.deliver(DOC, "k")


@pytest.mark.parametrize("wire_format", ["xml", "json"])
def test_lapor_and_webhook_auth_errors_are_refusals(wire_format):
    fake = FakeLapor("lapor-token")
    with ServerThread(fake.app) as server:
        path = "/api/stream/addstream" if wire_format == "xml" else "/api/v1/laporan"
        target = LaporTarget(
            server.url + path, token="wrong", config=LaporConfig.load(wire_format=wire_format)
        )
        with pytest.raises(TargetRefused, match="HTTP 401"):
            target.deliver(DOC, "k")
        fake.script.extend([503, 400])
        with pytest.raises(RetryableError) as outage:
            target.deliver(DOC, "k")
        assert outage.value.outage and not isinstance(outage.value, TargetRefused)
        with pytest.raises(PermanentError):
            target.deliver(DOC, "k")
        hook = WebhookTarget(server.url + "/api/v1/laporan", secret="s")
        fake.script.append(403)
        with pytest.raises(TargetRefused):
            hook.deliver(DOC, "k")


def start_logging_worker(database_url: str, central_url: str, name: str, log: Path, **env: str):
    """``lapor-gateway worker`` as in test_worker_processes, its log lines kept in ``log``."""
    environment = {
        **os.environ,
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_FORWARD_TARGET": "open311",
        "GATEWAY_FORWARD_URL": central_url,
        "GATEWAY_NOTIFY_ON_SUBMITTED": "false",
        "GATEWAY_WORKER_POLL_SECONDS": "0.05",
        "GATEWAY_WORKER_BATCH_SIZE": "10",
        "GATEWAY_LOG_FORMAT": "json",
        **env,
    }
    with log.open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "worker", "--worker-id", name],
            env=environment,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def test_worker_processes_share_the_pause_and_resume_together(runtime, database_url, tmp_path):
    """Two ``lapor-gateway worker`` processes on one database: one of them pauses the
    target for both, a handful of POSTs reach a central that refuses the key instead of
    one per job, one WARNING between them, and both resume when the key is accepted."""
    queue_complaints(runtime, 40)
    port = free_port()
    central_url = f"http://127.0.0.1:{port}"
    store = tmp_path / "central.sqlite"
    logs = [tmp_path / f"w{i}.log" for i in range(2)]
    env = {
        "GATEWAY_FORWARD_API_KEY": "a-revoked-key",
        "GATEWAY_TARGET_PROBE_SECONDS": str(PROBE),
        "GATEWAY_WORKER_CONCURRENCY": "4",
    }
    workers = []
    try:
        refusing = create_central_app(store, api_key=KEY)
        with ServerThread(refusing, port=port):
            for i, log in enumerate(logs):
                workers.append(start_logging_worker(database_url, central_url, f"w{i}", log, **env))
            wait_for(lambda: gate(runtime).open, timeout=60)
            time.sleep(5 * PROBE)  # both keep polling (and probing) while paused
            posts = central_stats(refusing.extensions["central_engine"])["posts"]
            # the POSTs in flight when it paused (4 threads a worker), then the probes
            assert posts <= 2 * 4 + 5 + 2
            with runtime.sessions() as s:
                rows = s.execute(select(OutboxJob.status, OutboxJob.attempts)).all()
            assert {tuple(r) for r in rows} == {("pending", 0)}
        accepting = create_central_app(store, api_key="a-revoked-key")
        with ServerThread(accepting, port=port):
            wait_for(lambda: done_count(runtime) == 40, timeout=120)
    finally:
        stop(workers)
    assert central_stats(accepting.extensions["central_engine"])["requests"] == 40
    lines = [json.loads(line) for log in logs for line in log.read_text().splitlines()]
    mine = [line for line in lines if line.get("logger") == "forwarder.worker"]
    assert len([x for x in mine if x["level"] == "WARNING" and "paused" in x["message"]]) == 1
    assert len([x for x in mine if x["level"] == "INFO" and "resume" in x["message"]]) == 1


def test_a_job_claimed_when_queued_for_a_paused_target_goes_back_untried(make_settings, central):
    """The web process sends what it queued claimed for itself (Runtime.dispatch): a
    delivery to a paused target is given back, untried, its budget untouched."""
    runtime = Runtime(make_settings(forward_url=central.url))
    queue_complaints(runtime, 1)
    with runtime.sessions() as s:
        circuit.refused(s, "open311", "POST …: HTTP 401: revoked", CircuitPolicy())
        s.commit()
    worker = worker_for(runtime)
    [job] = jobs_of(runtime)
    with runtime.sessions() as s:
        [claimed] = outbox.claim(s, worker.worker_id, 1, 60, ids=[job.id])
    assert worker.run_claimed([claimed]) == 1
    [job] = jobs_of(runtime)
    assert (job.status, job.attempts) == (JobStatus.PENDING, 0)
    assert job.last_error is None  # not tried: nothing to say about it
    assert central_stats(central.server.app.extensions["central_engine"])["posts"] == 0
    runtime.close()


class RefusesOne:
    """WSGI middleware before the sandbox central: a 403 for complaints whose text has
    ``word`` (a service this key may not file under), the rest passed on."""

    def __init__(self, inner, word: str) -> None:
        self.inner = inner
        self.word = word.encode()

    def __call__(self, environ, start_response):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if self.word in body:
            answer = json.dumps([{"code": 403, "description": "not allowed for this key"}])
            return Response(answer, status=403, content_type="application/json")(
                environ, start_response
            )
        return self.inner(environ, start_response)


def test_a_refusal_of_one_complaint_alone_ends_as_its_dead_letter(make_settings, tmp_path, caplog):
    """A 403 that only one complaint meets (the target answers the others) is that
    complaint's: it pauses the target once, the probe finds the target answering, and
    from then on the complaint spends its own budget and becomes a dead letter instead
    of pausing the target again and again."""
    caplog.set_level(logging.INFO, logger="forwarder.worker")
    inner = create_central_app(tmp_path / "c.sqlite")
    with ServerThread(RefusesOne(inner, "nomor+0")) as server:
        runtime = Runtime(make_settings(forward_url=server.url, notify_on_submitted=False))
        queue_complaints(runtime, 3)
        worker = worker_for(runtime)
        until(
            lambda: all(j.status in ("done", "dead") for j in jobs_of(runtime)),
            worker.run_once,
            timeout=30,
        )
    first, *others = jobs_of(runtime)
    assert first.status == JobStatus.DEAD and first.attempts == first.max_attempts
    assert "HTTP 403" in first.last_error
    assert [j.status for j in others] == [JobStatus.DONE] * 2
    assert len(pause_lines(caplog, logging.WARNING, "paused")) == 1
    assert not gate(runtime).open
    runtime.close()


def test_a_messages_only_worker_reads_no_circuit(make_settings):
    runtime = Runtime(make_settings())
    assert make_worker(runtime, only="messages").gates == {}
    assert make_worker(runtime, only="complaints").gates == {
        "open311": ("deliver_complaint", "deliver_update")
    }
    runtime.close()


def test_the_circuit_policy_comes_from_the_settings(make_settings, monkeypatch):
    """``GATEWAY_TARGET_*`` are settings like the others: read from the environment,
    shown in the configuration reference, and a nonsense value stops the start."""
    monkeypatch.setenv("GATEWAY_TARGET_PROBE_SECONDS", "7.5")
    monkeypatch.setenv("GATEWAY_TARGET_CIRCUIT_FAILURES", "9")
    monkeypatch.setenv("GATEWAY_TARGET_CIRCUIT_SECONDS", "42")
    runtime = Runtime(make_settings())
    try:
        assert make_worker(runtime).circuit_policy == CircuitPolicy(
            probe_seconds=7.5, failures=9, window_seconds=42
        )
    finally:
        runtime.close()
    monkeypatch.setenv("GATEWAY_TARGET_CIRCUIT_FAILURES", "0")
    with pytest.raises(ValueError, match="target_circuit_failures"):
        make_settings()


def test_a_central_system_that_moved_pauses_its_target_and_gets_nothing_twice(
    make_settings, central
):
    """A POST answered with a redirect is not followed (a complaint is never re-sent to
    wherever an answer points): the target is paused with the new address in its reason,
    the job waits with its budget untouched, nothing is a dead letter."""
    moved = Flask("moved")
    posts: list[str] = []

    @moved.post("/<path:path>")
    def redirect_all(path: str) -> Response:
        posts.append(path)
        return Response(status=308, headers={"Location": "https://new.example/open311/"})

    with ServerThread(moved) as old:
        runtime = Runtime(make_settings(forward_url=old.url, notify_on_submitted=False))
        queue_complaints(runtime, 2)
        worker_for(runtime).run_once()
        state = gate(runtime)
        assert state.open and state.reason == circuit.AUTH
        assert "moved to https://new.example/open311/" in state.detail
        assert [(j.status, j.attempts) for j in jobs_of(runtime)] == [("pending", 0)] * 2
        assert posts == ["requests.json"]  # the first; the second was held back untried
        runtime.close()
