"""Receiving one inbound message: store it once, run the dialog, all in the caller's
transaction, so nothing is acknowledged before it is committed."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway.dialog import Dialog, DialogConfig
from gateway.models import Conversation, DialogStep, InboundRecord
from normalizer.message import InboundMessage, Reply


def _insert(session: Session, model: type) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def store_inbound(session: Session, msg: InboundMessage) -> int | None:
    """The new row's id, or None when this (channel, external id) was stored before.

    The unique constraint decides, so two processes receiving the same redelivery at
    once still store it once: the second waits for the first and then finds it.
    """
    stmt = (
        _insert(session, InboundRecord)
        .values(
            channel=msg.channel,
            external_id=msg.external_id,
            sender=msg.sender,
            text=msg.text,
            payload=msg.raw,
            received_at=msg.received_at or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(InboundRecord.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def lock_conversation(session: Session, msg: InboundMessage, default_language: str) -> Conversation:
    """The citizen's conversation row, locked until the transaction ends (PostgreSQL
    row lock; SQLite transactions already hold the write lock)."""
    query = (
        select(Conversation)
        .where(Conversation.channel == msg.channel, Conversation.sender == msg.sender)
        .with_for_update()
    )
    conv = session.scalars(query).one_or_none()
    if conv is None:
        now = utcnow()
        session.execute(
            _insert(session, Conversation)
            .values(
                channel=msg.channel,
                sender=msg.sender,
                step=DialogStep.IDLE,
                language=default_language,
                draft={},
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["channel", "sender"])
        )
        conv = session.scalars(query).one()
    return conv


def receive(session: Session, msg: InboundMessage, config: DialogConfig) -> list[Reply] | None:
    """Store ``msg`` and run the dialog; None for a redelivery (answered once only)."""
    inbound_id = store_inbound(session, msg)
    if inbound_id is None:
        return None
    conv = lock_conversation(session, msg, config.default_language)
    replies = Dialog(session, config).handle(conv, msg)
    if replies:
        session.execute(
            update(InboundRecord)
            .where(InboundRecord.id == inbound_id)
            .values(reply="\n\n".join(r.text for r in replies))
        )
    return replies
