"""The console's pages. Each view opens its own database session and commits what it
changed; the pipeline functions it calls (gateway.complaints.calls, gateway.jobs.handlers) are
the same ones the API and the importer use."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forwarder import circuit, outbox
from gateway import metrics
from gateway.complaints import monev
from gateway.complaints.calls import (
    OPEN,
    DraftError,
    discard_call,
    log_call,
    save_fields,
    submit_call,
)
from gateway.complaints.records import DELIVER_JOB, find_by_code
from gateway.complaints.sla import complaint_deadlines
from gateway.complaints.updates import console_timeline
from gateway.console import actions, inbox, labels, trend
from gateway.console.accounts import check_login
from gateway.console.auth import (
    ConsoleUser,
    guard,
    requires,
    security_headers,
)
from gateway.console.forms import ActionForm, CallForm, LoginForm, SearchForm, console_phone
from gateway.jobs.dead_letters import dead_letters, retry_dead_letter
from gateway.runtime import Runtime
from gateway.store.models import CallRecord, CallStatus, Complaint, Operator, OutboundMessage, Role
from normalizer.complaint import outbound_document
from normalizer.phone import to_e164
from normalizer.privacy import mask_identity
from normalizer.region import suggest_regions
from normalizer.tracking import normalize_tracking_code
from normalizer.validation import EARLIEST

bp = Blueprint(
    "operator",
    __name__,
    url_prefix="/operator",
    template_folder="templates",
    static_folder="static",
)
bp.before_request(guard)
bp.after_request(security_headers)

REASON_LABELS = labels.REASON
PAGE = 50
# Endpoints that answer with a file or JSON, never a page with the navigation bar.
NO_PAGE = frozenset({"operator.static", "operator.region_suggestions", "operator.phone_check"})
# What a login's next= may hold: printable ASCII, no space or control character.
_PRINTABLE = re.compile(r"[!-~]*")
STAGE_LABELS = {
    "forward": "Verifikasi dan diteruskan ke instansi",
    "follow_up": "Tindak lanjut instansi",
    "close": "Ditutup bila pelapor tidak menanggapi",
}


def _runtime() -> Runtime:
    return current_app.extensions["lapor"]


def _user() -> ConsoleUser:
    return current_user  # type: ignore[return-value]


@bp.app_template_filter("reason")
def _reason_label(code: str) -> str:
    return REASON_LABELS.get(code, code)


@bp.app_template_filter("spelled")
def _spelled(code: str) -> str:
    """A tracking code in groups an agent can read out: "LPR - 7K3M - 9QX2"."""
    body = code.removeprefix("LPR-")
    return f"LPR - {body[:4]} - {body[4:]}"


@bp.app_template_filter("masked")
def _masked(text: str | None) -> str | None:
    return mask_identity(text)


def _identity_hidden(record: CallRecord) -> bool:
    """An anonymous caller's identity is for the operator drafting the call, while the
    call is still a draft: once it is submitted (or discarded) nobody sees it again."""
    return record.status not in OPEN and record.fields.get("privacy") == "anonymous"


@bp.before_request
def _count_queue() -> None:
    # Here, before the view opens its own session: on SQLite a second session inside
    # the view's would wait on the first one's lock. Only for views that render a page:
    # a stylesheet or a phone check as the operator types needs no count (nor the user
    # lookup that asking about the login costs).
    g.queue_size = 0
    if request.endpoint in NO_PAGE:
        return
    if current_user.is_authenticated:
        with _runtime().sessions() as db:
            g.queue_size = db.scalar(
                select(func.count()).select_from(CallRecord).where(CallRecord.status.in_(OPEN))
            )


@bp.context_processor
def _globals() -> dict[str, Any]:
    return {
        "user": current_user,
        "supervisor": Role.SUPERVISOR,
        "queue_size": g.get("queue_size", 0),
        "action_form": ActionForm(),
        "today": datetime.now(labels.zone()).date().isoformat(),
        "wib": labels.zone(),  # the deployment's zone (GATEWAY_TIMEZONE), not only WIB
        "stage_labels": STAGE_LABELS,
    }


@bp.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> tuple[str, int]:
    return render_template(
        "operator/error.html",
        title="Formulir kedaluwarsa",
        message="Token keamanan formulir tidak ada atau tidak cocok. "
        "Muat ulang halaman lalu coba lagi.",
    ), 400


@bp.errorhandler(403)
def _forbidden(exc: Exception) -> tuple[str, int]:
    return render_template(
        "operator/error.html",
        title="Tidak diizinkan",
        message="Halaman ini hanya untuk supervisor.",
    ), 403


@bp.errorhandler(404)
def _not_found(exc: Exception) -> tuple[str, int]:
    return render_template(
        "operator/error.html", title="Tidak ditemukan", message="Data yang dicari tidak ada."
    ), 404


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site after login, nor another part
    of this one (an attachment, the API). A browser reads a backslash as a slash, drops
    tabs and newlines, and resolves ``..`` and ``%2e%2e`` itself: any of those, a scheme
    or a host, and the operator goes to the console's first page instead."""
    fallback = url_for("operator.call_new")
    if not target or len(target) > 2000 or not _PRINTABLE.fullmatch(target) or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    path = parts.path
    for _ in range(4):  # %252e%252e is %2e%2e is ..
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    else:
        return fallback
    if (
        not path.startswith("/operator/")
        or not _PRINTABLE.fullmatch(path)
        or "\\" in path
        or "//" in path
        or any(segment in (".", "..") for segment in path.split("/"))
    ):
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    address = request.remote_addr or "-"
    throttle = _runtime().login_throttle
    if request.method == "POST" and throttle.blocked(address):
        return render_template(
            "operator/error.html",
            title="Terlalu banyak percobaan",
            message="Terlalu banyak percobaan masuk yang gagal dari alamat ini. "
            "Tunggu beberapa menit lalu coba lagi.",
        ), 429
    if form.validate_on_submit():
        settings = _runtime().settings
        with _runtime().sessions() as db:
            operator = check_login(
                db,
                form.username.data or "",
                form.password.data or "",
                max_failures=settings.operator_max_failed_logins,
                lockout=timedelta(minutes=settings.operator_lockout_minutes),
            )
            db.commit()
            user = ConsoleUser.of(operator) if operator is not None else None
        if user is not None:
            target = _safe_next(request.args.get("next"))
            session.clear()  # nothing from before the login survives it
            login_user(user)
            session.permanent = True
            session["login_at"] = int(time.time())
            return redirect(target)
        throttle.failed(address)
        flash("Nama pengguna atau kata sandi salah, atau akun sedang dikunci sementara.", "error")
    return render_template("operator/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    with _runtime().sessions() as db:
        operator = db.get(Operator, _user().operator_id)
        if operator is not None:
            operator.session_version += 1  # every copy of this login ends, not just this one
            db.commit()
    logout_user()
    session.clear()
    flash("Anda sudah keluar.", "info")
    return redirect(url_for("operator.login"))


@bp.get("/")
def index() -> Response:
    return redirect(url_for("operator.call_new"))


@bp.route("/calls/new", methods=["GET", "POST"])
def call_new() -> str | Response:
    form = CallForm()
    # a citizen's chat draft finished here (the inbox's "Jadikan laporan")
    conversation = request.args.get("percakapan", type=int)
    if request.method == "GET" and conversation:
        with _runtime().sessions() as db:
            drafted = inbox.draft_fields(db, conversation)
        if drafted is None:
            abort(404)
        form.fill(drafted)
    if request.method == "POST":
        submitting = not form.save.data
        valid = form.validate_for_submit() if submitting else form.validate()
        if valid:
            with _runtime().sessions() as db:
                try:
                    record = log_call(
                        db, _runtime(), form.fields(), by=_user().username, submit=submitting
                    )
                    if conversation and submitting:
                        inbox.finish(db, conversation, record.complaint_id, _user().username)
                    actions.record(
                        db,
                        _user().username,
                        ("draft_filed" if conversation else "call_logged")
                        if submitting
                        else "call_saved",
                        complaint_id=record.complaint_id,
                        call_record_id=record.id,
                        conversation_id=conversation if submitting else None,
                    )
                    db.commit()
                    metrics.count_created(db, "call")
                    return redirect(url_for("operator.call_logged", record_id=record.id))
                except DraftError as exc:
                    db.rollback()
                    _show_errors(form, exc)
    return render_template(
        "operator/call_form.html", form=form, record=None, conversation=conversation
    )


def _show_errors(form: CallForm, exc: DraftError) -> None:
    for name, message in exc.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


def _record(db: Session, record_id: int) -> CallRecord:
    record = db.get(CallRecord, record_id)
    if record is None:
        abort(404)
    return record


@bp.get("/calls/<int:record_id>/logged")
def call_logged(record_id: int) -> str:
    with _runtime().sessions() as db:
        record = _record(db, record_id)
        return render_template("operator/call_logged.html", record=record)


@bp.get("/review")
def review_list() -> str:
    with _runtime().sessions() as db:
        records = db.scalars(
            select(CallRecord)
            .where(CallRecord.status.in_(OPEN))
            # drafts that need a look first, oldest first: the caller has waited longest
            .order_by(CallRecord.status, CallRecord.created_at)
            .limit(PAGE)
        ).all()
        return render_template("operator/review_list.html", records=records)


@bp.route("/review/<int:record_id>", methods=["GET", "POST"])
def review_detail(record_id: int) -> str | Response:
    runtime = _runtime()
    with runtime.sessions() as db:
        record = _record(db, record_id)
        form = CallForm()
        if request.method == "GET":
            fields = record.fields
            if _identity_hidden(record):
                fields = {
                    **fields,
                    "phone": None,
                    "name": None,
                    "description": mask_identity(fields.get("description")),
                    "location_text": mask_identity(fields.get("location_text")),
                }
            form.fill(fields)
        elif record.status not in OPEN:
            flash(
                f"Draf ini tidak bisa diubah lagi: {labels.CALL_STATUS.get(record.status)}.",
                "error",
            )
        elif form.discard.data:
            discard_call(record, by=_user().username)
            actions.record(db, _user().username, "review_discarded", call_record_id=record.id)
            db.commit()
            flash(f"Draf {record.tracking_code} dibuang.", "info")
            return redirect(url_for("operator.review_list"))
        elif form.save.data and form.validate():
            save_fields(record, form.fields(), by=_user().username)
            actions.record(db, _user().username, "review_saved", call_record_id=record.id)
            db.commit()
            flash("Perubahan disimpan.", "info")
            return redirect(url_for("operator.review_detail", record_id=record.id))
        elif form.submit.data and form.validate_for_submit():
            try:
                submit_call(db, runtime, record, fields=form.fields(), by=_user().username)
                actions.record(
                    db,
                    _user().username,
                    "review_submitted",
                    complaint_id=record.complaint_id,
                    call_record_id=record.id,
                )
                db.commit()
                metrics.count_created(db, "call")
                return redirect(url_for("operator.call_logged", record_id=record.id))
            except DraftError as exc:
                db.rollback()
                record = _record(db, record_id)
                _show_errors(form, exc)
        return render_template(
            "operator/call_form.html",
            form=form,
            record=record,
            hide_identity=_identity_hidden(record),
            done=actions.for_call(db, record.id),
        )


@bp.get("/complaints")
def complaints() -> str:
    form = SearchForm(request.args)
    query = (form.q.data or "").strip()
    found: list[Complaint] = []
    calls: list[CallRecord] = []
    if query:
        with _runtime().sessions() as db:
            code = normalize_tracking_code(query)
            phone = to_e164(query) if not code else None
            if code:
                found = list(db.scalars(select(Complaint).where(Complaint.tracking_code == code)))
                calls = list(
                    db.scalars(
                        select(CallRecord).where(
                            CallRecord.tracking_code == code, CallRecord.status.in_(OPEN)
                        )
                    )
                )
            elif phone:
                # Anonymous complaints keep no phone here: a search cannot unmask them.
                found = list(
                    db.scalars(
                        select(Complaint)
                        .where(Complaint.reporter_phone == phone)
                        .order_by(Complaint.received_at.desc())
                        .limit(PAGE)
                    )
                )
                # nor a draft the caller asked to be anonymous in
                calls = [
                    record
                    for record in db.scalars(
                        select(CallRecord).where(
                            CallRecord.caller == phone, CallRecord.status.in_(OPEN)
                        )
                    )
                    if record.fields.get("privacy") != "anonymous"
                ]
            else:
                flash("Masukkan kode pelacakan (LPR-…) atau nomor telepon.", "error")
            db.expunge_all()
    return render_template(
        "operator/complaints.html", form=form, query=query, found=found, calls=calls
    )


@bp.get("/complaints/<code>")
def complaint_detail(code: str) -> str:
    with _runtime().sessions() as db:
        row = find_by_code(db, code.upper())
        if row is None:
            abort(404)
        messages = db.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.complaint_id == row.id)
            .order_by(OutboundMessage.id)
        ).all()
        return render_template(
            "operator/complaint.html",
            complaint=row,
            # what the agency receives: for an anonymous reporter, no identity at all
            document=outbound_document(row.document),
            # status changes and the reporter's updates (gateway.complaints.updates), by time
            events=actions.merged(console_timeline(db, row), actions.for_complaint(db, row.id)),
            messages=messages,
            deadlines=complaint_deadlines(row, _runtime().sla_limits),
            earlier=db.get(Complaint, row.possible_duplicate_of)
            if row.possible_duplicate_of
            else None,
        )


