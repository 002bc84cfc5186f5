"""From a monev figure to the complaints it counts (issue 20): the dashboard's numbers are
links to ``/operator/dashboard/laporan``, the same period, grouping and group, one figure,
paginated. The stage columns are filtered in SQL with the dashboard's own definitions
(gateway.complaints.monev), "overdue" too (the SLA calendar gives one cut-off instant per stage)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request
from sqlalchemy import func, select

from forwarder.sqltypes import utcnow
from gateway.complaints import monev
from gateway.console import labels
from gateway.console.auth import requires
from gateway.store.models import Complaint, Role

PAGE = 50
FIGURES = {
    "received": ("diterima", None),
    "delivered": ("terkirim ke pusat", Complaint.submitted_at),
    "forwarded": ("diteruskan ke instansi", Complaint.forwarded_at),
    "followed": ("ditindaklanjuti", Complaint.followed_up_at),
    "completed": ("selesai", Complaint.closed_at),
    "overdue": ("melewati tenggat SLA", None),
}


def register(bp: Any, runtime_of: Any, period: Any) -> None:
    @bp.get("/dashboard/laporan")
    @requires(Role.SUPERVISOR)
    def dashboard_complaints() -> str:
        runtime = runtime_of()
        start, end = period()
        by = request.args.get("by", "channel")
        by = by if by in monev.GROUPS else "channel"
        group = request.args.get("group")
        figure = request.args.get("figure", "received")
        figure = figure if figure in FIGURES else "received"
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        first, after = monev.period_bounds(start, end, runtime.sla_limits.zone)
        query = select(Complaint).where(
            Complaint.received_at >= first, Complaint.received_at < after
        )
        column = monev.GROUPS[by][1]
        if group == monev.UNKNOWN:
            query = query.where(column.is_(None))
        elif group:
            query = query.where(column == group)
        stage = FIGURES[figure][1]
        if stage is not None:
            query = query.where(stage.is_not(None))
        if figure == "overdue":
            query = query.where(monev.overdue_clause(runtime.sla_limits, utcnow()))
        query = query.order_by(Complaint.received_at.desc(), Complaint.id)
        with runtime.sessions() as db:
            total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
            # a page past the last (however large the number asked) is the last
            page = min(page, max((total + PAGE - 1) // PAGE, 1))
            rows = list(db.scalars(query.offset((page - 1) * PAGE).limit(PAGE)))
            db.expunge_all()
        return render_template(
            "operator/dashboard_complaints.html",
            rows=rows,
            total=total,
            page=page,
            pages=max((total + PAGE - 1) // PAGE, 1),
            figure=figure,
            figure_label=FIGURES[figure][0],
            group=group,
            by=by,
            by_label=monev.GROUPS[by][0],
            start=start,
            end=end,
            group_label=labels.group,
        )


def link_args(start: date, end: date, by: str, group: str | None, figure: str) -> dict[str, Any]:
    args: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat(), "by": by}
    if group and group != "Semua":
        args["group"] = group
    args["figure"] = figure
    return args
