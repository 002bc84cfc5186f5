"""Status events pushed by the central system: signed, recorded once, told to the
citizen on their channel."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from forwarder.targets.webhook import sign
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint, ComplaintEvent, OutboundMessage
from normalizer.gsm import is_gsm7, segments
from sandbox.citizens import TwilioSender
from tests.conftest import TWILIO_TOKEN

SECRET = "central-push-secret"
CODE = re.compile(r"LPR-[0-9A-HJKMNP-TV-Z]{8}")


def push(client, payload, secret=SECRET):
    body = json.dumps(payload).encode()
    signature = sign(secret, body)
    return client.post(
        "/api/v1/central/events",
        data=body,
        content_type="application/json",
        headers={"X-Gateway-Signature": signature},
    )


@pytest.fixture
def gateway(make_settings, live_gateway, central):
    """A filed SMS complaint, delivered to the central system (events for a complaint it
    has not got are refused), and a client of an app that knows the push secret."""
    from gateway.web.app import create_app

    url, runtime = live_gateway
    reply = TwilioSender(url, TWILIO_TOKEN, "+6281234567890").say(
        "LAPOR Jalan berlubang di depan SDN 3 Sukamaju sejak tiga bulan LOKASI Sukamaju"
    )
    code = CODE.search(reply[0]).group()
    delivering = Runtime(make_settings(forward_url=central.url))
    make_worker(delivering, only="complaints", poll_seconds=0.02).run(max_idle_polls=2)
    delivering.close()
    app = create_app(make_settings(central_events_secret=SECRET))
    yield app.test_client(), app.extensions["lapor"], code
    app.extensions["lapor"].close()


def timeline(runtime, code):
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint).where(Complaint.tracking_code == code)).one()
        events = s.scalars(
            select(ComplaintEvent.status)
            .where(ComplaintEvent.complaint_id == complaint.id)
            .order_by(ComplaintEvent.id)
        ).all()
        messages = s.scalars(select(OutboundMessage.text)).all()
    return complaint, events, messages


def test_a_pushed_change_is_recorded_once_and_told_once(gateway, make_settings, fake_twilio):
    client, runtime, code = gateway
    event = {
        "event_id": "evt-1",
        "tracking_code": code,
        "status": "in_progress",
        "note": "Petugas Dinas PUPR dijadwalkan memperbaiki jalan minggu ini.",
        "occurred_at": "2026-11-23T08:00:00+07:00",
    }
    assert push(client, event).json == {"recorded": 1, "duplicates": 0, "unknown": []}
    assert push(client, event).json == {"recorded": 0, "duplicates": 1, "unknown": []}
    complaint, events, messages = timeline(runtime, code)
    assert complaint.status == "in_progress"
    assert events == ["received", "queued", "submitted", "in_progress"]
    [text] = [m for m in messages if "Sedang ditindaklanjuti" in m]  # and "forwarded"
    assert code in text
    assert is_gsm7(text) and segments(text) == 1

    fake, server = fake_twilio
    worker_runtime = Runtime(make_settings(twilio_api_url=server.url))
    make_worker(worker_runtime, poll_seconds=0.02).run(max_idle_polls=2)
    assert [m["body"] for m in fake.messages if code in m["body"]].count(text) == 1
    worker_runtime.close()


def test_closing_with_a_resolution_and_the_public_timeline(gateway):
    client, runtime, code = gateway
    response = push(
        client,
        {
            "events": [
                {"event_id": 10, "tracking_code": code, "status": "verified"},
                {
                    "event_id": 11,
                    "tracking_code": code,
                    "status": "closed",
                    "resolution": "resolved",
                    "note": "Jalan sudah diaspal ulang.",
                },
            ]
        },
    )
    assert response.json["recorded"] == 2
    complaint, events, _ = timeline(runtime, code)
    assert complaint.status == "closed" and complaint.resolution == "resolved"
    public = client.get(f"/api/v1/complaints/{code}").json
    assert [e["status"] for e in public["timeline"]][-2:] == ["verified", "closed"]
    assert "6281234567890" not in json.dumps(public)


def test_lookup_by_central_id_and_unknown_codes(gateway):
    client, runtime, code = gateway
    with runtime.sessions() as s:
        s.scalars(select(Complaint)).one().central_id = "SR-77"
        s.commit()
    response = push(
        client,
        {
            "events": [
                {"event_id": "a", "central_id": "SR-77", "status": "dispositioned"},
                {"event_id": "b", "tracking_code": "LPR-00000000", "status": "verified"},
            ]
        },
    )
    assert response.json == {"recorded": 1, "duplicates": 0, "unknown": ["b"]}


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_bad_signature_changes_nothing(gateway, secret):
    client, runtime, code = gateway
    response = push(
        client, {"event_id": "x", "tracking_code": code, "status": "closed"}, secret=secret or "x"
    )
    if not secret:
        response = client.post("/api/v1/central/events", json={"event_id": "x"})
    assert response.status_code == 403
    assert timeline(runtime, code)[0].status == "submitted"


def test_an_invalid_event_rejects_the_whole_batch(gateway):
    client, runtime, code = gateway
    response = push(
        client,
        {
            "events": [
                {"event_id": "ok", "tracking_code": code, "status": "verified"},
                {"event_id": "bad", "tracking_code": code, "status": "teleported"},
                {
                    "event_id": "bad2",
                    "tracking_code": code,
                    "status": "closed",
                    "resolution": "magic",
                },
            ]
        },
    )
    assert response.status_code == 422 and len(response.json["errors"]) == 2
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ComplaintEvent)) == 3
    assert push(client, []).status_code == 400


def test_without_a_configured_secret_every_push_is_refused(client):
    assert (
        push(
            client, {"event_id": "x", "tracking_code": "LPR-00000000", "status": "closed"}
        ).status_code
        == 403
    )