def _period() -> tuple[date, date]:
    """The dashboard's period from ``start`` and ``end`` (YYYY-MM-DD), by default the
    last 30 days; a reversed, unreadable or out-of-range period falls back to it."""
    today = datetime.now(labels.zone()).date()
    try:
        start = date.fromisoformat(request.args.get("start", ""))
        end = date.fromisoformat(request.args.get("end", ""))
    except ValueError:
        return today - timedelta(days=29), today
    latest = today + timedelta(days=366)
    if start > end or (end - start).days > 3660 or not EARLIEST.date() <= start <= end <= latest:
        # before LAPOR! or far in the future: nothing to count (and a period at the
        # calendar's ends overflowed turning its midnights into UTC)
        return today - timedelta(days=29), today
    return start, end


def _report() -> monev.Report:
    start, end = _period()
    by = request.args.get("by", "channel")
    by = by if by in monev.GROUPS else "channel"
    with _runtime().sessions() as db:
        return monev.build_report(db, start=start, end=end, by=by, limits=_runtime().sla_limits)


@bp.get("/dashboard")
@requires(Role.SUPERVISOR)
def dashboard() -> str:
    report = _report()
    first, after = monev.period_bounds(report.start, report.end, _runtime().sla_limits.zone)
    with _runtime().sessions() as db:
        weeks = trend.weekly(db, first, after, labels.zone())
    return render_template(
        "operator/dashboard.html",
        report=report,
        weeks=weeks,
        trend=trend,
        groups={k: label for k, (label, _) in monev.GROUPS.items()},
        group_label=labels.group,
        widest=max((f.received for f in report.groups), default=0),
    )


