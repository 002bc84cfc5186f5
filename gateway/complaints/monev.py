"""Monitoring and evaluation (monev): how many complaints came in over a period, and how
many were delivered, forwarded to an agency, followed up and completed, how fast, and
how many are past an SLA deadline — by channel, category, region or agency.

Agencies are judged on these figures, so each one is defined once, here:

- received: complaints received in the period (by ``received_at``, dates in the
  deployment's zone);
- delivered: the central system accepted them (``submitted_at`` known);
- forwarded: the central system gave them to an agency (dispositioned or later);
- followed up: the agency acted (in progress, awaiting feedback or closed);
- completed: closed, whatever the resolution;
- days to follow-up: calendar days from receipt to the first follow-up, mean and median;
- overdue: a stage whose SLA deadline has passed and that is still not done.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gateway.complaints.sla import WIB, SlaLimits, started_before
from gateway.store.models import Complaint

GROUPS = {
    "channel": ("Kanal", Complaint.channel),
    "category": ("Kategori", Complaint.category_code),
    "region": ("Wilayah", Complaint.region_name),
    "agency": ("Instansi", Complaint.agency),
}
UNKNOWN = "(belum diketahui)"


@dataclass
class Figures:
    key: str
    received: int = 0
    delivered: int = 0
    forwarded: int = 0
    followed_up: int = 0
    completed: int = 0
    overdue: int = 0
    mean_days: float | None = None
    median_days: float | None = None
    # Among the groups of a period (agencies above all, which are judged on these two):
    # 1 is the highest share followed up, and the fewest mean days to follow-up.
    rank_followed_up: int | None = None
    rank_days: int | None = None

    def share(self, count: int) -> float | None:
        return round(100 * count / self.received, 1) if self.received else None

    def as_row(self) -> dict[str, Any]:
        return {
            "group": self.key,
            "received": self.received,
            "delivered_pct": self.share(self.delivered),
            "forwarded_pct": self.share(self.forwarded),
            "followed_up_pct": self.share(self.followed_up),
            "completed_pct": self.share(self.completed),
            "mean_days_to_follow_up": self.mean_days,
            "median_days_to_follow_up": self.median_days,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class Report:
    by: str
    start: date
    end: date
    groups: list[Figures]
    total: Figures


def period_bounds(start: date, end: date, zone: ZoneInfo = WIB) -> tuple[datetime, datetime]:
    """The UTC instants of a period given as dates in the deployment's zone, both days
    included."""
    first = datetime.combine(start, time(0), zone).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return first, after


def overdue_clause(limits: SlaLimits, now: datetime) -> ColumnElement[bool]:
    """A complaint with a stage past its SLA deadline and still not done, as SQL: the
    same stages as gateway.complaints.sla.complaint_deadlines, each against one cut-off instant."""
    c = Complaint
    forward_cut = started_before(limits.forward_days, now, limits.zone)
    follow_cut = started_before(limits.follow_up_days, now, limits.zone)
    close_cut = started_before(limits.close_days, now, limits.zone)
    not_followed = and_(
        c.followed_up_at.is_(None), c.awaiting_feedback_at.is_(None), c.closed_at.is_(None)
    )
    return or_(
        and_(c.forwarded_at.is_(None), not_followed, c.received_at < forward_cut),
        and_(c.forwarded_at.is_not(None), not_followed, c.forwarded_at < follow_cut),
        and_(
            c.awaiting_feedback_at.is_not(None),
            or_(c.closed_at.is_(None), c.closed_at < c.awaiting_feedback_at),
            c.awaiting_feedback_at < close_cut,
        ),
    )


def follow_up_days(session: Session) -> Any:
    """Days from receipt to follow-up as SQL (NULL when not followed up)."""
    if session.get_bind().dialect.name == "sqlite":
        days: Any = func.julianday(Complaint.followed_up_at) - func.julianday(Complaint.received_at)
    else:
        days = func.extract("epoch", Complaint.followed_up_at - Complaint.received_at) / 86400.0
    # a follow-up stamped before receipt (clocks of two systems) counts as the same day
    return case((days < 0, 0.0), else_=days)


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _medians(session: Session, key: Any, where: Any, days: Any) -> dict[Any, float]:
    """The median days to follow-up per ``key`` (None: the whole period, under the key
    None), in SQL: the middle row, or the mean of the two middle rows, of each group's
    days in order."""
    by = {"partition_by": key} if key is not None else {}
    inner = (
        select(
            (key if key is not None else literal(None)).label("k"),
            days.label("d"),
            func.row_number().over(order_by=days, **by).label("n"),
            func.count().over(**by).label("size"),
        )
        .where(where, Complaint.followed_up_at.is_not(None))
        .subquery()
    )
    middle = or_(inner.c.n == (inner.c.size + 1) // 2, inner.c.n == (inner.c.size + 2) // 2)
    rows = session.execute(select(inner.c.k, func.avg(inner.c.d)).where(middle).group_by(inner.c.k))
    return {k: float(m) for k, m in rows}


def _rank(groups: list[Figures]) -> None:
    """Competition ranks (1, 2, 2, 4) of the known groups by share followed up and by
    mean days to follow-up; a group without a figure has no rank."""
    known = [f for f in groups if f.key != UNKNOWN and f.received]
    by_share = sorted(known, key=lambda f: -(f.followed_up / f.received))
    for i, f in enumerate(by_share):
        same = (
            i
            and by_share[i - 1].followed_up * f.received == f.followed_up * by_share[i - 1].received
        )
        f.rank_followed_up = by_share[i - 1].rank_followed_up if same else i + 1
    timed = sorted((f for f in known if f.mean_days is not None), key=lambda f: f.mean_days or 0)
    for i, f in enumerate(timed):
        same = i and timed[i - 1].mean_days == f.mean_days
        f.rank_days = timed[i - 1].rank_days if same else i + 1


def build_report(
    session: Session,
    *,
    start: date,
    end: date,
    by: str,
    limits: SlaLimits,
    now: datetime | None = None,
) -> Report:
    """The period's figures per group and in total, counted in SQL (one aggregate per
    group; no complaint row is read into Python)."""
    if by not in GROUPS:
        raise ValueError(f"group by one of {', '.join(GROUPS)}")
    now = now or datetime.now(UTC)
    first, after = period_bounds(start, end, limits.zone)
    column = GROUPS[by][1]
    in_period = and_(Complaint.received_at >= first, Complaint.received_at < after)
    days = follow_up_days(session)
    overdue = case((overdue_clause(limits, now), 1), else_=0)
    figures = (
        func.count(),
        func.count(Complaint.submitted_at),
        func.count(Complaint.forwarded_at),
        func.count(Complaint.followed_up_at),
        func.count(Complaint.closed_at),
        func.coalesce(func.sum(overdue), 0),
        func.avg(days),
    )

    def make(key: str, row: Any) -> Figures:
        n, delivered, forwarded, followed, completed, late, mean = row
        return Figures(
            key, int(n), int(delivered), int(forwarded), int(followed), int(completed),
            int(late), _days(mean),
        )  # fmt: skip

    groups = [
        make(key or UNKNOWN, row)
        for key, *row in session.execute(select(column, *figures).where(in_period).group_by(column))
    ]
    medians = _medians(session, column, in_period, days)
    for f in groups:
        f.median_days = _days(medians.get(None if f.key == UNKNOWN else f.key))
    total_row = session.execute(select(*figures).where(in_period)).one()
    total = make("Semua", total_row)
    total.median_days = _days(_medians(session, None, in_period, days).get(None))
    _rank(groups)
    ordered = sorted(groups, key=lambda f: (-f.received, f.key))
    return Report(by, start, end, ordered, total)


CSV_COLUMNS = (
    "group",
    "received",
    "delivered_pct",
    "forwarded_pct",
    "followed_up_pct",
    "completed_pct",
    "mean_days_to_follow_up",
    "median_days_to_follow_up",
    "overdue",
)


# A cell starting with one of these is a formula to a spreadsheet (=HYPERLINK(…) sends
# the sheet's data away): an agency's name comes from the central system, a region's
# from what was typed. Such a cell gets an apostrophe in front, which marks it as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` safe to open in a spreadsheet; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# The CSV's headers, in Indonesian: the file is read by supervisors in a spreadsheet.
CSV_HEADERS = {
    "period_start": "Awal periode",
    "period_end": "Akhir periode",
    "by": "Menurut",
    "group": "Kelompok",
    "received": "Diterima",
    "delivered_pct": "Terkirim ke pusat (%)",
    "forwarded_pct": "Diteruskan (%)",
    "followed_up_pct": "Ditindaklanjuti (%)",
    "completed_pct": "Selesai (%)",
    "mean_days_to_follow_up": "Rata-rata hari sampai tindak lanjut",
    "median_days_to_follow_up": "Median hari sampai tindak lanjut",
    "overdue": "Melewati tenggat SLA",
    "rank_followed_up": "Peringkat ditindaklanjuti",
    "rank_days": "Peringkat hari sampai tindak lanjut",
}
# Grouped by agency, the ranks follow (1 = best; an agency's place among the others).
RANK_COLUMNS = ("rank_followed_up", "rank_days")


def to_csv(
    report: Report,
    *,
    separator: str = ",",
    decimal: str = ".",
    group_name: Callable[[str, str], str] | None = None,
) -> str:
    """The report as CSV with Indonesian headers; ``separator=";"`` and ``decimal=","``
    for a spreadsheet set to Indonesian, where the comma is the decimal mark.
    ``group_name`` names a group's key (a channel's or category's label)."""
    out = io.StringIO()
    ranks = RANK_COLUMNS if report.by == "agency" else ()
    names = ("period_start", "period_end", "by", *CSV_COLUMNS, *ranks)
    writer = csv.writer(out, delimiter=separator)
    writer.writerow([CSV_HEADERS[n] for n in names])
    figures: Iterable[Figures] = [*report.groups, report.total]

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, float):
            return str(value).replace(".", decimal)
        return csv_cell(value)

    for f in figures:
        row = f.as_row()
        if group_name is not None and f is not report.total:
            row["group"] = group_name(report.by, row["group"])
        writer.writerow(
            [
                report.start.isoformat(),
                report.end.isoformat(),
                GROUPS[report.by][0],
                *(cell(row[k]) for k in CSV_COLUMNS),
                *(cell(getattr(f, k)) for k in ranks),
            ]
        )
    return out.getvalue()
