"""What the citizen is told when their complaint's status changes, on their channel.

Truthful and polite: the status as it is ("received by SP4N-LAPOR!, awaiting
verification" until an agency is named), the agency once it is known, the agency's note
whole. On SMS the notice fits one segment; a note that does not fit follows in as few
extra SMS as it needs (at most three, cut at a word, the rest readable with STATUS), and
a request for feedback asks the question the gateway can take the answer to.
"""

from __future__ import annotations

from gateway import texts
from gateway.store.models import Complaint, ComplaintStatus
from normalizer.gsm import SINGLE_SEGMENT_SEPTETS, septets, to_gsm7

NOTE_MESSAGES = 3


def status_notice(
    complaint: Complaint, status: str, resolution: str | None, note: str | None
) -> list[str]:
    """The messages telling ``complaint``'s reporter it is now ``status``."""
    lang = complaint.language if complaint.language in texts.LANGUAGES else "id"
    sms = (complaint.reply_channel or complaint.channel) == "sms"
    label = texts.label(status, lang)
    if resolution:
        label += f" ({texts.label(resolution, lang)})"
    if complaint.agency and status in (ComplaintStatus.DISPOSITIONED, ComplaintStatus.IN_PROGRESS):
        label += f", {complaint.agency}"
    note = " ".join((note or "").split())
    key = "notify_feedback" if status == ComplaintStatus.AWAITING_FEEDBACK else "notify_status"
    values = {"code": complaint.tracking_code, "status": label}
    if not sms:
        return [texts.render(key, lang, **values, note=_spaced(note, key)).strip()]
    whole = texts.render(key, lang, sms=True, **values, note=_spaced(note, key)).strip()
    if septets(whole) <= SINGLE_SEGMENT_SEPTETS:
        return [whole]
    # the notice alone in one SMS, the note after it in as few as it needs
    first = texts.fit_sms(key, lang, "status", **values, note="").strip()
    return [first, *_note_messages(to_gsm7(note), complaint.tracking_code, lang)]


def _spaced(note: str, key: str) -> str:
    if not note:
        return ""
    return f" {note}" if key == "notify_feedback" else note


def _note_messages(note: str, code: str, lang: str) -> list[str]:
    messages: list[str] = []
    words = note.split()
    while words and len(messages) < NOTE_MESSAGES:
        last = len(messages) == NOTE_MESSAGES - 1
        budget = SINGLE_SEGMENT_SEPTETS - (len(code) + 2)
        taken: list[str] = []
        while words and septets(" ".join([*taken, words[0]])) <= budget - (12 if last else 0):
            taken.append(words.pop(0))
        if not taken:  # one word longer than a segment: cut it
            taken, words[0] = [words[0][: budget - 12]], words[0][budget - 12 :]
        text = f"{code}: {' '.join(taken)}"
        if words and last:
            text += " ... STATUS" if lang == "en" else " ... (STATUS)"
        messages.append(text)
    return messages
