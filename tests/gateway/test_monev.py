"""The monev figures against a seeded month, the dashboard page and its CSV, and the
operations side: Prometheus metrics and structured logs."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, date, datetime

import pytest

from gateway.complaints import monev
from gateway.complaints.sla import SlaLimits
from tests.gateway.monev_data import seed
from tests.gateway.test_console import add, login

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}


@pytest.fixture
def seeded(make_settings, central, runtime):
    seed(make_settings, central.url)
    return runtime


def report(runtime, by):
    with runtime.sessions() as s:
        return monev.build_report(s, by=by, limits=SlaLimits(), now=NOW, **NOVEMBER)


def test_totals_over_the_period(seeded):
    total = report(seeded, "channel").total
    assert total.received == 4  # October's is outside the period
    assert total.share(total.delivered) == 100.0
    assert total.share(total.forwarded) == 75.0
    assert total.share(total.followed_up) == 50.0
    assert total.share(total.completed) == 25.0
    assert (total.mean_days, total.median_days) == (4.5, 4.5)
    assert total.overdue == 2


def test_by_channel_and_by_agency(seeded):
    by_channel = {f.key: f.as_row() for f in report(seeded, "channel").groups}
    assert list(by_channel) == ["sms", "telegram", "whatsapp"]
    assert by_channel["sms"] | {} == {
        "group": "sms",
        "received": 2,
        "delivered_pct": 100.0,
        "forwarded_pct": 100.0,
        "followed_up_pct": 100.0,
        "completed_pct": 50.0,
        "mean_days_to_follow_up": 4.5,
        "median_days_to_follow_up": 4.5,
        "overdue": 0,
    }
    assert by_channel["whatsapp"]["forwarded_pct"] == 100.0
    assert by_channel["whatsapp"]["overdue"] == 1
    assert by_channel["telegram"]["forwarded_pct"] == 0.0
    assert by_channel["telegram"]["mean_days_to_follow_up"] is None
    by_agency = {f.key: f.received for f in report(seeded, "agency").groups}
    assert by_agency == {"(belum diketahui)": 2, "Dinas Kesehatan": 1, "Dinas PUPR": 1}
    by_category = {f.key: f.received for f in report(seeded, "category").groups}
    assert by_category == {"infrastruktur": 2, "kesehatan": 1, "lainnya": 1}


def test_dashboard_page_and_csv_for_supervisors_only(seeded, app):
    add(app, "sari", "supervisor")
    add(app, "ani", "operator")
    client = app.test_client()
    login(client, "sari")
    page = client.get("/operator/dashboard?start=2026-11-01&end=2026-11-30&by=channel")
    assert page.status_code == 200
    assert 'id="total-received">4<' in page.text and 'id="total-overdue">2<' in page.text
    assert 'id="total-forwarded">75,0 %<' in page.text
    assert page.text.count("<svg") >= 3 * 5  # a bar per group and figure
    exported = client.get("/operator/dashboard.csv?start=2026-11-01&end=2026-11-30&by=agency")
    assert exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["Kelompok"] for r in rows] == [
        "(belum diketahui)",
        "Dinas Kesehatan",
        "Dinas PUPR",
        "Semua",
    ]
    assert rows[-1]["Diterima"] == "4" and rows[-1]["Melewati tenggat SLA"] == "2"
    assert rows[1]["Rata-rata hari sampai tindak lanjut"] == "6.0"
    assert rows[1]["Menurut"] == "Instansi"
    excel = client.get(
        "/operator/dashboard.csv?start=2026-11-01&end=2026-11-30&by=agency&format=excel"
    )
    rows = list(csv.DictReader(io.StringIO(excel.text), delimiter=";"))
    assert rows[1]["Rata-rata hari sampai tindak lanjut"] == "6,0"
    assert rows[-1]["Selesai (%)"] == "25,0"
    operator = app.test_client()
    login(operator, "ani")
    assert operator.get("/operator/dashboard").status_code == 403
    assert operator.get("/operator/dashboard.csv").status_code == 403


def test_the_complaint_status_shows_its_deadlines(seeded, client):
    with seeded.sessions() as s:
        from sqlalchemy import select

        from gateway.store.models import Complaint

        code = s.scalars(
            select(Complaint.tracking_code).where(Complaint.channel == "whatsapp")
        ).one()
    body = client.get(f"/api/v1/complaints/{code}").json
    forward, follow_up = body["sla"]
    assert forward["stage"] == "forward" and forward["overdue"] is False
    assert forward["done_at"] is not None
    assert (follow_up["due"], follow_up["overdue"], follow_up["done_at"]) == (
        "2026-11-12",
        True,
        None,
    )


def test_metrics_cover_intake_outbox_delivery_and_status(seeded, client):
    text = client.get("/metrics").text
    assert 'lapor_complaints_created_total{channel="sms",source="api"}' in text
    assert 'lapor_delivery_attempts_total{result="ok",target="open311"}' in text
    assert "lapor_delivery_seconds_bucket" in text
    assert 'lapor_status_updates_total{source="central",status="in_progress"}' in text
    assert 'lapor_outbox_jobs{kind="deliver_complaint",status="' not in text  # all done
    assert "lapor_outbox_jobs" in text and "lapor_outbox_oldest_age_seconds" in text


def test_outbox_depth_and_age_are_read_from_the_database(client):
    body = {"reporter": {"privacy": "public"}, "title": "x", "description": "Jalan rusak."}
    client.post("/api/v1/complaints", json=body, headers={"Authorization": "Bearer key-one"})
    text = client.get("/metrics").text
    assert 'lapor_outbox_jobs{kind="deliver_complaint",status="pending"} 1.0' in text
    assert 'lapor_outbox_oldest_age_seconds{kind="deliver_complaint"}' in text


def test_logs_are_json_with_a_request_id_and_no_phone_number(client, capfd):
    from gateway.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [h for h in saved if not getattr(h, "_lapor", False)]
    try:
        configure_logging(fmt="json")
        response = client.post(
            "/api/v1/calls",
            json={"call_id": "log-1", "summary": "Telepon saya 081234567890, tolong."},
            headers={"Authorization": "Bearer key-one", "X-Request-ID": "req-42"},
        )
        assert response.headers["X-Request-ID"] == "req-42"
        logging.getLogger("gateway.test").info("caller 081234567890 asked for status")
        bad = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
        assert bad.headers["X-Request-ID"] != "bad id <script>"
    finally:
        root.handlers = saved
    lines = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    mine = [line for line in lines if line["logger"] == "gateway.test"]
    assert mine and {"time", "level", "logger", "request_id", "message"} <= set(mine[0])
    assert all("081234567890" not in json.dumps(line) for line in lines)
