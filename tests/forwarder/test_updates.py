"""The reporter's updates of a filed complaint (gateway.complaints.updates), from record_update to
the central system, over real HTTP to stand-ins on 127.0.0.1: the sandbox Open311 server,
a webhook receiver that checks signatures, and the stand-in LAPOR!."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from flask import Flask, jsonify, request
from sqlalchemy import select

from forwarder.outbox import JobStatus, OutboxJob
from forwarder.sqltypes import utcnow
from forwarder.targets.open311 import Open311Target
from gateway.complaints.records import create_complaint
from gateway.complaints.updates import DELIVER_UPDATE_JOB, record_update, updates_of
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint, ComplaintUpdate
from sandbox.central import create_central_app, list_citizen_updates
from sandbox.flaky import FlakyCentral
from sandbox.lapor_api import FakeLapor
from sandbox.server import ServerThread

SECRET = "hook-secret"
LAPOR_TOKEN = "lapor-token-123"
LAPOR_UPDATE_MAPPING = """
wire_format = "json"
public_url = "https://www.lapor.go.id/pengaduan/"

[json]
auth_header = "Authorization"
auth_scheme = "Bearer"
tracking_id_path = "data.tracking_id"
transaction_id_path = "data.transaction_id"

[json.fields]
description = "isi"
external_id = "id_eksternal"

[update]
path = "/api/v1/laporan/tanggapan"
update_id_path = "data.id"

[update.fields]
tracking_id = "tracking_id"
update_id = "id_eksternal"
kind = "jenis"
text = "isi"
rating = "penilaian"
reopen = "buka_kembali"

[update.kinds]
feedback = "umpan_balik"
"""


@pytest.fixture(autouse=True)
def _forget_servers_without_updates() -> Iterator[None]:
    """What a process learned about Open311 servers must not leak between tests."""
    Open311Target._no_updates.clear()
    yield
    Open311Target._no_updates.clear()


class Recorder:
    """WSGI middleware keeping every request's path and body, in arrival order."""

    def __init__(self, inner: Callable[..., Any]) -> None:
        self.inner = inner
        self.seen: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        with self._lock:
            self.seen.append((environ["PATH_INFO"], body))
        return self.inner(environ, start_response)

    def forms(self, path: str) -> list[dict[str, list[str]]]:
        return [parse_qs(body.decode()) for p, body in self.seen if p == path]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Recorder, Any, ServerThread]]:
    app = create_central_app(tmp_path / "central.sqlite")
    recorder = Recorder(app)
    with ServerThread(recorder) as server:
        yield recorder, app.extensions["central_engine"], server


def runtime_for(make_settings: Callable[..., Any], **overrides: Any) -> Runtime:
    values = {"notify_on_submitted": False, "status_poll_seconds": 0, **overrides}
    return Runtime(make_settings(**values))


def file_complaint(
    runtime: Runtime, privacy: str = "confidential", description: str | None = None
) -> str:
    with runtime.sessions() as s:
        stored = create_complaint(
            s,
            channel="sms",
            description=description or "Jalan berlubang di depan SDN 3 Sukamaju sejak tiga bulan",
            privacy=privacy,
            language="id",
            max_attempts=10,
            received_at=utcnow(),
            sender="+6281234567890",
            phone="+6281234567890",
            name="Siti Nurhaliza Rahmawati",
        )
        s.commit()
    return stored.id


def add_update(runtime: Runtime, complaint_id: str, **fields: Any) -> ComplaintUpdate:
    values = {"kind": "followup", "text": "Lubangnya makin lebar.", "channel": "sms", **fields}
    with runtime.sessions() as s:
        update = record_update(s, s.get(Complaint, complaint_id), **values)
        s.commit()
    return update


def drain(runtime: Runtime, idle_polls: int = 5, **overrides: Any) -> None:
    make_worker(runtime, poll_seconds=0.02, **overrides).run(max_idle_polls=idle_polls)


def update_jobs(runtime: Runtime) -> list[OutboxJob]:
    with runtime.sessions() as s:
        return list(
            s.scalars(
                select(OutboxJob).where(OutboxJob.kind == DELIVER_UPDATE_JOB).order_by(OutboxJob.id)
            )
        )


def the_update(runtime: Runtime, complaint_id: str) -> ComplaintUpdate:
    with runtime.sessions() as s:
        [update] = updates_of(s, complaint_id)
    return update


