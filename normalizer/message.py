"""What every channel adapter produces and consumes: one value type each way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from normalizer.complaint import Channel


@dataclass(frozen=True)
class MediaRef:
    """An attachment as the channel announced it (not yet fetched)."""

    url: str
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    # The channel's own file id when the gateway must fetch and keep the bytes itself
    # (Telegram); the gateway then gives ``url`` its own address.
    fetch_ref: str | None = None


@dataclass(frozen=True)
class SharedLocation:
    lat: float
    lon: float
    text: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One message from a citizen, as a channel adapter parsed it.

    ``external_id`` is the channel's own id for the message (Twilio's MessageSid,
    Telegram's update_id…): the gateway stores it unique per channel, so a redelivery
    is recognised whatever process receives it.
    """

    channel: Channel
    external_id: str
    sender: str
    text: str = ""
    received_at: datetime | None = None
    phone: str | None = None
    name: str | None = None
    language_hint: str | None = None
    location: SharedLocation | None = None
    media: tuple[MediaRef, ...] = ()
    # The address the citizen wrote to (our number), to answer from the same one.
    recipient: str | None = None
    # Content the gateway cannot take (a sticker, a voice note, a file over the size
    # limit): the dialog answers with a short explanation and keeps its step.
    unsupported: str | None = None
    # An interaction the channel wants confirmed (Telegram callback query id).
    ack: str | None = None
    # A public post (an X mention), not a private message: it is answered publicly.
    public: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class DeliveryStatus:
    """A channel's report on a message the gateway sent."""

    channel: Channel
    external_id: str
    status: str
    error_code: str | None = None


class Choice(StrEnum):
    """Answers the dialog offers; channels with buttons show them as buttons that send
    the same words."""

    SKIP = "LEWATI"
    PUBLIC = "1"
    CONFIDENTIAL = "2"
    ANONYMOUS = "3"
    SEND = "KIRIM"
    CANCEL = "BATAL"
    # which of a kota and a kabupaten of the same name
    KOTA = "KOTA"
    KABUPATEN = "KABUPATEN"


@dataclass(frozen=True)
class Reply:
    """One message from the gateway to a citizen."""

    text: str
    choices: tuple[Choice, ...] = ()
    ask_location: bool = False
    # A public answer (a reply to a public post), as opposed to a private message.
    public: bool = False
