"""Monitoring and evaluation (monev): how many complaints came in over a period, and how
many were delivered, forwarded to an agency, followed up and completed, how fast, and
how many are past an SLA deadline — by channel, category, region or agency.

Agencies are judged on these figures, so each one is defined once, here:

- received: complaints received in the period (by ``received_at``, Jakarta dates);
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
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Complaint
from gateway.sla import WIB, SlaLimits, complaint_deadlines

GROUPS = {
    "channel": ("Kanal", Complaint.channel),
    "category": ("Kategori", Complaint.category_code),
    "region": ("Wilayah", Complaint.region_name),
    "agency": ("Instansi", Complaint.agency),
}
UNKNOWN = "(belum diketahui)"
_STAGE_COLUMNS = (
    Complaint.received_at,
    Complaint.submitted_at,
    Complaint.forwarded_at,
    Complaint.followed_up_at,
    Complaint.awaiting_feedback_at,
    Complaint.closed_at,
)


@dataclass
class Figures:
    key: str
    received: int = 0
    delivered: int = 0
    forwarded: int = 0
    followed_up: int = 0
    completed: int = 0
    overdue: int = 0
    follow_up_days: list[float] = field(default_factory=list)

    def share(self, count: int) -> float | None:
        return round(100 * count / self.received, 1) if self.received else None

    @property
    def mean_days(self) -> float | None:
        return round(statistics.fmean(self.follow_up_days), 1) if self.follow_up_days else None

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.follow_up_days), 1) if self.follow_up_days else None

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


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of a period given as Jakarta dates, both days included."""
    first = datetime.combine(start, time(0), WIB).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), WIB).astimezone(UTC)
    return first, after


def _add(figures: Figures, row: Any, limits: SlaLimits, now: datetime) -> None:
    figures.received += 1
    figures.delivered += row.submitted_at is not None
    figures.forwarded += row.forwarded_at is not None
    figures.followed_up += row.followed_up_at is not None
    figures.completed += row.closed_at is not None
    if row.followed_up_at is not None:
        seconds = (row.followed_up_at - row.received_at).total_seconds()
        figures.follow_up_days.append(max(seconds, 0) / 86400)
    deadlines = complaint_deadlines(row, limits, now)
    figures.overdue += any(d.overdue and d.done_at is None for d in deadlines)


def build_report(
    session: Session,
    *,
    start: date,
    end: date,
    by: str,
    limits: SlaLimits,
    now: datetime | None = None,
) -> Report:
    if by not in GROUPS:
        raise ValueError(f"group by one of {', '.join(GROUPS)}")
    now = now or datetime.now(UTC)
    first, after = period_bounds(start, end)
    column = GROUPS[by][1]
    rows = session.execute(
        select(column.label("group_key"), *_STAGE_COLUMNS).where(
            Complaint.received_at >= first, Complaint.received_at < after
        )
    )
    groups: dict[str, Figures] = {}
    total = Figures("Semua")
    for row in rows:
        key = row.group_key or UNKNOWN
        _add(groups.setdefault(key, Figures(key)), row, limits, now)
        _add(total, row, limits, now)
    ordered = sorted(groups.values(), key=lambda f: (-f.received, f.key))
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
}


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
    names = ("period_start", "period_end", "by", *CSV_COLUMNS)
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
            ]
        )
    return out.getvalue()
