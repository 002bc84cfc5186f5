"""STATUS: one complaint by its code, or, without a code, the sender's own open
complaints; and the answer to "when will it be fixed?" about the latest one."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select

from gateway import texts
from gateway.complaints import records
from gateway.conversation.turn import Turn
from gateway.store.models import Complaint, ComplaintEvent, ComplaintStatus
from normalizer.message import InboundMessage, Reply
from normalizer.tracking import normalize_tracking_code

# Timeline lines a chat channel shows after STATUS (an SMS shows the status alone).
TIMELINE_LINES = 6
LIST_LIMIT = 5


def status_reply(turn: Turn, rest: str) -> Reply:
    """``STATUS <rest>``: the complaint ``rest`` names, or the sender's own list."""
    code = normalize_tracking_code(rest)
    if not code:
        return own_complaints(turn)
    session = turn.session
    complaint = records.find_by_code(session, code)
    if complaint is None and (call := records.pending_call(session, code)) is not None:
        # a phone call's code, read out before an operator submitted the complaint
        return turn.say(
            "status",
            code=code,
            status=texts.label(call.status, turn.lang),
            date=f"{call.updated_at:%d-%m-%Y}",
        )
    if complaint is None:
        return turn.say("status_unknown", code=code)
    if _owner(turn, complaint):
        return progress_reply(turn, complaint)
    # anyone else holding the code sees the status, never what the complaint says
    reply = turn.say(
        "status",
        code=code,
        status=texts.label(complaint.status, turn.lang),
        date=f"{complaint.updated_at:%d-%m-%Y}",
    )
    return reply if turn.sms else _with_timeline(turn, reply, complaint.id)


def progress_reply(turn: Turn, complaint: Complaint) -> Reply:
    """The filer's view: which complaint, where it stands, and the agency's latest note
    (on SMS shortened to one segment; STATUS on a chat channel shows it whole)."""
    note = _latest_note(turn, complaint.id)
    values = {
        "code": complaint.tracking_code,
        "status": _status_text(turn, complaint),
        "date": f"{complaint.updated_at:%d-%m-%Y}",
        "title": complaint.document.get("title", ""),
        "note": f" {note}" if note else "",
    }
    if turn.sms:
        text = texts.fit_sms("status_owner", turn.lang, "note" if note else "title", **values)
        if note and "..." in text:
            text = texts.fit_sms("status_owner", turn.lang, "title", **{**values, "title": ""})
        return Reply(text)
    return _with_timeline(turn, turn.say("status_owner", **values), complaint.id)


def own_complaints(turn: Turn) -> Reply:
    """The sender's open complaints, newest first, within one SMS."""
    who = same_reporter(turn.msg)
    rows = turn.session.execute(
        select(Complaint.tracking_code, Complaint.status, Complaint.updated_at)
        .where(who, Complaint.status != ComplaintStatus.CLOSED)
        .order_by(Complaint.received_at.desc())
        .limit(LIST_LIMIT)
    ).all()
    if not rows:
        return turn.say("status_none")
    lines = [
        f"{code}: {texts.short_label(status, turn.lang)} ({at:%d-%m})" for code, status, at in rows
    ]
    while True:
        reply = turn.say("status_list", lines=("; " if turn.sms else "\n").join(lines))
        if not turn.sms or len(lines) == 1 or texts.fits_one_sms(reply.text):
            return reply
        lines.pop()


def same_reporter(msg: InboundMessage) -> ColumnElement[bool]:
    """Complaints filed by this contact on this channel, or by the same phone number on
    any (a call followed up by SMS, SMS and WhatsApp on one number)."""
    same = (Complaint.reply_to == msg.sender) & (
        func.coalesce(Complaint.reply_channel, Complaint.channel) == msg.channel
    )
    return or_(same, Complaint.reporter_phone == msg.phone) if msg.phone else same


def _owner(turn: Turn, complaint: Complaint) -> bool:
    reporter = complaint.document.get("reporter") or {}
    msg = turn.msg
    filed_here = (complaint.reply_channel or complaint.channel) == msg.channel and (
        complaint.reply_to == msg.sender
    )
    return filed_here or (msg.phone is not None and reporter.get("phone") == msg.phone)


def _status_text(turn: Turn, complaint: Complaint) -> str:
    status = texts.label(complaint.status, turn.lang)
    if complaint.resolution:
        status += f" ({texts.label(complaint.resolution, turn.lang)})"
    if complaint.agency and complaint.status not in (
        ComplaintStatus.RECEIVED,
        ComplaintStatus.QUEUED,
        ComplaintStatus.SUBMITTED,
    ):
        status += f", {complaint.agency}"
    return status


def _latest_note(turn: Turn, complaint_id: str) -> str | None:
    return turn.session.scalar(
        select(ComplaintEvent.note)
        .where(
            ComplaintEvent.complaint_id == complaint_id,
            ComplaintEvent.note.is_not(None),
            ComplaintEvent.source != "gateway",
            ComplaintEvent.status.not_in((ComplaintStatus.SUBMITTED, ComplaintStatus.QUEUED)),
        )
        .order_by(ComplaintEvent.created_at.desc(), ComplaintEvent.id.desc())
        .limit(1)
    )


def _with_timeline(turn: Turn, reply: Reply, complaint_id: str) -> Reply:
    """On a chat channel the status comes with its recent history; the timeline never
    names the reporter."""
    events = records.timeline(turn.session, complaint_id)[-TIMELINE_LINES:]
    lines = [
        f"{datetime.fromisoformat(e['at']):%d-%m-%Y} {texts.label(e['status'], turn.lang)}"
        for e in events
    ]
    return replace(reply, text=reply.text + "\n\n" + "\n".join(lines))