def test_an_update_recorded_before_delivery_waits_and_goes_after_the_complaint(
    make_settings, sandbox
):
    recorder, engine, server = sandbox
    runtime = runtime_for(make_settings, forward_url=server.url)
    complaint_id = file_complaint(runtime)
    update = add_update(runtime, complaint_id)
    assert update.delivery == "pending"

    # a worker kept for updates alone: the complaint is not there, so the update waits
    drain(runtime, idle_polls=2, kinds=[DELIVER_UPDATE_JOB])
    [job] = update_jobs(runtime)
    assert job.status == JobStatus.PENDING and "not at the central system yet" in job.last_error
    assert recorder.seen == []

    drain(runtime)
    assert [path for path, _ in recorder.seen] == ["/requests.json", "/servicerequestupdates.json"]
    with runtime.sessions() as s:
        complaint = s.get(Complaint, complaint_id)
    sent = the_update(runtime, complaint_id)
    assert sent.delivery == "delivered" and sent.delivered_at is not None
    [received] = list_citizen_updates(engine)
    assert received["request_id"] == complaint.central_id
    assert sent.central_update_id == f"U{received['id']}"
    [job] = update_jobs(runtime)
    assert job.status == JobStatus.DONE
    runtime.close()


def test_an_update_that_gave_up_waiting_goes_once_the_complaint_is_delivered(
    make_settings, sandbox
):
    recorder, engine, server = sandbox
    runtime = runtime_for(make_settings, forward_url=server.url)
    complaint_id = file_complaint(runtime)
    add_update(runtime, complaint_id, max_attempts=1)
    drain(runtime, idle_polls=2, kinds=[DELIVER_UPDATE_JOB])
    [job] = update_jobs(runtime)
    assert job.status == JobStatus.DEAD  # its whole budget went on waiting
    drain(runtime)
    [job] = update_jobs(runtime)
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert the_update(runtime, complaint_id).delivery == "delivered"
    assert len(list_citizen_updates(engine)) == 1
    runtime.close()


def test_a_broken_lapor_mapping_never_fails_record_update(make_settings, tmp_path):
    broken = tmp_path / "lapor.toml"
    broken.write_text("wire_format = [", encoding="utf-8")
    runtime = runtime_for(make_settings, forward_target="lapor", lapor_config_file=broken)
    complaint_id = file_complaint(runtime)
    update = add_update(runtime, complaint_id)
    assert update.delivery == "pending" and len(update_jobs(runtime)) == 1
    runtime.close()


def test_open311_update_carries_the_fixmystreet_fields(make_settings, sandbox):
    recorder, engine, server = sandbox
    runtime = runtime_for(make_settings, forward_url=server.url)
    complaint_id = file_complaint(runtime)
    drain(runtime)
    with runtime.sessions() as s:  # the central system closed it; the reporter disagrees
        complaint = s.get(Complaint, complaint_id)
        complaint.status = "closed"
        s.commit()
    update = add_update(runtime, complaint_id, kind="reopen", text="Belum diperbaiki sama sekali.")
    drain(runtime)

    [form] = recorder.forms("/servicerequestupdates.json")
    assert form["service_request_id"] == [complaint.central_id]
    assert form["update_id"] == [str(update.id)]
    assert form["status"] == ["OPEN"]  # a reopen request leaves it open
    assert form["description"] == ["Permintaan buka kembali\n\nBelum diperbaiki sama sekali."]
    assert form["updated_datetime"][0].endswith("Z")
    # a confidential reporter's identity reaches the agency, as with the complaint
    assert form["first_name"] == ["Siti Nurhaliza"] and form["last_name"] == ["Rahmawati"]
    assert form["public_anonymity_required"] == ["TRUE"]
    [received] = list_citizen_updates(engine)
    assert received["status"] == "OPEN" and received["posts"] == 1
    assert the_update(runtime, complaint_id).delivery == "delivered"
    runtime.close()


def test_feedback_on_a_closed_complaint_says_closed_and_the_rating(make_settings, sandbox):
    recorder, _, server = sandbox
    runtime = runtime_for(make_settings, forward_url=server.url)
    complaint_id = file_complaint(runtime)
    drain(runtime)
    with runtime.sessions() as s:
        s.get(Complaint, complaint_id).status = "closed"
        s.commit()
    add_update(runtime, complaint_id, kind="feedback", rating="not_satisfied", text="")
    drain(runtime)
    [form] = recorder.forms("/servicerequestupdates.json")
    assert form["status"] == ["CLOSED"]
    assert form["description"] == ["Umpan balik pelapor: tidak puas"]
    runtime.close()


