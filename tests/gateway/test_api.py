"""``/api/v1`` and the operations endpoints."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from forwarder.outbox import OutboxJob
from gateway.store.models import Complaint

KEY = {"Authorization": "Bearer key-two"}
VALID = {
    "reporter": {"privacy": "confidential", "name": "Budi", "phone": "+6281234567890"},
    "title": "Jalan rusak",
    "description": "Jalan rusak di depan kantor desa Sukamaju sejak banjir.",
    "category": {"code": "infrastruktur", "label": "Infrastruktur / Jalan", "confidence": 1.0},
    "location": {"text": "Desa Sukamaju", "region_code": "32.17"},
}


def rows(runtime) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(Complaint))


def test_complaint_from_a_regional_app_is_stored_and_queued(client, runtime):
    response = client.post("/api/v1/complaints", json=VALID, headers=KEY)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["tracking_code"].startswith("LPR-") and body["status"] == "queued"
    with runtime.sessions() as s:
        row = s.get(Complaint, body["id"])
        assert row.channel == "api" and row.document["location"]["region_code"] == "32.17"
        assert s.scalar(select(func.count()).select_from(OutboxJob)) == 1


def test_repeated_id_returns_the_stored_complaint(client, runtime):
    doc = {**VALID, "id": "regional-app-000123"}
    first = client.post("/api/v1/complaints", json=doc, headers=KEY)
    again = client.post("/api/v1/complaints", json=doc, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json == again.json and rows(runtime) == 1


def test_invalid_complaint_is_422_with_the_failing_fields(client, runtime):
    doc = {**VALID, "channel": "pigeon", "reporter": {"privacy": "secret"}, "extra": 1}
    del doc["description"]
    response = client.post("/api/v1/complaints", json=doc, headers=KEY)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert {"channel", "reporter.privacy", "description", "$"} <= fields
    assert rows(runtime) == 0


def test_api_key_is_required(client, runtime):
    assert client.post("/api/v1/complaints", json=VALID).status_code == 401
    assert (
        client.post(
            "/api/v1/complaints", json=VALID, headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    assert (
        client.post("/api/v1/complaints", json=VALID, headers={"X-API-Key": "key-one"}).status_code
        == 201
    )
    assert rows(runtime) == 1


def test_not_json_is_400(client, runtime):
    for body, ctype in [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("a=b", "application/x-www-form-urlencoded"),
    ]:
        response = client.post("/api/v1/complaints", data=body, content_type=ctype, headers=KEY)
        assert response.status_code == 400
    assert rows(runtime) == 0


def test_oversized_is_413(client, runtime):
    doc = {**VALID, "description": "x" * 70_000}
    assert client.post("/api/v1/complaints", json=doc, headers=KEY).status_code == 413
    assert rows(runtime) == 0


def test_status_by_code_shows_the_timeline_but_never_the_reporter(client):
    created = client.post("/api/v1/complaints", json=VALID, headers=KEY).json
    response = client.get(f"/api/v1/complaints/{created['tracking_code'].lower()}")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "queued"
    assert [e["status"] for e in body["timeline"]] == ["received", "queued"]
    text = json.dumps(body)
    assert "Budi" not in text and "6281234567890" not in text
    assert client.get("/api/v1/complaints/LPR-00000000").status_code == 404


def test_health_readiness_metrics(client, sms):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json["database"] == "ok"
    sms().say("halo")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert b"lapor_inbound_messages_total" in metrics.data


def test_readiness_fails_when_the_database_is_unreachable(make_settings):
    from gateway.web.app import create_app

    app = create_app(
        make_settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"


def test_webhook_answers_503_when_it_cannot_commit(make_settings):
    """Nothing may be acknowledged that was not stored: the provider must retry."""
    from gateway.web.app import create_app
    from sandbox.citizens import new_sid, twilio_signature
    from tests.conftest import TWILIO_TOKEN

    app = create_app(
        make_settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    )
    sid = new_sid()
    form = {"MessageSid": sid, "From": "+6281234567890", "To": "+62215550100", "Body": "halo"}
    url = "https://gateway.test/webhooks/twilio/messages"
    signature = twilio_signature(TWILIO_TOKEN, url, form)
    response = app.test_client().post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 503 and response.headers["Retry-After"]


def test_what_a_regional_app_leaves_out_is_read_from_the_text(client, runtime):
    doc = {
        "reporter": {"privacy": "public"},
        "title": "Air PDAM mati",
        "description": "Air PDAM di perumahan kami mati total sudah empat hari.",
    }
    body = client.post("/api/v1/complaints", json=doc, headers=KEY).json
    with runtime.sessions() as s:
        stored = s.get(Complaint, body["id"]).document
    assert stored["category"]["code"] == "air_bersih"
    assert stored["classification"] == "pengaduan"


def test_a_tracking_code_already_taken_is_409_not_a_crash(client, runtime):
    first = client.post("/api/v1/complaints", json=VALID, headers=KEY).json
    again = client.post(
        "/api/v1/complaints", json={**VALID, "tracking_code": first["tracking_code"]}, headers=KEY
    )
    assert again.status_code == 409 and rows(runtime) == 1


def test_a_time_no_complaint_can_have_is_422_and_stores_nothing(client, runtime):
    body = {**VALID, "received_at": "0001-01-01T00:00:00+00:01"}
    response = client.post("/api/v1/complaints", json=body, headers=KEY)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["received_at"]
    assert rows(runtime) == 0


def test_the_openapi_document_has_every_api_route_and_only_those(app, client):
    from gateway.web.openapi import OPERATIONS

    routes = {
        (method.lower(), rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert {(op.method, op.rule) for op in OPERATIONS} == routes
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert paths["/api/v1/central/events"]["post"]["operationId"] == "centralEvents"
    assert "/api/v1/complaints/{tracking_code}" in paths


def test_the_documented_event_is_what_the_gateway_reads():
    """The CentralEvent schema and read_central_event agree on a valid and an invalid event."""
    from jsonschema import Draft202012Validator

    from gateway.complaints.status import read_central_event
    from gateway.web.openapi import central_event_schema

    schema = Draft202012Validator(central_event_schema())
    good = {"event_id": "e-1", "tracking_code": "LPR-ABCDEFGH", "status": "verified"}
    bad = {"event_id": "e-2", "tracking_code": "LPR-ABCDEFGH", "status": "lost"}
    assert schema.is_valid(good) and read_central_event(good)[1] == []
    assert not schema.is_valid(bad) and read_central_event(bad)[1]
