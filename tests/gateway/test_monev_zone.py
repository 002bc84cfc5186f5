"""Monev and SLA in the deployment's zone, counted in SQL: a day (and so a deadline and a
period) ends at midnight in GATEWAY_TIMEZONE, here Asia/Makassar (WITA); the overdue
cut-offs the dashboard filters by in SQL agree with the per-complaint calendar; and the
agencies are ranked on the two figures they are judged on."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gateway.complaints import monev
from gateway.complaints.sla import SlaLimits, complaint_deadlines, deadlines, started_before
from gateway.store.models import Complaint
from gateway.web.app import create_app
from tests.gateway.monev_data import seed
from tests.gateway.test_console import add, login

WITA = ZoneInfo("Asia/Makassar")
WIB = ZoneInfo("Asia/Jakarta")
NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}


def test_a_deadline_ends_at_midnight_in_the_configured_zone():
    # Thursday 23:30 in Jakarta is already Friday 00:30 in Makassar
    received = datetime(2026, 11, 19, 23, 30, tzinfo=WIB).astimezone(UTC)
    [jakarta] = deadlines(received, [], SlaLimits(), now=received)
    [makassar] = deadlines(received, [], SlaLimits(zone=WITA), now=received)
    assert jakarta.due == date(2026, 11, 24)
    assert jakarta.due_at == datetime(2026, 11, 25, tzinfo=WIB)
    assert makassar.due == date(2026, 11, 25)
    assert makassar.due_at == datetime(2026, 11, 26, tzinfo=WITA)
    assert makassar.due_at.astimezone(UTC) == datetime(2026, 11, 25, 16, tzinfo=UTC)


def test_a_period_is_days_in_the_configured_zone():
    first, after = monev.period_bounds(date(2026, 11, 1), date(2026, 11, 30), WITA)
    assert first == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert after == datetime(2026, 11, 30, 16, tzinfo=UTC)


@pytest.mark.parametrize("zone", [WIB, WITA])
@pytest.mark.parametrize("days", [1, 3, 5, 10])
def test_one_cut_off_per_stage_agrees_with_each_complaints_deadline(zone, days):
    # every 5 hours across Christmas, cuti bersama and New Year, seen at every 7 hours
    limits = SlaLimits(days, days, days, zone)
    begin = datetime(2026, 12, 10, tzinfo=UTC)
    nows = [begin + timedelta(hours=7 * i) for i in range(0, 160)]
    for now in nows:
        cut = started_before(days, now, zone)
        for i in range(0, 200):
            start = begin - timedelta(days=20) + timedelta(hours=5 * i)
            if start > now:
                break
            [deadline] = deadlines(start, [], limits, now=now)
            assert deadline.overdue == (start < cut), (start, now)


@pytest.fixture
def seeded(make_settings, central, runtime):
    seed(make_settings, central.url)
    return runtime


@pytest.mark.parametrize("zone", [WIB, WITA])
def test_overdue_counted_in_sql_as_the_calendar_counts_it(seeded, zone):
    limits = SlaLimits(zone=zone)
    with seeded.sessions() as s:
        rows = s.scalars(select(Complaint)).all()
        for now in [
            datetime(2026, 11, d, h, tzinfo=UTC)
            for d in (5, 10, 11, 12, 13, 20)
            for h in (0, 16, 17)
        ]:
            first, after = monev.period_bounds(NOVEMBER["start"], NOVEMBER["end"], zone)
            expected = sum(
                1
                for c in rows
                if first <= c.received_at.replace(tzinfo=UTC) < after
                and any(
                    d.overdue and d.done_at is None for d in complaint_deadlines(c, limits, now)
                )
            )
            report = monev.build_report(s, by="channel", limits=limits, now=now, **NOVEMBER)
            assert report.total.overdue == expected, now
            assert sum(f.overdue for f in report.groups) == expected


def test_agencies_ranked_on_share_followed_up_and_mean_days(seeded):
    with seeded.sessions() as s:
        report = monev.build_report(
            s, by="agency", limits=SlaLimits(), now=datetime(2026, 11, 23, tzinfo=UTC), **NOVEMBER
        )
    ranks = {f.key: (f.rank_followed_up, f.rank_days, f.mean_days) for f in report.groups}
    assert ranks == {
        "Dinas PUPR": (1, 1, 3.0),  # both followed up: the same rank; PUPR in 3 days
        "Dinas Kesehatan": (1, 2, 6.0),
        monev.UNKNOWN: (None, None, None),  # not yet given to an agency: not ranked
    }


def test_the_dashboard_shows_ranks_and_decimal_commas(seeded, app):
    add(app, "sari", "supervisor")
    client = app.test_client()
    login(client, "sari")
    page = client.get("/operator/dashboard?start=2026-11-01&end=2026-11-30&by=agency").text
    assert "<th>Peringkat</th>" in page and 'id="rank-hint"' in page
    pupr = page[page.index('data-group="Dinas PUPR"') :]
    pupr = pupr[: pupr.index("</tr>")]
    assert '<td class="days">3,0 / 3,0</td>' in pupr
    assert '<td class="rank">1 / 1</td>' in pupr
    assert "100,0&nbsp;%" in pupr and "100.0" not in page
    assert 'id="total-mean">4,5<' in page
    exported = client.get(
        "/operator/dashboard.csv?start=2026-11-01&end=2026-11-30&by=agency&format=excel"
    ).text
    rows = {r["Kelompok"]: r for r in csv.DictReader(io.StringIO(exported), delimiter=";")}
    assert rows["Dinas Kesehatan"]["Peringkat ditindaklanjuti"] == "1"
    assert rows["Dinas Kesehatan"]["Peringkat hari sampai tindak lanjut"] == "2"
    assert rows["Semua"]["Peringkat ditindaklanjuti"] == ""


def test_a_makassar_deployment_shows_wita_everywhere(make_settings, central):
    codes = seed(make_settings, central.url)
    app = create_app(make_settings(timezone="Asia/Makassar"))
    try:
        assert app.extensions["lapor"].sla_limits.zone == WITA
        add(app, "sari", "supervisor")
        client = app.test_client()
        login(client, "sari")
        pages = [
            client.get(f"/operator/complaints/{codes[0]}").text,
            client.get(f"/lapor/{codes[0]}").text,
            client.get(
                "/operator/dashboard/laporan?start=2026-11-01&end=2026-11-30&figure=received"
            ).text,
        ]
        for page in pages:
            # read as words: a random CSRF token may well hold the letters "WIB"
            assert "WITA" in page and not re.search(r"(?<![\w-])WIB(?![\w-])", page)
        # received 09:00 WIB is 10:00 WITA
        assert "2 Nov 2026 10:00 WITA" in pages[0]
    finally:
        app.extensions["lapor"].close()