def test_webhook_update_is_signed_and_names_its_event(make_settings):
    events: list[dict[str, Any]] = []
    app = Flask(__name__)

    @app.post("/hook")
    def hook():
        body = request.get_data()
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Gateway-Signature", "")):
            return "bad signature", 403
        event = json.loads(body)
        events.append(
            {
                "body": event,
                "key": request.headers["Idempotency-Key"],
                "event": request.headers.get("X-Gateway-Event"),
            }
        )
        if event.get("event") == "complaint.update":
            return jsonify({"id": f"UPD-{event['update_id']}"}), 201
        return jsonify({"id": "C-42"}), 201

    with ServerThread(app) as server:
        runtime = runtime_for(
            make_settings,
            forward_target="webhook",
            forward_url=f"{server.url}/hook",
            forward_api_key=SECRET,
        )
        complaint_id = file_complaint(runtime)
        update = add_update(
            runtime, complaint_id, kind="feedback", rating="satisfied", text="Terima kasih"
        )
        drain(runtime)

    complaint_event, update_event = events  # the complaint first, then its update
    assert complaint_event["key"] == complaint_id and complaint_event["event"] is None
    assert update_event["event"] == "complaint.update"
    assert update_event["key"] == f"update:{update.id}"
    body = update_event["body"]
    assert set(body) == {
        "event",
        "complaint_id",
        "tracking_code",
        "central_id",
        "kind",
        "text",
        "rating",
        "occurred_at",
        "update_id",
    }
    assert body["event"] == "complaint.update" and body["central_id"] == "C-42"
    assert (body["kind"], body["rating"], body["text"]) == ("feedback", "satisfied", "Terima kasih")
    assert body["complaint_id"] == complaint_id and body["update_id"] == str(update.id)
    sent = the_update(runtime, complaint_id)
    assert sent.delivery == "delivered" and sent.central_update_id == f"UPD-{update.id}"
    runtime.close()


def test_a_server_without_updates_keeps_them_for_operators_without_a_dead_letter(
    make_settings, tmp_path
):
    app = create_central_app(tmp_path / "plain.sqlite", offer_updates=False)
    recorder = Recorder(app)
    with ServerThread(recorder) as server:
        runtime = runtime_for(make_settings, forward_url=server.url)
        complaint_id = file_complaint(runtime)
        first = add_update(runtime, complaint_id)
        assert first.delivery == "pending"  # auto: not known yet, so it is tried
        drain(runtime)
        # the worker's process now knows: the next update is kept when it is recorded
        second = add_update(runtime, complaint_id, text="Sudah ada korban jatuh.")
        drain(runtime)

    assert second.delivery == "kept"
    with runtime.sessions() as s:
        assert [u.delivery for u in updates_of(s, complaint_id)] == ["kept", "kept"]
        dead = s.scalars(select(OutboxJob).where(OutboxJob.status == JobStatus.DEAD)).all()
    assert dead == []
    [job] = update_jobs(runtime)  # the second one never had a job
    assert job.status == JobStatus.DONE and job.result == {"delivery": "kept"}
    assert len(recorder.forms("/servicerequestupdates.json")) == 1
    runtime.close()


def test_open311_updates_off_keeps_them_at_once(make_settings, sandbox):
    recorder, _, server = sandbox
    runtime = runtime_for(make_settings, forward_url=server.url, open311_updates="off")
    complaint_id = file_complaint(runtime)
    assert add_update(runtime, complaint_id).delivery == "kept"
    drain(runtime)
    assert update_jobs(runtime) == [] and recorder.forms("/servicerequestupdates.json") == []
    runtime.close()


def test_open311_updates_on_and_a_server_without_them_is_a_dead_letter(make_settings, tmp_path):
    app = create_central_app(tmp_path / "plain.sqlite", offer_updates=False)
    with ServerThread(app) as server:
        runtime = runtime_for(make_settings, forward_url=server.url, open311_updates="on")
        complaint_id = file_complaint(runtime)
        add_update(runtime, complaint_id)
        drain(runtime)
    [job] = update_jobs(runtime)
    assert job.status == JobStatus.DEAD and "HTTP 404" in job.last_error
    assert the_update(runtime, complaint_id).delivery == "pending"
    with runtime.sessions() as s:  # the complaint itself is not failed by its update
        assert s.get(Complaint, complaint_id).status == "submitted"
    runtime.close()


def test_lapor_without_an_update_mapping_keeps_them(make_settings):
    fake = FakeLapor(LAPOR_TOKEN)
    with ServerThread(fake.app) as server:
        runtime = runtime_for(
            make_settings,
            forward_target="lapor",
            forward_url=f"{server.url}/api/stream/addstream",
            forward_api_key=LAPOR_TOKEN,
        )
        complaint_id = file_complaint(runtime)
        update = add_update(runtime, complaint_id)
        drain(runtime)
    assert update.delivery == "kept" and update_jobs(runtime) == []
    assert len(fake.reports) == 1 and fake.updates == []
    assert the_update(runtime, complaint_id).delivery == "kept"
    runtime.close()


