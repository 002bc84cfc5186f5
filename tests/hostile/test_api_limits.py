"""``/api/v1`` bodies at and past the edges of what they may hold: NaN and infinities,
times no clock can mean (year 1 at +14:00, year 9999 at -14:00), a call of thousands of
turns. Each is a clear 4xx that stores nothing, never a 5xx; the OpenAPI document states
the same limits the code enforces."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from gateway.store.models import CallRecord, Complaint
from gateway.web.openapi import openapi_document
from normalizer.calls import MAX_TURNS

KEY = {"Authorization": "Bearer key-one"}
COMPLAINT = {
    "reporter": {"privacy": "confidential", "name": "Budi", "phone": "+6281234567890"},
    "title": "Jalan rusak",
    "description": "Jalan rusak di depan kantor desa Sukamaju sejak banjir.",
    "category": {"code": "infrastruktur", "label": "Infrastruktur / Jalan", "confidence": 1.0},
    "location": {"text": "Desa Sukamaju", "region_code": "32.17"},
}
CALL = {
    "call_id": "call-limits-1",
    "started_at": "2026-11-20T09:00:00+07:00",
    "ended_at": "2026-11-20T09:05:00+07:00",
    "turns": [
        {"speaker": "agent", "text": "Selamat pagi, layanan pengaduan.", "start": 0.0, "end": 2.5},
        {
            "speaker": "caller",
            "text": "Jalan di depan SDN 3 Sukamaju rusak parah sejak banjir bulan lalu.",
            "start": 3.0,
            "end": 9.0,
        },
    ],
}
FAR_PAST = "0001-01-01T00:00:00+14:00"
FAR_FUTURE = "9999-12-31T23:59:59-14:00"


def stored(runtime) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(Complaint)) + s.scalar(
            select(func.count()).select_from(CallRecord)
        )


def post(client, path, body: str):
    return client.post(path, data=body, content_type="application/json", headers=KEY)


def _with(document: dict, dotted: str, value) -> dict:
    doc = json.loads(json.dumps(document))
    *parents, last = dotted.split(".")
    target = doc
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return doc


NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e999"]


@pytest.mark.parametrize("number", NON_FINITE)
@pytest.mark.parametrize(
    "path, document, field",
    [
        ("/api/v1/complaints", COMPLAINT, "category.confidence"),
        ("/api/v1/complaints", {**COMPLAINT, "location": {"text": "x"}}, "location.lat"),
        ("/api/v1/calls", CALL, "turns.0.start"),
        ("/api/v1/calls", CALL, "location"),
    ],
)
def test_nan_and_infinities_are_4xx(client, runtime, path, document, field, number):
    if field == "location":
        document = {**document, "location": {"text": "Sukamaju", "lat": 0.0, "lon": 0.0}}
        field = "location.lat"
    body = json.dumps(_with(document, field, "@@")).replace('"@@"', number)
    answer = post(client, path, body)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.get_data()[:300])
    assert stored(runtime) == 0


@pytest.mark.parametrize("moment", [FAR_PAST, FAR_FUTURE, "1999-12-31T23:59:59Z"])
@pytest.mark.parametrize(
    "path, document, field",
    [
        ("/api/v1/complaints", COMPLAINT, "received_at"),
        ("/api/v1/complaints", COMPLAINT, "submitted_at"),
        ("/api/v1/complaints", COMPLAINT, "incident_date"),
        ("/api/v1/calls", CALL, "started_at"),
        ("/api/v1/calls", CALL, "ended_at"),
        ("/api/v1/calls", CALL, "incident_date"),
    ],
)
def test_times_no_clock_can_mean_are_422(client, runtime, path, document, field, moment):
    value = moment[:10] if field == "incident_date" else moment
    if path == "/api/v1/calls" and field != "incident_date":
        document = {k: v for k, v in document.items() if k not in ("started_at", "ended_at")}
    answer = post(client, path, json.dumps(_with(document, field, value)))
    assert answer.status_code == 422, (answer.status_code, answer.get_data()[:300])
    assert stored(runtime) == 0


def test_a_call_with_too_many_turns_is_422_and_the_limit_still_works(client, runtime):
    turn = {"speaker": "caller", "text": "Jalan rusak di Sukamaju."}
    for count in (2000, MAX_TURNS + 1):
        body = json.dumps({**CALL, "call_id": f"long-{count}", "turns": [turn] * count})
        answer = post(client, "/api/v1/calls", body)
        assert answer.status_code in (413, 422), (answer.status_code, answer.get_data()[:300])
    assert stored(runtime) == 0
    body = json.dumps({**CALL, "call_id": "at-the-limit", "turns": [turn] * MAX_TURNS})
    answer = post(client, "/api/v1/calls", body)
    assert answer.status_code == 201, (answer.status_code, answer.get_data()[:300])


def test_the_openapi_document_states_the_same_limits():
    schemas = openapi_document()["components"]["schemas"]
    call = schemas["Call"]["properties"]
    assert call["turns"]["maxItems"] == MAX_TURNS
    for name in ("started_at", "ended_at"):
        text = json.dumps(call[name])
        assert "2000-01-01" in text, name
    turn = schemas["Turn"]["properties"]
    assert "allowNaN" not in json.dumps(turn)  # JSON Schema numbers are finite already
    complaint = json.dumps(schemas["Complaint"]["properties"]["received_at"])
    assert "2000-01-01" in complaint


@pytest.mark.parametrize("length", [50, 51, 64])
def test_a_category_code_longer_than_its_column_is_422(client, runtime, length):
    """complaints.category_code is 50 characters: the schema said 64, and PostgreSQL
    answered 51 to 64 with a 500."""
    category = {**COMPLAINT["category"], "code": "k" * length}
    answer = post(client, "/api/v1/complaints", json.dumps({**COMPLAINT, "category": category}))
    if length <= 50:
        assert answer.status_code == 201, answer.get_data()[:300]
    else:
        assert answer.status_code == 422, (answer.status_code, answer.get_data()[:300])
        assert stored(runtime) == 0
