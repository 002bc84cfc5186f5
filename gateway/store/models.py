"""The gateway's tables. The outbox table belongs to the forwarder (forwarder.outbox)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from forwarder.outbox import NAMING
from forwarder.sqltypes import BigId, UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ComplaintStatus(StrEnum):
    RECEIVED = "received"  # stored by the gateway
    QUEUED = "queued"  # waiting in the outbox for delivery
    SUBMITTED = "submitted"  # the central system accepted it; central id known
    VERIFIED = "verified"
    DISPOSITIONED = "dispositioned"
    IN_PROGRESS = "in_progress"
    AWAITING_FEEDBACK = "awaiting_feedback"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    # The central system refused it for good (dead letter); an operator can retry.
    FAILED = "failed"


class DialogStep(StrEnum):
    IDLE = "idle"
    DESCRIPTION = "description"
    CATEGORY = "category"
    DATE = "date"
    LOCATION = "location"
    REGION = "region"
    MEDIA = "media"
    PRIVACY = "privacy"
    CONFIRM = "confirm"


class InboundRecord(Base):
    """Every message a channel delivered, stored once per (channel, external id)."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    reply: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbound_channel_external"),
    )


class Conversation(Base):
    """Dialog state for one citizen on one channel; in the database so that every web
    process sees the same state."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(200))
    step: Mapped[str] = mapped_column(String(20), default=DialogStep.IDLE)
    language: Mapped[str] = mapped_column(String(5), default="id")
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set when the channel says the citizen blocked us (Telegram 403): nothing more is sent.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("channel", "sender", name="uq_conversation_channel_sender"),)


class Complaint(Base):
    """One complaint; ``document`` is the normalized ``lapor-gateway/complaint@1``."""

    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ComplaintStatus.RECEIVED)
    # For a closed complaint: resolved, duplicate, not_authority, archived, withdrawn.
    resolution: Mapped[str | None] = mapped_column(String(20))
    privacy: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Where to tell the citizen about progress: their address and ours on that channel.
    reply_to: Mapped[str | None] = mapped_column(String(200))
    reply_from: Mapped[str | None] = mapped_column(String(200))
    # The channel to answer on when it is not the one the complaint came by (a phone
    # call is followed up by SMS); None means ``channel``.
    reply_channel: Mapped[str | None] = mapped_column(String(20))
    # E.164, for operators finding a caller's complaints; None for anonymous reporters.
    reporter_phone: Mapped[str | None] = mapped_column(String(40), index=True)
    # Copied out of the document and the timeline for the monev dashboard (gateway.complaints.monev)
    category_code: Mapped[str | None] = mapped_column(String(50))
    region_code: Mapped[str | None] = mapped_column(String(20))
    region_name: Mapped[str | None] = mapped_column(String(200))
    # The agency the central system gave the complaint to (Open311 agency_responsible).
    agency: Mapped[str | None] = mapped_column(String(200))
    # An earlier complaint that may be the same problem (normalizer.duplicates), for an
    # operator to judge; never merged automatically.
    possible_duplicate_of: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # When the complaint first reached each stage the SLA counts (gateway.complaints.sla).
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awaiting_feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(5), default="id")
    central_target: Mapped[str | None] = mapped_column(String(20))
    central_id: Mapped[str | None] = mapped_column(String(200))
    central_token: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_complaints_status", "status"),
        Index("ix_complaints_received_at", "received_at"),
        Index("ix_complaints_reporter", "channel", "reply_to"),
        Index("ix_complaints_category_received", "category_code", "received_at"),
        Index("ix_complaints_region_received", "region_code", "received_at"),
    )


class ComplaintEvent(Base):
    """The status timeline: one row per change, never edited."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40), default="gateway")
    # The central system's own key for a status event: a change is recorded once.
    event_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplaintUpdate(Base):
    """What the reporter said about a complaint after filing it (gateway.complaints.updates): a
    follow-up detail, their feedback, or a request to reopen it. Passed on to the central
    system when its target takes updates, else kept for operators."""

    __tablename__ = "complaint_updates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # followup, feedback, reopen
    text: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[str | None] = mapped_column(String(20))  # satisfied, not_satisfied
    channel: Mapped[str] = mapped_column(String(20))
    # The inbound message's external id it came in.
    source_message: Mapped[str | None] = mapped_column(String(200))
    # pending (its job waits or runs), delivered, kept (the target takes no updates)
    delivery: Mapped[str] = mapped_column(String(20), default="pending")
    central_update_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboundStatus(StrEnum):
    QUEUED = "queued"  # in the outbox
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"


class OutboundMessage(Base):
    """A message the gateway starts (status updates), as opposed to a direct reply."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Buttons and language for channels that show choices: {"choices": [...], ...}
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    complaint_id: Mapped[str | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OutboundStatus.QUEUED)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaFile(Base):
    """An attachment the gateway keeps itself, served at ``/media/<token>``: the token is
    the unguessable part of the URL the central system receives."""

    __tablename__ = "media_files"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    # The channel's own reference (Telegram file_id) until the bytes are fetched.
    ref: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(String(500))
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelState(Base):
    """Small durable values a channel needs across restarts (Telegram's polling offset)."""

    __tablename__ = "channel_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallStatus(StrEnum):
    NEEDS_REVIEW = "needs_review"  # an operator looks before it is submitted
    READY = "ready"  # confident, waiting because calls are not submitted at once
    SUBMITTED = "submitted"  # a complaint was made from it
    DISCARDED = "discarded"


class CallRecord(Base):
    """A call the gateway took (API, import or operator console), once per call id.

    The tracking code is reserved when the call arrives, so an agent can read it out
    while the caller is still on the line, and the complaint made from it keeps it.
    """

    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(20))  # api, import, console
    status: Mapped[str] = mapped_column(String(20), index=True)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)
    caller: Mapped[str | None] = mapped_column(String(40), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(100))
    transcript: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The complaint draft as normalizer.calls.CallDraft.to_fields() shapes it.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    complaint_id: Mapped[str | None] = mapped_column(ForeignKey("complaints.id"))
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"


class Operator(Base):
    """A person who logs in to the operator console."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default=Role.OPERATOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Failed logins in a row; past the limit the account waits until locked_until.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session's id: logging out or a new password moves it on, and every
    # older copy of the session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OperatorAction(Base):
    """What an operator did, by name, for the timeline of the complaint, call draft or
    conversation it touched (issue 20): a reply to a citizen, a closed conversation, a
    draft made a complaint, a call logged, a review-queue decision, a delivery retried.
    Never edited."""

    __tablename__ = "operator_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operator: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(30))
    complaint_id: Mapped[str | None] = mapped_column(String(64), index=True)
    call_record_id: Mapped[int | None] = mapped_column(BigId, index=True)
    conversation_id: Mapped[int | None] = mapped_column(BigId, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