def test_lapor_with_an_update_mapping_sends_them(make_settings, tmp_path):
    mapping = tmp_path / "lapor.toml"
    mapping.write_text(LAPOR_UPDATE_MAPPING, encoding="utf-8")
    fake = FakeLapor(LAPOR_TOKEN)
    with ServerThread(fake.app) as server:
        runtime = runtime_for(
            make_settings,
            forward_target="lapor",
            forward_url=f"{server.url}/api/v1/laporan",
            forward_api_key=LAPOR_TOKEN,
            lapor_config_file=mapping,
        )
        complaint_id = file_complaint(runtime)
        update = add_update(runtime, complaint_id, kind="feedback", rating="satisfied", text="")
        drain(runtime)
    [report] = fake.reports
    [sent] = fake.updates
    assert sent["tracking_id"] == report["trackingid"]
    assert sent["id_eksternal"] == str(update.id) and sent["key"] == f"update:{update.id}"
    assert sent["jenis"] == "umpan_balik" and sent["penilaian"] == "satisfied"
    assert sent["buka_kembali"] == 0
    stored = the_update(runtime, complaint_id)
    assert stored.delivery == "delivered" and stored.central_update_id == "T-1"
    runtime.close()


def test_a_retried_update_job_is_kept_once(make_settings, tmp_path):
    """The first POST of the update lands but its answer is lost (the client timed out):
    the retry carries the same update_id and Idempotency-Key, and the server keeps one."""
    inner = create_central_app(tmp_path / "c.sqlite")
    # the complaint's POST goes through; the update's first POST stalls past the timeout
    flaky = FlakyCentral(inner, [None, ("sleep", 1.0)])
    with ServerThread(flaky) as server:
        runtime = runtime_for(make_settings, forward_url=server.url, forward_timeout_seconds=0.3)
        complaint_id = file_complaint(runtime)
        drain(runtime)
        add_update(runtime, complaint_id)
        drain(runtime, idle_polls=20)
        threading.Event().wait(1.0)  # let the stalled first POST finish on the server
    [job] = update_jobs(runtime)
    assert job.status == JobStatus.DONE and job.attempts == 2
    [received] = list_citizen_updates(inner.extensions["central_engine"])
    assert received["posts"] == 2  # it arrived twice and was kept once
    sent = the_update(runtime, complaint_id)
    assert sent.delivery == "delivered" and sent.central_update_id == f"U{received['id']}"
    runtime.close()


def test_an_anonymous_complaints_update_carries_no_identity(make_settings, sandbox):
    recorder, _, server = sandbox
    runtime = runtime_for(make_settings, forward_url=server.url)
    complaint_id = file_complaint(runtime, privacy="anonymous")
    add_update(
        runtime,
        complaint_id,
        text="Oknum itu minta lagi, hubungi saya di 0813-1111-2222 atau siti@example.id",
    )
    drain(runtime)
    [(_, body)] = [(p, b) for p, b in recorder.seen if p == "/servicerequestupdates.json"]
    form = parse_qs(body.decode())
    for field in ("first_name", "last_name", "phone", "email"):
        assert field not in form
    text = body.decode()
    for value in ("Siti", "Rahmawati", "6281234567890", "0813-1111-2222", "1111", "siti%40"):
        assert value not in text
    assert "Oknum+itu+minta+lagi" in text  # the update itself still goes
    assert the_update(runtime, complaint_id).delivery == "delivered"
    runtime.close()


def test_updates_of_a_complaint_go_in_order(make_settings, sandbox):
    recorder, _, server = sandbox
    runtime = runtime_for(make_settings, forward_url=server.url)
    complaint_id = file_complaint(runtime)
    ids = [add_update(runtime, complaint_id, text=f"Tambahan {n}").id for n in range(3)]
    drain(runtime, concurrency=4)
    forms = recorder.forms("/servicerequestupdates.json")
    assert [f["update_id"][0] for f in forms] == [str(i) for i in ids]
    runtime.close()


def test_record_update_refuses_an_unknown_kind_or_rating(make_settings):
    runtime = runtime_for(make_settings, forward_target="webhook")
    complaint_id = file_complaint(runtime)
    with pytest.raises(ValueError):
        add_update(runtime, complaint_id, kind="complaint")
    with pytest.raises(ValueError):
        add_update(runtime, complaint_id, kind="feedback", rating="meh")
    with runtime.sessions() as s:
        assert updates_of(s, complaint_id) == []
    runtime.close()
