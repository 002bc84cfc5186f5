"""Receiving one inbound message: store it once, run the dialog, all in the caller's
transaction, so nothing is acknowledged before it is committed.

This is the hot path of every webhook, so it speaks SQLAlchemy Core on the session's
connection: a handful of statements, no unit of work.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway.dialog import ConversationState, Dialog, DialogConfig
from gateway.models import Conversation, DialogStep, InboundRecord
from normalizer.message import InboundMessage, Reply

INBOUND = InboundRecord.__table__
CONVERSATIONS = Conversation.__table__


def _insert(conn: Connection, table: object) -> postgresql.Insert | sqlite.Insert:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def store_inbound(conn: Connection, msg: InboundMessage) -> int | None:
    """The new row's id, or None when this (channel, external id) was stored before.

    The unique constraint decides, so two processes receiving the same redelivery at
    once still store it once: the second waits for the first and then finds it.
    """
    stmt = (
        _insert(conn, INBOUND)
        .values(
            channel=msg.channel,
            external_id=msg.external_id,
            sender=msg.sender,
            text=msg.text,
            payload=msg.raw,
            received_at=msg.received_at or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(INBOUND.c.id)
    )
    return conn.execute(stmt).scalar_one_or_none()


def lock_conversation(
    conn: Connection, msg: InboundMessage, default_language: str
) -> ConversationState:
    """The citizen's conversation, its row locked until the transaction ends (PostgreSQL
    row lock; SQLite transactions already hold the write lock)."""
    c = CONVERSATIONS.c
    query = (
        select(c.id, c.step, c.language, c.draft, c.updated_at)
        .where(c.channel == msg.channel, c.sender == msg.sender)
        .with_for_update()
    )
    row = conn.execute(query).one_or_none()
    if row is None:
        now = utcnow()
        conn.execute(
            _insert(conn, CONVERSATIONS)
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
        row = conn.execute(query).one()
    return ConversationState(row.id, row.step, row.language, dict(row.draft or {}), row.updated_at)


def receive(session: Session, msg: InboundMessage, config: DialogConfig) -> list[Reply] | None:
    """Store ``msg`` and run the dialog; None for a redelivery (answered once only)."""
    conn = session.connection()
    inbound_id = store_inbound(conn, msg)
    if inbound_id is None:
        return None
    conv = lock_conversation(conn, msg, config.default_language)
    replies = Dialog(session, config).handle(conv, msg)
    conn.execute(
        update(CONVERSATIONS)
        .where(CONVERSATIONS.c.id == conv.id)
        .values(
            step=conv.step, language=conv.language, draft=conv.draft, updated_at=conv.updated_at
        )
    )
    if replies:
        conn.execute(
            update(INBOUND)
            .where(INBOUND.c.id == inbound_id)
            .values(reply="\n\n".join(r.text for r in replies))
        )
    return replies