@bp.get("/dashboard.csv")
@requires(Role.SUPERVISOR)
def dashboard_csv() -> Response:
    report = _report()
    name = f"monev-{report.by}-{report.start}-{report.end}.csv"
    # "excel": ';' between cells and a decimal comma, as a spreadsheet set to Indonesian
    excel = request.args.get("format") == "excel"
    return Response(
        monev.to_csv(
            report,
            separator=";" if excel else ",",
            decimal="," if excel else ".",
            group_name=labels.group,
        ),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/dead-letters")
@requires(Role.SUPERVISOR)
def dead_letter_list() -> str:
    with _runtime().sessions() as db:
        jobs = dead_letters(db)
        codes = _tracking_codes(db, jobs)
        return render_template(
            "operator/dead_letters.html", jobs=jobs, codes=codes, paused=circuit.paused(db)
        )


def _tracking_codes(db: Session, jobs: list[outbox.OutboxJob]) -> dict[int, str]:
    ids = {j.payload.get("complaint_id"): j.id for j in jobs if j.kind == DELIVER_JOB}
    if not ids:
        return {}
    rows = db.execute(
        select(Complaint.id, Complaint.tracking_code).where(Complaint.id.in_(list(ids)))
    )
    return {ids[cid]: code for cid, code in rows}


def _retried(db: Session, job_id: int) -> None:
    job = db.get(outbox.OutboxJob, job_id)
    complaint_id = job.payload.get("complaint_id") if job and job.kind == DELIVER_JOB else None
    if complaint_id:
        actions.record(db, _user().username, "retry", complaint_id=complaint_id)


@bp.post("/dead-letters/<int:job_id>/retry")
@requires(Role.SUPERVISOR)
def dead_letter_retry(job_id: int) -> Response:
    with _runtime().sessions() as db:
        if retry_dead_letter(db, job_id):
            _retried(db, job_id)
            db.commit()
            flash(f"Pengiriman #{job_id} dijadwalkan ulang.", "info")
        else:
            flash(f"Pengiriman #{job_id} bukan surat gagal.", "error")
    return redirect(url_for("operator.dead_letter_list"))


@bp.post("/dead-letters/retry-all")
@requires(Role.SUPERVISOR)
def dead_letter_retry_all() -> Response:
    with _runtime().sessions() as db:
        retried = 0
        for job in dead_letters(db):
            if retry_dead_letter(db, job.id):
                _retried(db, job.id)
                retried += 1
        db.commit()
    flash(f"{retried} pengiriman dijadwalkan ulang.", "info")
    return redirect(url_for("operator.dead_letter_list"))


@bp.get("/api/regions")
def region_suggestions() -> Response:
    query = request.args.get("q", "")[:100]
    return jsonify([{"code": r.code, "name": r.name} for r in suggest_regions(query)])


@bp.get("/api/phone")
def phone_check() -> Response:
    number = console_phone(request.args.get("number", "")[:40])
    return jsonify({"valid": number is not None, "e164": number})


@bp.get("/calls/<int:record_id>")
def call_record(record_id: int) -> Response:
    """Where a call's tracking code leads: its complaint, or its draft in the queue."""
    with _runtime().sessions() as db:
        record = _record(db, record_id)
        if record.status == CallStatus.SUBMITTED:
            return redirect(url_for("operator.complaint_detail", code=record.tracking_code))
        return redirect(url_for("operator.review_detail", record_id=record.id))
