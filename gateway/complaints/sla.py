"""Service-level deadlines from the public LAPOR! rules, in working days.

A complaint is to be verified and forwarded to the agency within 3 working days of
receipt, followed up within 5 working days of that disposition, and closed 10 working
days after the follow-up when the reporter does not answer. Working days skip weekends
and Indonesian public holidays including cuti bersama (python-holidays' ``public`` and
``government`` categories for Indonesia, which follow the yearly SKB 3 Menteri); a
deadline ends at midnight on its last working day in the deployment's time zone
(``GATEWAY_TIMEZONE``: WIB, WITA or WIT). The limits and the zone are settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from gateway.store.models import Complaint
from gateway.store.models import ComplaintStatus as S

WIB = ZoneInfo("Asia/Jakarta")
# A stage is done when the complaint first reaches one of these statuses.
FORWARDED = frozenset({S.DISPOSITIONED, S.IN_PROGRESS, S.AWAITING_FEEDBACK, S.CLOSED})
FOLLOWED_UP = frozenset({S.IN_PROGRESS, S.AWAITING_FEEDBACK, S.CLOSED})
CLOSED = frozenset({S.CLOSED})


@lru_cache(maxsize=32)
def _days_off(year: int) -> frozenset[date]:
    # imported when a deadline is first counted, not at every process's start (50 ms)
    import holidays
    from holidays.countries import Indonesia

    calendar = holidays.country_holidays(
        "ID", years=year, categories=Indonesia.supported_categories
    )
    return frozenset(calendar)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


@dataclass(frozen=True)
class SlaLimits:
    forward_days: int = 3
    follow_up_days: int = 5
    close_days: int = 10
    # The deployment's zone: a day, and so a deadline, ends at its midnight.
    zone: ZoneInfo = WIB


@dataclass(frozen=True)
class Deadline:
    stage: str  # forward, follow_up, close
    started_at: datetime
    due: date  # the last working day, in the deployment's zone
    done_at: datetime | None
    overdue: bool
    zone: ZoneInfo = WIB

    @property
    def due_at(self) -> datetime:
        """The first instant past the deadline (midnight after ``due`` in the zone)."""
        return datetime.combine(self.due + timedelta(days=1), time(0), self.zone).astimezone(UTC)

    def as_json(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "started_at": self.started_at.isoformat(),
            "due": self.due.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "overdue": self.overdue,
        }


def _first(events: Sequence[tuple[str, datetime]], statuses: Iterable[str]) -> datetime | None:
    wanted = set(statuses)
    return next((at for status, at in events if status in wanted), None)


def _deadline(
    stage: str, start: datetime, days: int, done: datetime | None, now: datetime, zone: ZoneInfo
) -> Deadline:
    due = add_working_days(start.astimezone(zone).date(), days)
    draft = Deadline(stage, start, due, done, False, zone)
    late = (done or now) >= draft.due_at
    return Deadline(stage, start, due, done, late, zone)


def started_before(days: int, now: datetime, zone: ZoneInfo) -> datetime:
    """The instant before which a stage of ``days`` working days that is still not done
    is overdue at ``now``: the deadline grows with the start day, so one cut-off serves
    every complaint and the dashboard filters for "overdue" in SQL."""
    today = now.astimezone(zone).date()
    # overdue when the last working day is before today
    day = today - timedelta(days=1)
    while add_working_days(day, days) >= today:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)


def deadlines(
    received_at: datetime,
    events: Sequence[tuple[str, datetime]],
    limits: SlaLimits,
    now: datetime | None = None,
) -> list[Deadline]:
    """The deadlines that have started for a complaint, given its timeline (status, time)
    in order. A stage starts when the one before it is done."""
    now = now or datetime.now(UTC)
    out = []
    forwarded = _first(events, FORWARDED)
    out.append(_deadline("forward", received_at, limits.forward_days, forwarded, now, limits.zone))
    if forwarded is None:
        return out
    followed = _first(events, FOLLOWED_UP)
    dispositioned = _first(events, {S.DISPOSITIONED}) or forwarded
    out.append(
        _deadline("follow_up", dispositioned, limits.follow_up_days, followed, now, limits.zone)
    )
    awaiting = _first(events, {S.AWAITING_FEEDBACK})
    if awaiting is not None:
        closed = _first([(s, at) for s, at in events if at >= awaiting], CLOSED)
        out.append(_deadline("close", awaiting, limits.close_days, closed, now, limits.zone))
    return out


def complaint_deadlines(
    complaint: Complaint, limits: SlaLimits, now: datetime | None = None
) -> list[Deadline]:
    """``deadlines`` from the stage times kept on the complaint row (no timeline query)."""
    stages = [
        (S.DISPOSITIONED, complaint.forwarded_at),
        (S.IN_PROGRESS, complaint.followed_up_at),
        (S.AWAITING_FEEDBACK, complaint.awaiting_feedback_at),
        (S.CLOSED, complaint.closed_at),
    ]
    events = sorted(((s, at) for s, at in stages if at is not None), key=lambda e: e[1])
    return deadlines(complaint.received_at, events, limits, now)
