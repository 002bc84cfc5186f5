"""Calls from call-center systems: ``POST /api/v1/calls`` and ``import-calls``."""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from forwarder.outbox import OutboxJob
from gateway.cli import main
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import CallRecord, Complaint
from gateway.web.app import create_app

KEY = {"Authorization": "Bearer key-one"}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calls"
CALL = json.loads((FIXTURES / "call-jalan-berlubang.json").read_text())


def count(runtime: Runtime, table) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_a_confident_call_becomes_a_complaint_with_its_reserved_code(client, runtime):
    response = client.post("/api/v1/calls", json=CALL, headers=KEY)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "submitted" and body["review_reasons"] == []
    with runtime.sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
        assert complaint.tracking_code == body["tracking_code"]
        assert complaint.channel == "callcenter"
        # progress is told by SMS to the number that called
        assert (complaint.reply_channel, complaint.reply_to) == ("sms", "+6281223456789")
        doc = complaint.document
        assert doc["reporter"] == {
            "privacy": "confidential",
            "name": "Ahmad Fauzi",
            "phone": "+6281223456789",
            "email": None,
            "channel_user_id": None,
        }
        assert "I-Ceta" not in doc["description"]
        assert doc["incident_date"] == "2026-11-19"
        assert doc["source_messages"] == ["call:ICETA-2026-11-20-0042"]
        assert s.scalar(select(func.count()).select_from(OutboxJob)) == 1
    status = client.get(body["links"]["status"]).json
    assert status["status"] == "queued" and status["channel"] == "callcenter"


def test_a_repeated_call_id_is_the_same_call_not_a_second_complaint(client, runtime):
    first = client.post("/api/v1/calls", json=CALL, headers=KEY)
    again = client.post("/api/v1/calls", json=CALL, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json == again.json
    assert count(runtime, Complaint) == 1 and count(runtime, CallRecord) == 1


def test_the_same_call_sent_concurrently_is_taken_once(live_gateway):
    import requests

    url, runtime = live_gateway
    call = {**CALL, "call_id": "race-1"}
    codes: list[tuple[int, str]] = []

    def send() -> None:
        r = requests.post(f"{url}/api/v1/calls", json=call, headers=KEY, timeout=10)
        codes.append((r.status_code, r.json()["tracking_code"]))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(c for c, _ in codes) == [200] * 5 + [201]
    assert len({code for _, code in codes}) == 1
    assert count(runtime, Complaint) == 1 and count(runtime, CallRecord) == 1


def test_an_unsure_draft_waits_for_review_and_its_code_already_answers(client, runtime):
    call = {
        "call_id": "short-1",
        "caller_number": "081234567890",
        "turns": [
            {"speaker": "agent", "text": "Ada yang bisa dibantu?"},
            {"speaker": "caller", "text": "Jalan rusak pak."},
        ],
    }
    response = client.post("/api/v1/calls", json=call, headers=KEY)
    assert response.status_code == 201
    assert response.json["status"] == "needs_review"
    assert response.json["review_reasons"] == ["too_short", "no_location"]
    assert count(runtime, Complaint) == 0 and count(runtime, OutboxJob) == 0
    status = client.get(response.json["links"]["status"])
    assert status.status_code == 200 and status.json["status"] == "received"


def test_confident_calls_wait_when_auto_submit_is_off(make_settings):
    app = create_app(make_settings(calls_auto_submit=False))
    response = app.test_client().post("/api/v1/calls", json=CALL, headers=KEY)
    assert response.json["status"] == "ready"
    assert count(app.extensions["lapor"], Complaint) == 0
    app.extensions["lapor"].close()


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({**CALL, "turns": [{"speaker": "robot", "text": "x"}]}, 422, "turns.0.speaker"),
        ({**CALL, "call_id": ""}, 422, "call_id"),
        ({**CALL, "privacy": "secret"}, 422, "privacy"),
        ({**CALL, "started_at": "kemarin"}, 422, "started_at"),
        ({**CALL, "surprise": 1}, 422, "surprise"),
        ({k: v for k, v in CALL.items() if k != "turns"}, 422, "call"),
        ({**CALL, "location": {"lat": 91}}, 422, "location.lat"),
    ],
)
def test_bad_calls_are_4xx_and_store_nothing(client, runtime, body, status, field):
    response = client.post("/api/v1/calls", json=body, headers=KEY)
    assert response.status_code == status
    assert field in {e["field"] for e in response.json["errors"]}
    assert count(runtime, CallRecord) == 0


