"""After the complaint: what a citizen says about the complaint they filed.

Within the follow-up window a message is about the citizen's latest complaint unless
it clearly starts a new one: more detail is a follow-up, the answer to "are you
satisfied?" is feedback, "not fixed" on a closed complaint asks to reopen it; each is
stored and delivered to the central system as an update of that complaint. Thanks and
acknowledgements create nothing, and on SMS get no answer at all.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from gateway import texts
from gateway.complaints import records
from gateway.complaints.updates import Rating, UpdateKind, record_update
from gateway.conversation.status import progress_reply, same_reporter
from gateway.conversation.turn import Turn
from gateway.store.models import Complaint, ComplaintStatus
from normalizer.duplicates import same_complaint
from normalizer.intent import Intent
from normalizer.message import Reply

_SATISFIED_WORDS = frozenset({"SUDAH", "SDH", "UDAH", "UDH", "PUAS", "BERES", "SELESAI"})
# "blm pak, lampunya cm nyala 2 hari": an answer to "is it solved?" that starts with no
_STARTS_NOT_YET = re.compile(
    r"^\W*(belum|blm|blum|durung|dereng|teu acan|acan|tidak|tdk|gak|ga|gk|nggak|enggak|no|"
    r"not yet|masih)\b",
    re.IGNORECASE,
)
# A question about where the complaint stands (else it is about the service)
_ABOUT_PROGRESS = re.compile(
    r"\b(kapan|kpn|sampai mana|sampe mana|sdh|sudah|udah|udh|belum|blm|kabar|kabarnya|diproses|"
    r"ditangani|ditanganin|ditindaklanjuti|diperbaiki|dibenerin|progres|progress|status|"
    r"when|any news|any update|update|yet|still)\b",
    re.IGNORECASE,
)
# The answer to a thank-you on SMS: nothing (the dialog sends no empty text).
SILENT = Reply("")
_NOT_FIXED_WORDS = frozenset({"BELUM", "BLM", "BLUM", "TIDAK PUAS", "GAK PUAS", "BELUM BERES"})


def open_complaint(turn: Turn) -> Complaint | None:
    """The citizen's latest complaint still within the follow-up window: the one filed in
    this conversation, else the newest by the same contact or phone number (a phone call
    followed up by SMS, or SMS and WhatsApp on one number)."""
    since = turn.now - timedelta(days=turn.config.followup_window_days)
    if turn.memory.filed:
        complaint = turn.session.get(Complaint, turn.memory.filed)
        if complaint is not None and complaint.updated_at >= since:
            return complaint
    return turn.session.scalar(
        select(Complaint)
        .where(same_reporter(turn.msg), Complaint.updated_at >= since)
        .order_by(Complaint.received_at.desc())
        .limit(1)
    )


def about_complaint(turn: Turn, complaint: Complaint) -> Reply | None:
    """The answer to a message about ``complaint``; None when it is no such message (a
    new complaint on a closed one) and the dialog should take it as a new complaint."""
    reading = turn.reading
    code = complaint.tracking_code
    status = complaint.status
    said = {reading.intent, *reading.also}
    not_fixed = Intent.NOT_FIXED in said or turn.word in _NOT_FIXED_WORDS
    if turn.msg.media and not turn.text:
        _record(turn, complaint, UpdateKind.FOLLOWUP, None)  # a photo after filing
        return turn.say("followup_ack", code=code)
    if reading.intent == Intent.GIBBERISH:
        return turn.say("not_understood")
    if _long(turn) and same_complaint(complaint.document.get("description", ""), turn.text):
        # the same complaint sent again: it is told its code, not filed twice
        records.link_repeat(complaint, [turn.msg.external_id])
        return turn.say("already_reported", code=code, status=texts.label(status, turn.lang))
    if status == ComplaintStatus.AWAITING_FEEDBACK:
        return _feedback(turn, complaint)
    if status == ComplaintStatus.CLOSED and not_fixed:
        _record(turn, complaint, UpdateKind.REOPEN, Rating.NOT_SATISFIED)
        return turn.say("reopen_ack", code=code)
    if _pleasantry(turn):
        return _thanks(turn, code)
    if reading.intent in (Intent.STATUS, Intent.QUESTION) and len(turn.text.split()) <= 15:
        if reading.intent == Intent.QUESTION and not _ABOUT_PROGRESS.search(turn.text):
            return turn.say("service_info_after")  # "how do I add a photo?", "how long?"
        return progress_reply(turn, complaint)
    if not reading.content and reading.intent in (Intent.GREETING, Intent.YES, Intent.NO):
        return turn.say("greeting_open", code=code, status=texts.label(status, turn.lang))
    if status == ComplaintStatus.CLOSED:
        return None  # new content after the complaint was closed: a new complaint
    _record(turn, complaint, UpdateKind.FOLLOWUP, None)
    return turn.say("followup_ack", code=code)


def _pleasantry(turn: Turn) -> bool:
    """Thanks, "ok", "alhamdulillah": nothing to record. A few words around a thank-you
    ("oh gitu, ok makasih infonya") are still one."""
    reading = turn.reading
    polite = {Intent.THANKS, Intent.ACK, Intent.SATISFIED}
    if reading.intent in polite and not reading.content:
        return True
    if reading.intent == Intent.SATISFIED and Intent.THANKS in reading.also:
        return len(turn.text.split()) <= 6
    return bool(polite & reading.also) and len(reading.content.split()) <= 3


def _long(turn: Turn) -> bool:
    return len(turn.text.split()) >= 10


def _feedback(turn: Turn, complaint: Complaint) -> Reply:
    reading, word = turn.reading, turn.word
    said = {reading.intent, *reading.also}
    not_fixed = Intent.NOT_FIXED in said or reading.intent == Intent.NO or word in _NOT_FIXED_WORDS
    if not_fixed or _STARTS_NOT_YET.match(turn.text):
        rating: str | None = Rating.NOT_SATISFIED
    elif _long(turn):
        rating = None  # their own words ("selesai, tapi lama sekali…"): the agency reads them
    elif said & {Intent.SATISFIED, Intent.YES} or word in _SATISFIED_WORDS:
        rating = Rating.SATISFIED
    elif reading.content and reading.intent == Intent.CONTENT:
        rating = None
    elif reading.intent in (Intent.QUESTION, Intent.STATUS):
        return progress_reply(turn, complaint)
    else:
        # "makasih", "ok": not yet an answer to the question
        return turn.say("feedback_ask", code=complaint.tracking_code)
    _record(turn, complaint, UpdateKind.FEEDBACK, rating)
    return turn.say("feedback_ack", code=complaint.tracking_code)


def _thanks(turn: Turn, code: str) -> Reply:
    # an SMS answer to a thank-you costs a segment and tells nothing
    return SILENT if turn.sms else turn.say("thanks_ack", code=code)


def _record(turn: Turn, complaint: Complaint, kind: str, rating: str | None) -> None:
    text = turn.text
    if turn.msg.media:
        text = "\n".join([text, *(m.url for m in turn.msg.media)]).strip()
    record_update(
        turn.session,
        complaint,
        kind=kind,
        text=text,
        channel=turn.msg.channel,
        rating=rating,
        source_message=turn.msg.external_id,
        max_attempts=turn.config.max_attempts,
    )
