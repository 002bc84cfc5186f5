"""``/api/v1/central/events`` attacked with correctly signed bodies: values of the wrong
type or out of range are 422, never 5xx; a status change the lifecycle does not allow
(gateway.complaints.status.TRANSITIONS) and any event for a complaint not yet delivered are 409;
either way nothing is recorded. A reopen stays possible."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from forwarder.sqltypes import utcnow
from forwarder.targets.webhook import sign
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint, ComplaintEvent, ComplaintUpdate, OutboundMessage
from gateway.web.app import create_app

SECRET = "central-push-secret"
KEY = {"Authorization": "Bearer key-one"}
DOC = {
    "reporter": {"privacy": "confidential", "name": "Budi", "phone": "+6281234567890"},
    "title": "Jalan rusak",
    "description": "Jalan rusak di depan kantor desa Sukamaju sejak banjir bulan lalu.",
    "location": {"text": "Desa Sukamaju", "region_code": "32.17"},
}


def push(client, payload):
    body = json.dumps(payload).encode()
    signature = sign(SECRET, body)
    return client.post(
        "/api/v1/central/events",
        data=body,
        content_type="application/json",
        headers={"X-Gateway-Signature": signature},
    )


@pytest.fixture
def gateway(make_settings, central):
    """An app that knows the push secret, and a way to file (and deliver) complaints."""
    settings = make_settings(central_events_secret=SECRET, forward_url=central.url)
    app = create_app(settings)
    client, runtime = app.test_client(), app.extensions["lapor"]

    def file(*, deliver: bool) -> str:
        answer = client.post("/api/v1/complaints", json=DOC, headers=KEY)
        assert answer.status_code == 201, answer.json
        if deliver:
            worker_runtime = Runtime(settings)
            make_worker(worker_runtime, only="complaints", poll_seconds=0.02).run(max_idle_polls=2)
            worker_runtime.close()
            assert state(runtime, answer.json["tracking_code"])[0] == "submitted"
        return answer.json["tracking_code"]

    yield client, runtime, file
    runtime.close()


def state(runtime, code) -> tuple[str, list[str], int]:
    """The complaint's status, its timeline and how many messages were queued for it."""
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint).where(Complaint.tracking_code == code)).one()
        events = s.scalars(
            select(ComplaintEvent.status)
            .where(ComplaintEvent.complaint_id == complaint.id)
            .order_by(ComplaintEvent.id)
        ).all()
        messages = s.scalar(select(func.count()).select_from(OutboundMessage))
        return complaint.status, list(events), messages


@pytest.mark.parametrize(
    "field, value",
    [
        ("occurred_at", 20240101),
        ("occurred_at", 1.5),
        ("occurred_at", "0001-01-01T00:00:00+14:00"),
        ("occurred_at", "9999-12-31T23:59:59-14:00"),
        ("occurred_at", "1999-12-31T00:00:00Z"),
        ("occurred_at", "kemarin"),
        ("note", {"text": "an object"}),
        ("note", ["a", "list"]),
        ("note", "x" * 5000),
        ("status", {"not": "hashable"}),
        ("status", ["closed"]),
        ("resolution", {"a": 1}),
        ("resolution", "resolved"),  # only with closed
        ("agency", 12),
        ("event_id", "e" * 500),
        ("event_id", True),
        ("tracking_code", {"code": 1}),
        ("central_id", ["SR-1"]),
        ("reopen", "yes"),
    ],
)
def test_bad_values_are_422_and_record_nothing(gateway, field, value):
    client, runtime, file = gateway
    code = file(deliver=True)
    before = state(runtime, code)
    event = {"event_id": "evt-bad", "tracking_code": code, "status": "in_progress"}
    if field == "central_id":
        del event["tracking_code"]
    event[field] = value
    answer = push(client, {"events": [event]})
    assert answer.status_code == 422, (answer.status_code, answer.get_data()[:300])
    assert answer.json["errors"]
    assert state(runtime, code) == before


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_number_standard_json_has_not_is_400_and_records_nothing(gateway, value):
    """NaN and Infinity are Python's, not JSON's: refused as the rest of /api/v1 refuses
    them, not read as a missing time."""
    client, runtime, file = gateway
    code = file(deliver=True)
    before = state(runtime, code)
    event = {"event_id": "evt-nan", "tracking_code": code, "status": "verified"}
    answer = push(client, {"events": [{**event, "occurred_at": value}]})
    assert answer.status_code == 400
    assert state(runtime, code) == before


