"""The conversations inbox (issue 20): citizens' chat and SMS dialogs by channel and state
— active, stuck in a step, asking for a person ("bicara dengan petugas"), or not
understood several times in a row — each with its messages in and out. An operator
answers on the citizen's channel through the outbox (the same send jobs and channel rules
as the dialog's replies, the operator's name kept on the message) or closes the draft
(the dialog's own reset: the citizen starts over). The dialog (gateway.conversation)
keeps the state; this module only reads it, and on close writes what its reset writes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway.complaints.messages import queue_outbound
from gateway.console import actions
from gateway.conversation.draft import Draft, Memory
from gateway.jobs.handlers import MESSAGING_WINDOW
from gateway.runtime import Runtime
from gateway.store.models import Conversation, DialogStep, InboundRecord, OutboundMessage
from normalizer.gsm import segments, to_gsm7

log = logging.getLogger(__name__)
PAGE = 50
# A dialog waiting on the same step this long is stuck; misunderstood this many times in
# a row, the citizen needs a person.
STUCK_AFTER = timedelta(minutes=30)
MISREAD_AT = 2
# What one operator message may hold: an SMS of three segments costs the citizen little;
# chat channels take a long message.
MAX_TEXT = {"sms": 459}
MAX_TEXT_DEFAULT = 2000
MAX_SMS_SEGMENTS = 3
# Meta's channels take free text only within 24 hours of the citizen's last message;
# after that only an approved WhatsApp template or a Messenger message tag.
WINDOWED = ("whatsapp", "messenger")
TEMPLATE_TEXT = 1000
STATES = {
    "": "Semua yang aktif",
    "human": "Minta bicara dengan petugas",
    "misread": "Tidak dipahami berulang kali",
    "stuck": "Macet di satu langkah",
}


def _flags(conv: Conversation, now: datetime) -> list[str]:
    draft = conv.draft or {}
    flags = []
    if draft.get("human"):
        flags.append("human")
    if int(draft.get("misread") or 0) >= MISREAD_AT:
        flags.append("misread")
    if conv.step != DialogStep.IDLE and now - conv.updated_at > STUCK_AFTER:
        flags.append("stuck")
    return flags


def _where(state: str, now: datetime) -> Any:
    # JSON flags are read in Python (the same code on SQLite and PostgreSQL); the SQL
    # narrows what it can.
    if state == "stuck":
        return and_(
            Conversation.step != DialogStep.IDLE, Conversation.updated_at < now - STUCK_AFTER
        )
    return Conversation.id.is_not(None)


@dataclass(frozen=True)
class Window:
    """Whether an operator's reply can go now, what to tell the operator about it, and
    how long it may be (a WhatsApp template's parameter takes 1,000 characters)."""

    sendable: bool
    note: str
    limit: int


def window(db: Session, runtime: Runtime, conv: Conversation, now: datetime) -> Window:
    limit = MAX_TEXT.get(conv.channel, MAX_TEXT_DEFAULT)
    if conv.channel not in WINDOWED:
        return Window(True, "", limit)
    last_in = db.scalar(
        select(func.max(InboundRecord.received_at)).where(
            InboundRecord.channel == conv.channel, InboundRecord.sender == conv.sender
        )
    )
    if last_in is not None and now - last_in < MESSAGING_WINDOW:
        left = MESSAGING_WINDOW - (now - last_in)
        hours = int(left.total_seconds() // 3600)
        return Window(
            True, f"Jendela 24 jam masih terbuka (sisa ± {hours} jam): balasan bebas.", limit
        )
    adapter = runtime.adapter_for(conv.channel, conv.sender)
    template = getattr(adapter, "whatsapp_template", "") if conv.channel == "whatsapp" else ""
    tag = getattr(adapter, "message_tag", "") if conv.channel == "messenger" else ""
    if template:
        note = (
            "Warga menulis lebih dari 24 jam lalu: balasan dikirim di dalam templat "
            f"WhatsApp “{template}” yang sudah disetujui."
        )
        return Window(True, note, TEMPLATE_TEXT)
    if tag:
        note = f"Warga menulis lebih dari 24 jam lalu: balasan dikirim dengan tag {tag}."
        return Window(True, note, limit)
    note = (
        "Warga menulis lebih dari 24 jam lalu: di luar jendela 24 jam "
        f"{'WhatsApp' if conv.channel == 'whatsapp' else 'Messenger'} hanya templat yang "
        "disetujui boleh dikirim, dan tidak ada yang diatur. Balasan tidak bisa dikirim; "
        "tunggu warga menulis lagi atau hubungi lewat telepon."
    )
    return Window(False, note, limit)


def register(bp: Any, runtime_of: Any) -> None:
    """The inbox's routes on the console's blueprint (its login, role and CSRF guard)."""

    def _runtime() -> Runtime:
        return runtime_of()

    @bp.get("/inbox")
    def inbox() -> str:
        channel = request.args.get("kanal", "")[:20]
        state = request.args.get("keadaan", "")
        state = state if state in STATES else ""
        now = utcnow()
        with _runtime().sessions() as db:
            query = select(Conversation).where(_where(state, now))
            if channel:
                query = query.where(Conversation.channel == channel)
            rows = db.scalars(query.order_by(Conversation.updated_at.desc()).limit(PAGE * 4)).all()
            channels = db.scalars(select(Conversation.channel).distinct()).all()
            items = []
            for conv in rows:
                flags = _flags(conv, now)
                if conv.step == DialogStep.IDLE and not flags:
                    continue  # nothing in progress, nobody waiting
                if state and state not in flags:
                    continue
                last_in = db.scalar(
                    select(InboundRecord.text)
                    .where(InboundRecord.channel == conv.channel)
                    .where(InboundRecord.sender == conv.sender)
                    .order_by(InboundRecord.received_at.desc(), InboundRecord.id.desc())
                    .limit(1)
                )
                items.append({"c": conv, "flags": flags, "last": (last_in or "")[:120]})
                if len(items) >= PAGE:
                    break
            db.expunge_all()
        return render_template(
            "operator/inbox.html",
            items=items,
            states=STATES,
            state=state,
            channel=channel,
            channels=sorted(channels),
        )

    def _conversation(db: Session, conv_id: int) -> Conversation:
        conv = db.get(Conversation, conv_id)
        if conv is None:
            abort(404)
        return conv

    @bp.get("/inbox/<int:conv_id>")
    def conversation(conv_id: int) -> str:
        now = utcnow()
        with _runtime().sessions() as db:
            conv = _conversation(db, conv_id)
            thread = _thread(db, conv)
            memory = Memory.load(conv.draft)
            flags = _flags(conv, now)
            rules = window(db, _runtime(), conv, now)
            done = actions.for_conversation(db, conv.id)
            db.expunge_all()
        return render_template(
            "operator/conversation.html",
            c=conv,
            thread=thread,
            draft=memory.draft,
            filed=memory.filed,
            misread=memory.misread,
            flags=flags,
            states=STATES,
            limit=rules.limit,
            sendable=rules.sendable,
            window_note=rules.note,
            done=[a for a in done if a["operator_action"]["action"] != "reply"],
        )

    @bp.post("/inbox/<int:conv_id>/reply")
    def conversation_reply(conv_id: int) -> Any:
        text = (request.form.get("text") or "").strip()
        with _runtime().sessions() as db:
            conv = _conversation(db, conv_id)
            if conv.channel == "sms":
                # as the dialog's own replies: plain GSM-7, 153 characters a segment
                text = to_gsm7(text)
            rules = window(db, _runtime(), conv, utcnow())
            limit = rules.limit
            parts = segments(text) if conv.channel == "sms" else 0
            if not text:
                flash("Tulis balasan terlebih dahulu.", "error")
            elif len(text) > limit or parts > MAX_SMS_SEGMENTS:
                flash(
                    f"Balasan terlalu panjang ({len(text)} dari {limit} karakter"
                    + (f", {parts} segmen SMS dari {MAX_SMS_SEGMENTS}" if parts else "")
                    + ").",
                    "error",
                )
            elif conv.blocked_at is not None:
                flash("Warga ini memblokir kanal kita: balasan tidak bisa dikirim.", "error")
            elif not rules.sendable:
                flash(rules.note, "error")
            else:
                # answered from the address the citizen wrote to, as the dialog answers
                ours = db.scalar(
                    select(OutboundMessage.sender)
                    .where(OutboundMessage.channel == conv.channel)
                    .where(OutboundMessage.recipient == conv.sender)
                    .order_by(OutboundMessage.id.desc())
                    .limit(1)
                )
                message = OutboundMessage(
                    channel=conv.channel,
                    recipient=conv.sender,
                    sender=ours,
                    text=text,
                    options={"language": conv.language, "operator": current_user.username},
                )
                count = db.scalar(
                    select(func.count())
                    .select_from(OutboundMessage)
                    .where(OutboundMessage.recipient == conv.sender)
                )
                queue_outbound(
                    db, _runtime(), message, f"operator:{conv.id}:{count}:{utcnow().timestamp()}"
                )
                actions.record(db, current_user.username, "reply", conversation_id=conv.id)
                db.commit()
                log.info("operator %s answered conversation %s", current_user.username, conv.id)
                sms = f" ({parts} segmen SMS)" if parts else ""
                flash(f"Balasan masuk antrean pengiriman{sms}.", "info")
        return redirect(url_for("operator.conversation", conv_id=conv_id))

    @bp.post("/inbox/<int:conv_id>/close")
    def conversation_close(conv_id: int) -> Any:
        with _runtime().sessions() as db:
            conv = _conversation(db, conv_id)
            memory = Memory.load(conv.draft)
            # what the dialog's own reset does, and the flags the inbox shows answered
            memory.draft = Draft()
            memory.misread = 0
            memory.wants_human = False
            conv.draft = memory.dump()
            # updated_at stays the citizen's last message: the 24-hour window of WhatsApp
            # and Messenger is counted from it (gateway.jobs.handlers)
            conv.step = DialogStep.IDLE
            actions.record(db, current_user.username, "close", conversation_id=conv.id)
            db.commit()
            log.info("operator %s closed conversation %s", current_user.username, conv.id)
        flash("Percakapan ditutup: draf dihapus, warga mulai dari awal bila menulis lagi.", "info")
        return redirect(url_for("operator.inbox"))


def _thread(db: Session, conv: Conversation) -> list[dict[str, Any]]:
    """Messages in (with the dialog's reply kept on them) and out, by time."""
    entries: list[tuple[datetime, int, dict[str, Any]]] = []
    for m in db.scalars(
        select(InboundRecord)
        .where(InboundRecord.channel == conv.channel, InboundRecord.sender == conv.sender)
        .order_by(InboundRecord.received_at.desc())
        .limit(100)
    ):
        entries.append((m.received_at, 0, {"dir": "in", "at": m.received_at, "text": m.text}))
        if m.reply:  # answered in the webhook's own response (TwiML), not the outbox
            entries.append((m.received_at, 1, {"dir": "out", "at": m.received_at, "text": m.reply}))
    for m in db.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.channel == conv.channel, OutboundMessage.recipient == conv.sender)
        .order_by(OutboundMessage.id.desc())
        .limit(100)
    ):
        by = (m.options or {}).get("operator")
        parts = segments(m.text) if m.channel == "sms" else None
        entries.append(
            (
                m.created_at,
                1,
                {
                    "dir": "out",
                    "at": m.created_at,
                    "text": m.text,
                    "by": by,
                    "status": m.status,
                    "segments": parts,
                },
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in entries]


def draft_fields(db: Session, conv_id: int) -> dict[str, Any] | None:
    """A citizen's draft as the call form's fields, for an operator to finish it there."""
    from gateway.console.forms import console_phone

    conv = db.get(Conversation, conv_id)
    if conv is None:
        return None
    draft = Memory.load(conv.draft).draft
    phone = None
    if conv.channel in ("sms", "whatsapp"):
        phone = console_phone(conv.sender.removeprefix("whatsapp:"))
    return {
        "phone": phone,
        "description": draft.description or draft.partial,
        "location_text": draft.location_text,
        "lat": draft.lat,
        "lon": draft.lon,
        "category": draft.category[0] if draft.category else None,
        "privacy": draft.privacy,
        "incident_date": draft.incident_date,
    }


def finish(db: Session, conv_id: int, complaint_id: str | None, by: str) -> None:
    """The citizen's draft became a complaint through the call form: the dialog starts
    over, and follow-ups go to that complaint."""
    conv = db.get(Conversation, conv_id)
    if conv is None:
        return
    memory = Memory.load(conv.draft)
    memory.draft = Draft()
    memory.misread = 0
    memory.wants_human = False
    if complaint_id:
        memory.filed = complaint_id
    conv.draft = memory.dump()
    conv.step = DialogStep.IDLE  # updated_at stays the citizen's last message (see close)
    log.info("operator %s filed conversation %s as complaint %s", by, conv.id, complaint_id)
