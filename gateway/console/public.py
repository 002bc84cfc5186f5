"""The citizen's status page, ``/lapor/<code>``: what the JSON lookup
(``/api/v1/complaints/<code>``) tells, as a page in Indonesian that a feature-phone
browser shows — no script, one small stylesheet, a form to type a code. Nothing of the
reporter; the complaint's title and the agency's notes only for a public complaint. A link
an SMS can carry; lookups count against the same per-address limit as the JSON one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from gateway.complaints.records import find_by_code, pending_call
from gateway.complaints.sla import complaint_deadlines
from gateway.console import labels
from gateway.runtime import Runtime
from gateway.store.models import ComplaintEvent, ComplaintStatus
from gateway.throttles import LOOKUPS
from normalizer.complaint import Privacy
from normalizer.privacy import mask_identity
from normalizer.tracking import normalize_tracking_code

bp = Blueprint(
    "public",
    __name__,
    template_folder="templates",
    # its own stylesheet address: nothing of the operator console's session machinery
    static_folder="static",
    static_url_path="/lapor/static",
)
# The gateway's own steps: their notes are internal (central ids, errors), never shown.
_INTERNAL = frozenset(
    {
        ComplaintStatus.RECEIVED,
        ComplaintStatus.QUEUED,
        ComplaintStatus.SUBMITTED,
        ComplaintStatus.FAILED,
    }
)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    # the code is in the address: it goes to no other site
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def same(earlier: str, later: str) -> bool:
    return labels.PUBLIC_STATUS.get(earlier) == labels.PUBLIC_STATUS.get(later)


def _runtime() -> Runtime:
    return current_app.extensions["lapor"]


@bp.after_request
def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response


@bp.get("/")
def home() -> Response:
    return redirect(url_for("public.lookup"))


@bp.get("/lapor", strict_slashes=False)
def lookup() -> str | Response | tuple[str, int]:
    typed = request.args.get("kode", "")[:60]
    if typed:
        code = normalize_tracking_code(typed)
        if code:
            return redirect(url_for("public.status", code=code))
        return render_template("public/lookup.html", typed=typed, wrong=True), 404
    return render_template("public/lookup.html", typed="", wrong=False)


@bp.get("/lapor/<code>")
def status(code: str) -> str | Response | tuple[str, int]:
    limit = current_app.extensions.get(LOOKUPS)
    address = request.remote_addr or "-"
    if limit is not None and not limit.allow(address):
        page = render_template("public/lookup.html", typed=code[:60], wrong=False, busy=True)
        return Response(page, 429, headers={"Retry-After": str(limit.retry_after(address))})
    canonical = normalize_tracking_code(code[:60])
    if canonical is None:
        return render_template("public/lookup.html", typed=code[:60], wrong=True), 404
    if canonical != code:
        return redirect(url_for("public.status", code=canonical))
    # The page is rendered after the session closes: rendering asks Flask-Login about a
    # logged-in operator's cookie, and on SQLite a second session would wait on this one.
    with _runtime().sessions() as session:
        row = find_by_code(session, canonical)
        call = pending_call(session, canonical) if row is None else None
        events: list[dict[str, Any]] = []
        deadlines = []
        if row is not None:
            public = row.privacy == Privacy.PUBLIC
            for e in session.scalars(
                select(ComplaintEvent)
                .where(ComplaintEvent.complaint_id == row.id)
                .order_by(ComplaintEvent.created_at, ComplaintEvent.id)
            ):
                note = e.note if public and e.status not in _INTERNAL else None
                if events and not note and same(events[-1]["status"], e.status):
                    continue  # queued after received reads "Diterima" twice to a citizen
                events.append({"status": e.status, "at": e.created_at, "note": mask_identity(note)})
            deadlines = complaint_deadlines(row, _runtime().sla_limits)
            session.expunge(row)
    if row is None and call is None:
        return render_template("public/lookup.html", typed=canonical, wrong=True), 404
    if row is None:
        return render_template("public/status.html", code=canonical, call=call, c=None)
    return render_template(
        "public/status.html",
        code=canonical,
        c=row,
        call=None,
        title=row.document.get("title") if row.privacy == Privacy.PUBLIC else None,
        category=(row.document.get("category") or {}).get("label"),
        events=events,
        deadlines=deadlines,
    )