def test_a_complaint_not_yet_delivered_refuses_events_with_409(gateway):
    client, runtime, file = gateway
    code = file(deliver=False)
    answer = push(
        client,
        {
            "event_id": "close-early",
            "tracking_code": code,
            "status": "closed",
            "resolution": "resolved",
        },
    )
    assert answer.status_code == 409, answer.get_data()[:300]
    assert answer.json["conflicts"][0]["status"] == "queued"
    assert state(runtime, code) == ("queued", ["received", "queued"], 0)


@pytest.mark.parametrize(
    "path, refused",
    [
        (["verified", "in_progress"], "dispositioned"),  # nothing between sends it back
        (["in_progress", "awaiting_feedback"], "verified"),
        (["closed"], "verified"),  # a late or replayed event does not reopen
        (["closed"], "in_progress"),
        (["closed"], "awaiting_feedback"),
    ],
)
def test_a_transition_the_lifecycle_does_not_allow_is_409(gateway, path, refused):
    client, runtime, file = gateway
    code = file(deliver=True)
    for n, status in enumerate(path):
        event = {"event_id": f"ok-{n}", "tracking_code": code, "status": status}
        if status == "closed":
            event["resolution"] = "resolved"
        assert push(client, event).status_code == 200
    if refused == "dispositioned" and path[-1] == "in_progress":
        # in_progress -> dispositioned is a re-routing and allowed; verified is not
        refused = "verified"
    before = state(runtime, code)
    answer = push(client, {"event_id": "wrong", "tracking_code": code, "status": refused})
    assert answer.status_code == 409, answer.get_data()[:300]
    assert state(runtime, code) == before


def test_one_refused_event_refuses_the_whole_batch(gateway):
    client, runtime, file = gateway
    code = file(deliver=True)
    before = state(runtime, code)
    answer = push(
        client,
        {
            "events": [
                {"event_id": "a", "tracking_code": code, "status": "verified"},
                {"event_id": "b", "tracking_code": code, "status": "closed"},
                {"event_id": "c", "tracking_code": code, "status": "dispositioned"},
            ]
        },
    )
    assert answer.status_code == 409 and [c["event_id"] for c in answer.json["conflicts"]] == ["c"]
    assert state(runtime, code) == before


def test_a_replayed_event_is_a_duplicate_not_a_conflict(gateway):
    client, runtime, file = gateway
    code = file(deliver=True)
    first = {"event_id": "v", "tracking_code": code, "status": "verified"}
    assert push(client, first).json["recorded"] == 1
    closing = {"event_id": "c", "tracking_code": code, "status": "closed", "resolution": "resolved"}
    assert push(client, closing).json["recorded"] == 1
    answer = push(client, first)
    assert answer.status_code == 200 and answer.json["duplicates"] == 1


def test_a_reopen_stays_possible(gateway):
    client, runtime, file = gateway
    code = file(deliver=True)
    closing = {
        "event_id": "c1",
        "tracking_code": code,
        "status": "closed",
        "resolution": "resolved",
    }
    assert push(client, closing).status_code == 200
    # the central system says it is a reopen
    reopen = {"event_id": "r1", "tracking_code": code, "status": "verified", "reopen": True}
    assert push(client, reopen).status_code == 200
    assert state(runtime, code)[0] == "verified"
    closing["event_id"] = "c2"
    assert push(client, closing).status_code == 200
    # the citizen told the gateway "not fixed" after it closed: a plain event reopens
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint).where(Complaint.tracking_code == code)).one()
        s.add(
            ComplaintUpdate(
                complaint_id=complaint.id,
                kind="reopen",
                text="belum diperbaiki",
                channel="sms",
                delivery="delivered",
                created_at=utcnow(),
            )
        )
        s.commit()
    again = {"event_id": "r2", "tracking_code": code, "status": "in_progress"}
    assert push(client, again).status_code == 200
    assert state(runtime, code)[0] == "in_progress"
