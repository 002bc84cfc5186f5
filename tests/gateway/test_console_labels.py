"""Issue 20 through Flask's test client: Indonesian labels and one time zone, the caller's
number checked by length and prefix, and the public status page /lapor/<code>."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from gateway.console import labels
from gateway.console.forms import console_phone
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.web.app import create_app
from tests.gateway.test_central_events import SECRET, push
from tests.gateway.test_console import KEY, add, login

DOC = {
    "channel": "telegram",
    "received_at": "2026-11-02T02:00:00+00:00",
    "title": "Jalan berlubang di Jl. Merdeka",
    "description": "Jalan berlubang di Jl. Merdeka, sudah dua minggu. Saya Budi, 081234567890.",
    "category": {"code": "infrastruktur", "label": "Infrastruktur / Jalan", "confidence": 1.0},
}


def test_labels_and_times_in_the_deployment_zone(make_settings):
    moment = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
    for zone, shown in [
        ("Asia/Jakarta", "2 Des 2026 12:30 WIB"),
        ("Asia/Makassar", "2 Des 2026 13:30 WITA"),
        ("Asia/Jayapura", "2 Des 2026 14:30 WIT"),
    ]:
        app = create_app(make_settings(timezone=zone))
        with app.app_context():
            assert labels.when(moment) == shown
            assert labels.when(moment.isoformat()) == shown
            assert labels.day(moment) == "2 Desember 2026"
        app.extensions["lapor"].close()
    with pytest.raises(ValueError, match="unknown time zone"):
        make_settings(timezone="Asia/Bandung")
    assert labels.status("closed", "resolved") == "Selesai (tuntas)"
    assert labels.event_note("open311 id 1") == "nomor di sistem pusat: 1"
    assert (
        labels.event_note("lapor id 9, transaksi T-1") == "nomor di sistem pusat: 9, transaksi T-1"
    )
    assert labels.group("channel", "callcenter") == "Call center"
    assert labels.group("category", "infrastruktur") == "Infrastruktur / Jalan"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0812 3456 7890", "+6281234567890"),
        ("+62 22 1234567", "+62221234567"),
        ("0812 34", None),  # stored as +62081234 before
        ("08123456789012345", None),  # seventeen digits
        ("0812", None),
    ],
)
def test_caller_numbers_by_length_and_prefix(typed, e164):
    assert console_phone(typed) == e164


def test_phone_check_and_form_refuse_a_short_number(app: Flask):
    add(app, "ani", "operator")
    client = app.test_client()
    login(client, "ani")
    assert client.get("/operator/api/phone?number=0812 34").json == {"valid": False, "e164": None}
    page = client.get("/operator/calls/new").text
    assert 'aria-describedby="hint-phone"' in page
    assert '<details class="coordinates"' in page


def test_public_status_page(app: Flask, make_settings, central):
    client = app.test_client()
    assert client.get("/").headers["Location"] == "/lapor"
    made = client.post(
        "/api/v1/complaints", json={**DOC, "reporter": {"privacy": "public"}}, headers=KEY
    )
    secret = client.post(
        "/api/v1/complaints", json={**DOC, "reporter": {"privacy": "confidential"}}, headers=KEY
    )
    public_code, secret_code = made.json["tracking_code"], secret.json["tracking_code"]
    delivering = Runtime(make_settings(forward_url=central.url))
    make_worker(delivering, only="complaints", poll_seconds=0.02).run(max_idle_polls=2)
    delivering.close()
    events = create_app(make_settings(central_events_secret=SECRET))
    for code in (public_code, secret_code):
        for n, status in enumerate(("dispositioned", "in_progress")):
            event = {"event_id": f"{code}-{n}", "tracking_code": code, "status": status}
            if n:
                event["note"] = "Tim Dinas PUPR meninjau lokasi."
            assert push(events.test_client(), event).json["recorded"] == 1
    events.extensions["lapor"].close()

    page = client.get(f"/lapor/{public_code}")
    assert page.status_code == 200
    text = page.text
    assert "<script" not in text and "script-src" not in page.headers["Content-Security-Policy"]
    assert "Sedang ditindaklanjuti" in text and "Jalan berlubang di Jl. Merdeka" in text
    assert "Tim Dinas PUPR meninjau lokasi." in text
    assert "Budi" not in text and "081234567890" not in text and "Telegram" in text
    assert "2 Nov 2026 09:00 WIB" in text  # 02:00 UTC, in Jakarta

    hidden = client.get(f"/lapor/{secret_code.lower().replace('-', ' ')}")
    assert hidden.status_code == 302 and hidden.headers["Location"] == f"/lapor/{secret_code}"
    text = client.get(f"/lapor/{secret_code}").text
    assert "Sedang ditindaklanjuti" in text
    assert "Jalan berlubang" not in text and "Tim Dinas PUPR" not in text

    missing = client.get("/lapor/LPR-00000000")
    assert missing.status_code == 404 and "tidak ditemukan" in missing.text
    assert client.get("/lapor?kode=bukan kode").status_code == 404
    assert client.get(f"/lapor?kode={public_code}").headers["Location"] == f"/lapor/{public_code}"
