"""Operators' actions on the timelines (issue 20): every reply to a citizen, closed
conversation, chat draft made a complaint, call logged, review-queue decision and retried
delivery is written with the operator's name, in the same transaction as the action,
and shown on the complaint's page (with its call draft's actions) and the conversation's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway.store.models import CallRecord, OperatorAction

# What each action reads as on a timeline, after the operator's name.
LABELS = {
    "reply": "membalas warga",
    "close": "menutup percakapan",
    "draft_filed": "menjadikan draf percakapan laporan",
    "call_logged": "mencatat panggilan",
    "call_saved": "menyimpan panggilan sebagai draf",
    "review_saved": "mengubah draf di antrean tinjauan",
    "review_submitted": "mengirim draf dari antrean tinjauan",
    "review_discarded": "membuang draf",
    "retry": "mengirim ulang ke SP4N-LAPOR! (status: Dalam antrean pengiriman)",
}


def record(
    db: Session,
    operator: str,
    action: str,
    *,
    complaint_id: str | None = None,
    call_record_id: int | None = None,
    conversation_id: int | None = None,
    note: str | None = None,
) -> None:
    """Add the action to the caller's transaction (it commits with what it records)."""
    db.add(
        OperatorAction(
            operator=operator,
            action=action,
            complaint_id=complaint_id,
            call_record_id=call_record_id,
            conversation_id=conversation_id,
            note=note,
            created_at=utcnow(),
        )
    )


def _entry(a: OperatorAction) -> dict[str, Any]:
    return {
        "at": a.created_at.isoformat(),
        "operator_action": {
            "operator": a.operator,
            "label": LABELS.get(a.action, a.action),
            "action": a.action,
            "note": a.note,
        },
    }


def for_complaint(db: Session, complaint_id: str) -> list[dict[str, Any]]:
    """The actions on a complaint and on the call draft it was made from."""
    drafts = select(CallRecord.id).where(CallRecord.complaint_id == complaint_id)
    rows = db.scalars(
        select(OperatorAction)
        .where(
            or_(
                OperatorAction.complaint_id == complaint_id,
                OperatorAction.call_record_id.in_(drafts),
            )
        )
        .order_by(OperatorAction.created_at, OperatorAction.id)
    )
    return [_entry(a) for a in rows]


def for_call(db: Session, call_record_id: int) -> list[dict[str, Any]]:
    """The actions on a call draft, while it waits in the review queue."""
    rows = db.scalars(
        select(OperatorAction)
        .where(OperatorAction.call_record_id == call_record_id)
        .order_by(OperatorAction.created_at, OperatorAction.id)
    )
    return [_entry(a) for a in rows]


def for_conversation(db: Session, conversation_id: int) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(OperatorAction)
        .where(OperatorAction.conversation_id == conversation_id)
        .order_by(OperatorAction.created_at.desc(), OperatorAction.id.desc())
        .limit(100)
    )
    return [_entry(a) for a in rows]


def merged(entries: list[dict[str, Any]], actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A timeline (entries with an ISO ``at``) with the actions among them, by time."""

    def key(e: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(e["at"]) if isinstance(e["at"], str) else e["at"]

    return sorted([*entries, *actions], key=key)
