"""Receiving one inbound message: store it, run the dialog and save the conversation with
the reply, all in the caller's transaction, so nothing is acknowledged before it is
committed.

This is the hot path of every webhook. The message is stored first, together with
locking (or creating) the citizen's conversation, so a redelivery is known before the
dialog runs and there is nothing to undo: the caller needs no savepoint, and several
messages (a batch from Meta, or a group commit of many webhooks) share one transaction.
Two statements on PostgreSQL (store-and-lock, save), four on SQLite, in SQLAlchemy Core
with statements built once, because on a 2-core machine the Python around each statement
costs as much as the database work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway.conversation import ConversationState, Dialog, DialogConfig
from gateway.store.models import Conversation, DialogStep, InboundRecord, MediaFile
from normalizer.message import InboundMessage, Reply

INBOUND = InboundRecord.__table__
CONVERSATIONS = Conversation.__table__


class DuplicateMessage(Exception):
    """This (channel, external id) was stored before: it is answered with nothing. Raised
    before the dialog runs, so the transaction holds nothing of it to undo."""


@cache
def _statements(dialect: str) -> dict[str, Any]:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    c = CONVERSATIONS.c
    store = (
        insert(INBOUND)
        .values(  # names of their own: the combined statement also writes a table
            channel=bindparam("msg_channel"),
            external_id=bindparam("msg_external_id"),
            sender=bindparam("msg_sender"),
            text=bindparam("msg_text"),
            payload=bindparam("msg_payload", type_=INBOUND.c.payload.type),
            received_at=bindparam("msg_received_at"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(INBOUND.c.id)
    )
    lock = insert(CONVERSATIONS).values(
        channel=bindparam("channel"),
        sender=bindparam("sender"),
        step=DialogStep.IDLE,
        language=bindparam("language"),
        draft={},
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    # The update on conflict returns the existing row and, on PostgreSQL, locks it until
    # the transaction ends, so one citizen's messages are handled one at a time. It also
    # lifts a block: Telegram and Messenger deliver nothing from someone who blocks us, so
    # whoever writes has unblocked us and is answered again.
    lock = lock.on_conflict_do_update(
        index_elements=["channel", "sender"],
        set_={"channel": lock.excluded.channel, "blocked_at": None},
    )
    columns = (c.id, c.step, c.language, c.draft, c.updated_at)
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
    reply = (
        update(INBOUND).where(INBOUND.c.id == bindparam("msg_id")).values(reply=bindparam("reply"))
    )
    statements = {"store": store, "lock": lock.returning(*columns), "save": save, "reply": reply}
    if dialect == "postgresql":
        # One round trip instead of two for each pair (it matters most with the database
        # on another machine). Data-modifying CTEs are PostgreSQL's; SQLite takes the
        # statements one by one, in process.
        stored = store.cte("stored")
        message_id = select(stored.c.id).scalar_subquery().label("message_id")
        statements["store_and_lock"] = lock.returning(*columns, message_id).add_cte(stored)
        saved = save.returning(c.id).cte("saved")
        statements["save_and_reply"] = reply.add_cte(saved)
    return statements


@dataclass(frozen=True)
class Stored:
    """A new message's row and the citizen's conversation, locked."""

    message_id: int
    conversation: ConversationState


def _params(msg: InboundMessage, default_language: str) -> dict[str, Any]:
    now = utcnow()
    return {
        "msg_channel": msg.channel,
        "msg_external_id": msg.external_id,
        "msg_sender": msg.sender,
        "msg_text": msg.text,
        "msg_payload": msg.raw,
        "msg_received_at": msg.received_at or now,
        "channel": msg.channel,
        "sender": msg.sender,
        "language": default_language,
        "now": now,
    }


def store_and_lock(conn: Connection, msg: InboundMessage, default_language: str) -> Stored:
    """Store ``msg`` and lock (or create) its sender's conversation until the transaction
    ends (SQLite transactions already hold the write lock). Raises DuplicateMessage when
    this (channel, external id) was stored before.

    The unique constraint decides, so two processes receiving the same redelivery at
    once still store it once: the second waits for the first and then finds it."""
    statements = _statements(conn.dialect.name)
    params = _params(msg, default_language)
    if "store_and_lock" in statements:
        row = conn.execute(statements["store_and_lock"], params).one()
        message_id = row.message_id
    else:
        message_id = conn.execute(statements["store"], params).scalar_one_or_none()
        row = conn.execute(statements["lock"], params).one() if message_id else None
    if message_id is None:
        raise DuplicateMessage(msg.external_id)
    state = ConversationState(row.id, row.step, row.language, dict(row.draft or {}), row.updated_at)
    return Stored(message_id, state)


def save(conn: Connection, stored: Stored, reply: str | None) -> None:
    """Save the conversation's new state and the reply the message got."""
    conv = stored.conversation
    statements = _statements(conn.dialect.name)
    params = {
        "conv_id": conv.id,
        "step": conv.step,
        "language": conv.language,
        "draft": conv.draft,
        "updated_at": conv.updated_at,
        "msg_id": stored.message_id,
        "reply": reply,
    }
    if reply is not None and "save_and_reply" in statements:
        conn.execute(statements["save_and_reply"], params)
        return
    conn.execute(statements["save"], params)
    if reply is not None:
        conn.execute(statements["reply"], params)


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
    """Store ``msg``, run the dialog and save its outcome; the replies and the citizen's
    language. Raises DuplicateMessage for a redelivery, having written nothing of it."""
    conn = session.connection()
    stored = store_and_lock(conn, msg, config.default_language)
    msg = register_media(conn, msg, config.media_base_url)
    replies = Dialog(session, config).handle(stored.conversation, msg)
    save(conn, stored, "\n\n".join(r.text for r in replies) or None)
    return replies, stored.conversation.language