def test_auth_malformed_and_oversized(client, runtime, make_settings):
    assert client.post("/api/v1/calls", json=CALL).status_code == 401
    bad_key = {"Authorization": "Bearer wrong"}
    assert client.post("/api/v1/calls", json=CALL, headers=bad_key).status_code == 401
    raw = client.post("/api/v1/calls", data=b"\xff{", headers=KEY, content_type="application/json")
    assert raw.status_code == 400
    assert client.post("/api/v1/calls", json=[CALL], headers=KEY).status_code == 400
    # a long call is fine (beyond the webhook limit), a huge body is not
    long_call = {**CALL, "call_id": "long", "turns": CALL["turns"] * 80}
    assert len(json.dumps(long_call)) > 65536
    assert client.post("/api/v1/calls", json=long_call, headers=KEY).status_code == 201
    huge = {**CALL, "call_id": "huge", "summary": "x" * 1_100_000}
    assert client.post("/api/v1/calls", json=huge, headers=KEY).status_code == 413
    assert count(runtime, CallRecord) == 1


def test_openapi_document_publishes_the_call_format(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    body = doc["paths"]["/api/v1/calls"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Call"}
    call = doc["components"]["schemas"]["Call"]
    assert {"call_id", "turns", "caller_number", "category", "location", "privacy"} <= set(
        call["properties"]
    )
    assert doc["components"]["schemas"]["Turn"]["properties"]["speaker"]
    refs = [v for v in _walk(doc) if isinstance(v, str) and v.startswith("#/")]
    for ref in refs:  # every reference resolves inside the document
        node = doc
        for part in ref[2:].split("/"):
            node = node[part]


def _walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_caller_hears_by_sms_when_the_central_accepts(make_settings, central, fake_twilio):
    fake, twilio = fake_twilio
    settings = make_settings(forward_url=central.url, twilio_api_url=twilio.url)
    app = create_app(settings)
    body = app.test_client().post("/api/v1/calls", json=CALL, headers=KEY).json
    worker = Runtime(settings)
    make_worker(worker, poll_seconds=0.02).run(max_idle_polls=3)
    worker.close()
    app.extensions["lapor"].close()
    [sms] = [m for m in fake.messages if body["tracking_code"] in m["body"]]
    assert sms["to"] == "+6281223456789" and sms["from"] == "+62215550100"


def summary(output: str) -> dict[str, int]:
    """The counts of import-calls' closing summary."""
    found = re.findall(r"^\s*([a-z ]+):\s+(\d+)$", output, re.MULTILINE)
    return {label.strip(): int(value) for label, value in found}


def test_import_calls_every_format_twice(make_settings, tmp_path, monkeypatch):
    settings = make_settings()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("GATEWAY_INSTANCE_PATH", str(tmp_path / "instance"))
    folder = tmp_path / "transcripts"
    shutil.copytree(FIXTURES, folder / "batch")
    runner = CliRunner()
    first = runner.invoke(main, ["import-calls", str(folder)])
    assert first.exit_code == 1, first.output  # some files are bad; the rest went in
    out = first.stdout
    assert summary(out) == {
        "files read": 9,
        "calls imported": 9,
        "submitted": 8,
        "drafts to review": 1,
        "duplicates": 0,
        "failed": 3,
    }
    assert "rusak.vtt: no cues with text" in out
    assert "biner.txt: not UTF-8 text" in out
    assert "turns.csv call T-101: row 8: unknown speaker 'Narator'" in out
    assert "import-calls: 100%" in first.stderr  # the progress bar

    again = runner.invoke(main, ["import-calls", "--quiet", str(folder)])
    assert summary(again.stdout)["calls imported"] == 0
    assert summary(again.stdout)["duplicates"] == 9
    assert "import-calls:" not in again.stderr
    runtime = Runtime(settings)
    assert count(runtime, CallRecord) == 9 and count(runtime, Complaint) == 8
    runtime.close()


def test_import_a_missing_path_is_a_failure_not_a_crash(make_settings, tmp_path, monkeypatch):
    settings = make_settings()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.resolved_database_url)
    good = tmp_path / "one.json"
    good.write_text(json.dumps(CALL))
    result = CliRunner().invoke(main, ["import-calls", str(tmp_path / "nope.txt"), str(good)])
    assert result.exit_code == 1
    assert summary(result.stdout)["calls imported"] == 1 and "nope.txt:" in result.output


def test_a_code_read_out_on_the_phone_answers_status_by_sms(live_gateway, sms):
    import requests

    url, _ = live_gateway
    call = {"call_id": "wait-1", "turns": [{"speaker": "caller", "text": "Listrik mati."}]}
    taken = requests.post(f"{url}/api/v1/calls", json=call, headers=KEY, timeout=10).json()
    assert taken["status"] == "needs_review"
    [reply] = sms("+6281211112222").say(f"STATUS {taken['tracking_code']}")
    assert taken["tracking_code"] in reply and "Diterima" in reply
