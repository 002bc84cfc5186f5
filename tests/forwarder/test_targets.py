"""Delivery targets over real HTTP: Open311 against the sandbox central, the webhook
against a receiver that checks the signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading

import pytest
import requests
from flask import Flask, jsonify, request

from forwarder.errors import PermanentError, RetryableError
from forwarder.targets.open311 import Open311Target, request_form, split_name
from forwarder.targets.webhook import WebhookTarget
from normalizer.complaint import outbound_document
from sandbox.server import ServerThread

DOC = {
    "schema": "lapor-gateway/complaint@1",
    "id": "7d1f3c1e-0000-4000-8000-000000000001",
    "tracking_code": "LPR-7K3M9Q2X",
    "channel": "sms",
    "received_at": "2026-11-23T10:00:00Z",
    "submitted_at": None,
    "reporter": {
        "privacy": "confidential",
        "name": "Siti Nurhaliza Rahmawati",
        "phone": "+6281234567890",
        "email": "siti@example.id",
        "channel_user_id": "+6281234567890",
    },
    "title": "Jalan berlubang",
    "description": "Jalan berlubang di depan SDN 3 sejak tiga bulan.",
    "language": "id",
    "classification": "pengaduan",
    "category": {"code": "infrastruktur", "label": "Infrastruktur / Jalan", "confidence": 0.9},
    "location": {
        "text": "Jl. Raya Sukamaju",
        "lat": -6.9,
        "lon": 107.6,
        "region_code": None,
        "region_name": None,
    },
    "incident_date": None,
    "attachments": [
        {
            "url": "https://gw.test/a/1.jpg",
            "content_type": "image/jpeg",
            "size": None,
            "sha256": None,
        },
        {
            "url": "https://gw.test/a/2.jpg",
            "content_type": "image/jpeg",
            "size": None,
            "sha256": None,
        },
    ],
    "source_messages": ["SM1"],
    "duplicate_of": None,
}
CODES = {"infrastruktur": "INFRA", "lainnya": "OTHER"}


def test_open311_form_maps_fields_and_identity_for_confidential():
    form = dict(request_form(DOC, CODES, "k"))
    assert form["service_code"] == "INFRA" and form["api_key"] == "k"
    assert form["lat"] == "-6.9" and form["long"] == "107.6"
    assert form["attribute[location_text]"] == "Jl. Raya Sukamaju"
    assert form["media_url"] == "https://gw.test/a/1.jpg"
    assert form["attribute[media_url_2]"] == "https://gw.test/a/2.jpg"
    assert form["first_name"] == "Siti Nurhaliza" and form["last_name"] == "Rahmawati"
    assert form["phone"] == "+6281234567890" and form["email"] == "siti@example.id"
    assert form["attribute[tracking_code]"] == "LPR-7K3M9Q2X"
    assert form["attribute[privacy]"] == "confidential"


def test_open311_form_for_anonymous_carries_no_identity():
    doc = outbound_document({**DOC, "reporter": {**DOC["reporter"], "privacy": "anonymous"}})
    form = request_form(doc, CODES, "")
    flat = json.dumps(form)
    for value in ("Siti", "6281234567890", "siti@example.id"):
        assert value not in flat
    assert not {"first_name", "last_name", "phone", "email"} & {k for k, _ in form}


def test_open311_address_string_without_coordinates_and_fallback_service():
    doc = {**DOC, "location": {"text": "Pasar Kramat"}, "category": {"code": "zzz"}}
    form = dict(request_form(doc, CODES, ""))
    assert form["address_string"] == "Pasar Kramat" and "lat" not in form
    assert form["service_code"] == "OTHER"


def test_split_name_keeps_single_names_whole():
    assert split_name("Sukarno") == ("Sukarno", None)
    assert split_name("") == (None, None)


def test_open311_delivery_to_sandbox_central(central):
    target = Open311Target(central.url, service_codes=CODES)
    receipt = target.deliver(DOC, "key-1")
    again = target.deliver(DOC, "key-1")  # a redelivery maps to the same request
    assert receipt.central_id and again.central_id == receipt.central_id
    [stored] = requests.get(f"{central.url}/requests/{receipt.central_id}.json", timeout=5).json()
    assert stored["service_code"] == "INFRA" and stored["status"] == "open"
    assert stored["lat"] == -6.9


def test_open311_error_array_is_permanent(central):
    target = Open311Target(central.url, service_codes={"infrastruktur": "NOPE"})
    with pytest.raises(PermanentError, match="service_code"):
        target.deliver(DOC, "key-2")


def test_open311_token_answer_is_accepted():
    app = Flask(__name__)

    @app.post("/requests.json")
    def batch():
        return jsonify([{"token": "tok-123", "service_notice": "queued for review"}]), 201

    with ServerThread(app) as server:
        receipt = Open311Target(server.url, service_codes=CODES).deliver(DOC, "k")
    assert receipt.central_id is None and receipt.token == "tok-123"


def test_unreachable_and_5xx_are_retryable():
    with pytest.raises(RetryableError):
        Open311Target("http://127.0.0.1:9", timeout=1).deliver(DOC, "k")
    app = Flask(__name__)
    app.post("/requests.json")(lambda: ("busy", 503, {"Retry-After": "7"}))
    with ServerThread(app) as server, pytest.raises(RetryableError) as info:
        Open311Target(server.url).deliver(DOC, "k")
    assert info.value.retry_after == 7


def test_timeout_is_retryable():
    app = Flask(__name__)
    answer = threading.Event()

    @app.post("/requests.json")
    def slow():
        answer.wait(10)  # longer than the client waits
        return jsonify([{"service_request_id": "1"}])

    with ServerThread(app) as server:
        with pytest.raises(RetryableError, match="Timeout"):
            Open311Target(server.url, timeout=0.3).deliver(DOC, "k")
        answer.set()


def test_webhook_is_signed_and_carries_the_idempotency_key():
    received = {}
    app = Flask(__name__)

    @app.post("/hook")
    def hook():
        body = request.get_data()
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers["X-Gateway-Signature"]):
            return "bad signature", 403
        received.update(json.loads(body), key=request.headers["Idempotency-Key"])
        return jsonify({"id": "C-42"}), 201

    with ServerThread(app) as server:
        receipt = WebhookTarget(f"{server.url}/hook", secret="s3cret").deliver(DOC, "idem-1")
        with pytest.raises(PermanentError):
            WebhookTarget(f"{server.url}/nowhere", secret="s3cret").deliver(DOC, "idem-1")
        with pytest.raises(RetryableError):  # 403 from a wrong secret is not the content's fault
            WebhookTarget(f"{server.url}/hook", secret="wrong").deliver(DOC, "idem-1")
    assert receipt.central_id == "C-42"
    assert received["tracking_code"] == "LPR-7K3M9Q2X" and received["key"] == "idem-1"


def test_open311_a_point_drawn_from_a_place_goes_with_the_place_and_its_precision():
    location = {
        "text": "Sukasari, Kota Bandung, Jawa Barat",
        "lat": -6.905,
        "lon": 107.65,
        "region_code": "32.73",
        "region_source": "description",
        "precision": "kabupaten_kota",
    }
    form = dict(request_form({**DOC, "location": location}, CODES, ""))
    assert (form["lat"], form["long"]) == ("-6.905", "107.65")
    assert form["address_string"] == "Sukasari, Kota Bandung, Jawa Barat"
    assert form["attribute[location_precision]"] == "kabupaten_kota"
    assert "attribute[location_text]" not in form
    device = {**DOC["location"], "precision": "device"}
    form = dict(request_form({**DOC, "location": device}, CODES, ""))
    assert form["attribute[location_text]"] == "Jl. Raya Sukamaju" and "address_string" not in form
    assert form["attribute[location_precision]"] == "device"
