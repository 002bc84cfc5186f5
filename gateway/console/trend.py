"""The dashboard's weekly trend (issue 20): per week of receipt (Monday to Sunday in the
deployment's zone), how many complaints came in, how many of them were followed up and
completed, and the mean days from receipt to follow-up — counted in SQL, one query,
drawn as a server-rendered SVG (no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.store.models import Complaint

WIDTH, HEIGHT, PAD = 640, 180, 28


@dataclass(frozen=True)
class Week:
    start: date
    received: int
    followed_up: int
    completed: int
    mean_days: float | None


def weekly(db: Session, first: datetime, after: datetime, zone: ZoneInfo) -> list[Week]:
    if db.get_bind().dialect.name == "sqlite":
        # stored as naive UTC text; Indonesian zones keep one offset all year
        offset = (zone.utcoffset(first.replace(tzinfo=None)) or first - first).total_seconds()
        shift = f"{offset / 3600:+g} hours"
        week: Any = func.date(Complaint.received_at, shift, "-6 days", "weekday 1")
        days: Any = func.julianday(Complaint.followed_up_at) - func.julianday(Complaint.received_at)
    else:
        week = func.date(func.date_trunc("week", func.timezone(zone.key, Complaint.received_at)))
        days = func.extract("epoch", Complaint.followed_up_at - Complaint.received_at) / 86400.0
    rows = db.execute(
        select(
            week.label("week"),
            func.count(),
            func.count(Complaint.followed_up_at),
            func.count(Complaint.closed_at),
            func.avg(days),
        )
        .where(Complaint.received_at >= first, Complaint.received_at < after)
        .group_by(week)
        .order_by(week)
    )
    return [
        Week(
            date.fromisoformat(str(w)[:10]),
            int(n),
            int(f),
            int(c),
            None if d is None else round(max(float(d), 0.0), 1),
        )
        for w, n, f, c, d in rows
    ]


def points(weeks: list[Week], values: list[float], top: float) -> str:
    """An SVG polyline's points for ``values`` over the weeks, scaled to ``top``."""
    if not weeks:
        return ""
    step = (WIDTH - 2 * PAD) / max(len(weeks) - 1, 1)
    scale = (HEIGHT - 2 * PAD) / (top or 1)
    return " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - v * scale:.1f}" for i, v in enumerate(values)
    )
