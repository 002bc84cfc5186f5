"""Status pull: changes made in the sandbox central reach the citizen exactly once."""

from __future__ import annotations

from sqlalchemy import select

from gateway.models import Complaint, ComplaintEvent
from gateway.runtime import Runtime
from gateway.sandbox.central import set_status
from gateway.status import pull_statuses
from gateway.worker import make_worker
from tests.conftest import TWILIO_TOKEN
from tests.fakes.twilio import TwilioSender


def test_changes_in_the_central_reach_the_citizen_once(
    make_settings, live_gateway, central, fake_twilio
):
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
    runtime.close()


def test_a_target_without_status_pull_is_skipped(make_settings):
    runtime = Runtime(make_settings(forward_target="webhook"))
    assert pull_statuses(runtime) == 0
    runtime.close()
