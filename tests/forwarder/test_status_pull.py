"""Status pull: changes made in the sandbox central reach the citizen exactly once."""

from __future__ import annotations

import logging

from sqlalchemy import select

from gateway.jobs.status_pull import pull_statuses
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint, ComplaintEvent
from sandbox.central import set_status
from sandbox.citizens import TwilioSender
from tests.conftest import TWILIO_TOKEN


def test_changes_in_the_central_reach_the_citizen_once(
    make_settings, live_gateway, central, fake_twilio, caplog
):
    caplog.set_level(logging.INFO)
    url, _ = live_gateway
    fake, twilio_server = fake_twilio
    TwilioSender(url, TWILIO_TOKEN, "+6281234567890").say(
        "LAPOR Lampu jalan di gang Mawar mati sudah seminggu LOKASI Gang Mawar, Kota Bandung"
    )
    runtime = Runtime(
        make_settings(
            forward_url=central.url,
            twilio_api_url=twilio_server.url,
            public_url=url,
            status_poll_seconds=0.01,
        )
    )
    worker = make_worker(runtime, poll_seconds=0.02)
    worker.run(max_idle_polls=3)
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
    assert complaint.status == "submitted"
    engine = central.server.app.extensions["central_engine"]

    set_status(engine, int(complaint.central_id), "in_progress", "Petugas PLN dijadwalkan besok")
    assert pull_statuses(runtime) == 1
    assert pull_statuses(runtime) == 0  # nothing new: nothing recorded, nothing sent
    set_status(engine, int(complaint.central_id), "fixed", "Lampu sudah menyala kembali")
    worker.run(max_idle_polls=3)  # the worker pulls on its own, then sends
    assert pull_statuses(runtime) == 0

    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
        statuses = s.scalars(select(ComplaintEvent.status).order_by(ComplaintEvent.id)).all()
    assert (complaint.status, complaint.resolution) == ("closed", "resolved")
    assert statuses == ["received", "queued", "submitted", "in_progress", "closed"]
    worker.run(max_idle_polls=2)
    bodies = [m["body"] for m in fake.messages]
    assert sum("Sedang ditindaklanjuti" in b and "PLN" in b for b in bodies) == 1
    assert sum("Selesai (tuntas)" in b for b in bodies) == 1
    assert all(complaint.tracking_code in b for b in bodies)
    # the worker's log: a line per delivery and per change, naming the code, never the
    # reporter or what they wrote
    code = complaint.tracking_code
    said = [r.getMessage() for r in caplog.records if code in r.getMessage()]
    assert f"complaint {code} delivered to open311 as {complaint.central_id}" in said
    assert f"complaint {code} is in_progress (from open311)" in said
    assert f"complaint {code} is closed (resolved) (from open311)" in said
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "+6281234567890" not in logged and "Mawar" not in logged
    runtime.close()


def test_a_target_without_status_pull_is_skipped(make_settings):
    runtime = Runtime(make_settings(forward_target="webhook"))
    assert pull_statuses(runtime) == 0
    runtime.close()


def filed_and_delivered(make_settings, live_gateway, central_url, twilio_url, **extra):
    url, _ = live_gateway
    TwilioSender(url, TWILIO_TOKEN, "+6281234567891").say(
        "LAPOR Saluran air depan SDN 2 mampet, jalan tergenang LOKASI Kelurahan Sukajadi"
    )
    runtime = Runtime(
        make_settings(
            forward_url=central_url,
            twilio_api_url=twilio_url,
            public_url=url,
            status_poll_seconds=0,
            **extra,
        )
    )
    make_worker(runtime, poll_seconds=0.02).run(max_idle_polls=3)
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
    assert complaint.status == "submitted"
    return runtime, complaint


def test_the_update_feed_brings_every_note_once(make_settings, live_gateway, central, fake_twilio):
    fake, twilio_server = fake_twilio
    runtime, complaint = filed_and_delivered(
        make_settings, live_gateway, central.url, twilio_server.url, status_pull_mode="updates"
    )
    engine = central.server.app.extensions["central_engine"]
    request_id = int(complaint.central_id)
    set_status(engine, request_id, "in_progress", "Petugas survei lokasi hari ini")
    set_status(engine, request_id, "in_progress", "Pengerukan saluran dimulai")
    # the current state alone would show only the second note; the feed has both
    assert pull_statuses(runtime) == 2
    assert pull_statuses(runtime) == 0
    with runtime.sessions() as s:
        notes = s.scalars(
            select(ComplaintEvent.note).where(ComplaintEvent.status == "in_progress")
        ).all()
        marked = s.get(Complaint, complaint.id)
        assert marked.followed_up_at is not None and marked.forwarded_at is not None
    assert notes == ["Petugas survei lokasi hari ini", "Pengerukan saluran dimulai"]
    make_worker(runtime, poll_seconds=0.02).run(max_idle_polls=2)
    bodies = [m["body"] for m in fake.messages]
    assert sum("survei" in b for b in bodies) == 1 and sum("Pengerukan" in b for b in bodies) == 1
    runtime.close()


def test_a_server_without_the_feed_is_asked_per_request(
    make_settings, live_gateway, fake_twilio, tmp_path
):
    from flask import abort, request

    from sandbox.central import create_central_app
    from sandbox.server import ServerThread

    plain = create_central_app(tmp_path / "plain.sqlite")

    @plain.before_request
    def _no_feed() -> None:
        if request.path.endswith("servicerequestupdates.json"):
            abort(404)

    _, twilio_server = fake_twilio
    with ServerThread(plain) as server:
        runtime, complaint = filed_and_delivered(
            make_settings, live_gateway, server.url, twilio_server.url
        )
        engine = plain.extensions["central_engine"]
        set_status(engine, int(complaint.central_id), "action_scheduled", "Diteruskan ke DPUPR")
        assert pull_statuses(runtime) == 1
        assert pull_statuses(runtime) == 0
        with runtime.sessions() as s:
            assert s.get(Complaint, complaint.id).status == "dispositioned"
        runtime.close()
