"""Receiving one inbound message: run the dialog and store the message with the reply,
all in the caller's transaction, so nothing is acknowledged before it is committed.

This is the hot path of every webhook. It takes three statements — lock (or create)
the conversation, insert the message, update the conversation — in SQLAlchemy Core with
statements built once, because on a 2-core machine the Python around each statement
costs as much as the database work.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway.dialog import ConversationState, Dialog, DialogConfig
from gateway.models import Conversation, DialogStep, InboundRecord, MediaFile
from normalizer.message import InboundMessage, Reply

INBOUND = InboundRecord.__table__
CONVERSATIONS = Conversation.__table__


class DuplicateMessage(Exception):
    """This (channel, external id) was stored before: the caller rolls back what the
    dialog did, and the redelivery is answered with nothing."""


@cache
def _statements(dialect: str) -> dict[str, Any]:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    c = CONVERSATIONS.c
    upsert = insert(CONVERSATIONS).values(
        channel=bindparam("channel"),
        sender=bindparam("sender"),
        step=DialogStep.IDLE,
        language=bindparam("language"),
        draft={},
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    # A no-op update on conflict returns the existing row and, on PostgreSQL, locks it
    # until the transaction ends, so one citizen's messages are handled one at a time.
    upsert = upsert.on_conflict_do_update(
        index_elements=["channel", "sender"], set_={"channel": upsert.excluded.channel}
    ).returning(c.id, c.step, c.language, c.draft, c.updated_at)
    store = (
        insert(INBOUND)
        .values(  # names of their own: the combined statement also updates a table
            channel=bindparam("msg_channel"),
            external_id=bindparam("msg_external_id"),
            sender=bindparam("msg_sender"),
            text=bindparam("msg_text"),
            payload=bindparam("msg_payload", type_=INBOUND.c.payload.type),
            reply=bindparam("msg_reply"),
            received_at=bindparam("msg_received_at"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(INBOUND.c.id)
    )
    save = (
        update(CONVERSATIONS)
        .where(c.id == bindparam("conv_id"))
        .values(
            step=bindparam("step"),
            language=bindparam("language"),
            draft=bindparam("draft", type_=c.draft.type),
            updated_at=bindparam("updated_at", type_=c.updated_at.type),
        )
    )
    statements = {"lock": upsert, "store": store, "save": save}
    if dialect == "postgresql":
        # One round trip instead of two (it matters most with the database on another
        # machine): the conversation is saved only if the message was new.
        # Data-modifying CTEs are PostgreSQL's; SQLite takes the two statements.
        stored = store.cte("stored")
        saved = save.where(exists(select(stored.c.id))).returning(c.id).cte("saved")
        statements["store_and_save"] = select(stored.c.id).add_cte(saved)
    return statements


def lock_conversation(
    conn: Connection, msg: InboundMessage, default_language: str
) -> ConversationState:
    """The citizen's conversation, created on first contact and locked until the
    transaction ends (SQLite transactions already hold the write lock)."""
    row = conn.execute(
        _statements(conn.dialect.name)["lock"],
        {
            "channel": msg.channel,
            "sender": msg.sender,
            "language": default_language,
            "now": utcnow(),
        },
    ).one()
    return ConversationState(row.id, row.step, row.language, dict(row.draft or {}), row.updated_at)


def _store_params(msg: InboundMessage, reply: str | None) -> dict[str, Any]:
    return {
        "msg_channel": msg.channel,
        "msg_external_id": msg.external_id,
        "msg_sender": msg.sender,
        "msg_text": msg.text,
        "msg_payload": msg.raw,
        "msg_reply": reply,
        "msg_received_at": msg.received_at or utcnow(),
    }


def store_inbound(conn: Connection, msg: InboundMessage, reply: str | None) -> int | None:
    """The new row's id, or None when this (channel, external id) was stored before.

    The unique constraint decides, so two processes receiving the same redelivery at
    once still store it once: the second waits for the first and then finds it.
    """
    statement = _statements(conn.dialect.name)["store"]
    return conn.execute(statement, _store_params(msg, reply)).scalar_one_or_none()


def store_and_save(
    conn: Connection, msg: InboundMessage, reply: str | None, conv: ConversationState
) -> bool:
    """Store the message and the conversation's new state; False for a redelivery."""
    statements = _statements(conn.dialect.name)
    state = {
        "conv_id": conv.id,
        "step": conv.step,
        "language": conv.language,
        "draft": conv.draft,
        "updated_at": conv.updated_at,
    }
    if "store_and_save" in statements:
        params = {**_store_params(msg, reply), **state}
        return conn.execute(statements["store_and_save"], params).scalar_one_or_none() is not None
    if store_inbound(conn, msg, reply) is None:
        return False
    conn.execute(statements["save"], state)
    return True


def register_media(conn: Connection, msg: InboundMessage, base_url: str) -> InboundMessage:
    """Give each file the channel holds (``fetch_ref``) our own unguessable address; the
    bytes are fetched before the complaint is delivered."""
    if not any(m.fetch_ref for m in msg.media):
        return msg
    media = []
    for ref in msg.media:
        if ref.fetch_ref:
            token = secrets.token_urlsafe(24)
            conn.execute(
                insert(MediaFile.__table__).values(
                    token=token,
                    channel=msg.channel,
                    ref=ref.fetch_ref,
                    content_type=ref.content_type,
                    size=ref.size,
                    created_at=utcnow(),
                )
            )
            ref = replace(ref, url=f"{base_url}{token}")
        media.append(ref)
    return replace(msg, media=tuple(media))


def receive(session: Session, msg: InboundMessage, config: DialogConfig) -> tuple[list[Reply], str]:
    """Run the dialog for ``msg`` and store it with the replies; the replies and the
    citizen's language. Raises DuplicateMessage for a redelivery, after which the caller
    must roll back."""
    conn = session.connection()
    msg = register_media(conn, msg, config.media_base_url)
    conv = lock_conversation(conn, msg, config.default_language)
    replies = Dialog(session, config).handle(conv, msg)
    reply = "\n\n".join(r.text for r in replies) or None
    if not store_and_save(conn, msg, reply, conv):
        raise DuplicateMessage(msg.external_id)
    return replies, conv.language
