"""SLA deadlines in working days: weekends, public holidays and cuti bersama skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gateway.complaints.sla import (
    SlaLimits,
    add_working_days,
    deadlines,
    is_working_day,
    working_days_between,
)

LIMITS = SlaLimits(forward_days=3, follow_up_days=5, close_days=10)


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00").astimezone(UTC)


@pytest.mark.parametrize(
    "start, days, due",
    [
        ("2026-11-18", 3, "2026-11-23"),  # Wednesday → across a weekend → Monday
        ("2026-11-20", 3, "2026-11-25"),  # Friday
        ("2026-11-21", 3, "2026-11-25"),  # received on a Saturday
        ("2026-08-14", 3, "2026-08-20"),  # Monday 17 August, Independence Day
        ("2026-12-23", 3, "2026-12-30"),  # 24 Dec cuti bersama, 25 Christmas, weekend
        ("2026-03-18", 3, "2026-03-27"),  # Nyepi, Idulfitri and its cuti bersama
        ("2027-12-31", 1, "2028-01-03"),  # beyond the decreed years: still skips
    ],
)
def test_working_days_skip_weekends_and_holidays(start, days, due):
    assert add_working_days(date.fromisoformat(start), days) == date.fromisoformat(due)


def test_calendar_facts():
    assert not is_working_day(date(2026, 8, 17))  # Proklamasi
    assert not is_working_day(date(2026, 12, 24))  # cuti bersama
    assert not is_working_day(date(2026, 11, 22))  # Sunday
    assert is_working_day(date(2026, 11, 23))
    assert working_days_between(date(2026, 12, 23), date(2026, 12, 30)) == 3


def test_forward_deadline_runs_from_receipt_until_the_end_of_its_last_day():
    received = wib("2026-08-14T16:30")
    [on_time] = deadlines(received, [], LIMITS, now=wib("2026-08-20T23:59"))
    assert on_time.stage == "forward" and on_time.due == date(2026, 8, 20)
    assert not on_time.overdue
    [late] = deadlines(received, [], LIMITS, now=wib("2026-08-21T00:00"))
    assert late.overdue and late.done_at is None


def test_each_stage_starts_when_the_one_before_is_done():
    received = wib("2026-11-16T09:00")  # Monday
    events = [
        ("verified", wib("2026-11-17T10:00")),
        ("dispositioned", wib("2026-11-18T10:00")),  # forwarded on time (due 19th)
        ("in_progress", wib("2026-11-27T10:00")),  # due 25th: followed up late
        ("awaiting_feedback", wib("2026-11-30T10:00")),
    ]
    forward, follow_up, close = deadlines(received, events, LIMITS, now=wib("2026-12-01T08:00"))
    assert (forward.due, forward.overdue) == (date(2026, 11, 19), False)
    assert follow_up.started_at == wib("2026-11-18T10:00")
    assert (follow_up.due, follow_up.done_at, follow_up.overdue) == (
        date(2026, 11, 25),
        wib("2026-11-27T10:00"),
        True,
    )
    # 10 working days after 30 Nov, skipping weekends: 14 December
    assert (close.due, close.done_at, close.overdue) == (date(2026, 12, 14), None, False)


def test_a_status_that_skips_stages_completes_them_at_once():
    received = wib("2026-11-16T09:00")
    events = [("closed", wib("2026-11-17T09:00"))]
    forward, follow_up = deadlines(received, events, LIMITS, now=wib("2026-12-30T00:00"))
    assert forward.done_at == follow_up.done_at == wib("2026-11-17T09:00")
    assert not forward.overdue and not follow_up.overdue
