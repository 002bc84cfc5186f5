"""The contract every channel adapter keeps."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

from pydantic import BaseModel

from normalizer.complaint import Channel
from normalizer.message import Choice, DeliveryStatus, InboundMessage, Reply


@dataclass(frozen=True)
class WebhookRequest:
    """An HTTP request as a channel sees it, free of any web framework.

    ``url`` is the public URL the provider called (what it signed), which behind a
    proxy differs from what the server saw.
    """

    method: str
    url: str
    hook: str
    headers: Mapping[str, str]
    body: bytes
    form: Mapping[str, str] = field(default_factory=dict)
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass
class WebhookResult:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[DeliveryStatus] = field(default_factory=list)
    # A direct answer that needs no storage (handshakes): (status, body, content type).
    response: tuple[int, str, str] | None = None


class BadPayload(Exception):
    """Malformed input: answered 400 with this short reason, nothing stored."""


def checked_id(value: object, shape: re.Pattern[str], what: str) -> str:
    """``value`` as text when it has the platform's documented ``shape`` (a string, or a
    number where the platform sends numbers); BadPayload otherwise. Ids taken from a
    platform end up in API paths, storage keys and logs: one that is not shaped like the
    platform's own is refused where it comes in."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadPayload(f"{what} is not an id")
    text = str(value)
    if not shape.fullmatch(text):
        raise BadPayload(f"{what} is not shaped like one: {text[:40]!r}")
    return text


class Unsupported(Exception):
    """A well-formed event we do not handle: answered 200 and logged, nothing stored."""


class SendError(Exception):
    """A send that did not go out. ``blocked``: the citizen blocked us; never retry.
    ``paced``: not tried at all, a send limit of our own says wait ``retry_after``."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        blocked: bool = False,
        paced: bool = False,
    ):
        super().__init__(message)
        self.permanent = permanent or blocked
        self.retry_after = retry_after
        self.blocked = blocked
        self.paced = paced


@dataclass(frozen=True)
class OutboundRequest:
    channel: Channel
    recipient: str
    text: str
    sender: str | None = None
    choices: tuple[Choice, ...] = ()
    ask_location: bool = False
    language: str = "id"
    status_callback_url: str | None = None
    # False once the channel's customer-service window has closed (Meta's 24 hours
    # since the citizen last wrote): only templates or tagged messages may go out.
    in_window: bool = True
    # Answer publicly to this post instead of a private message (X mentions).
    public_reply_to: str | None = None


@dataclass(frozen=True)
class SendResult:
    external_id: str
    status: str


class ChannelSettings(BaseModel):
    """A channel's part of the gateway's settings; the gateway's Settings inherit each
    channel's, so a field's default and description are written once, here."""

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Self:
        """This channel's fields from the gateway's plain values (secrets unwrapped),
        defaults filled in from the fields."""
        return cls.model_validate({k: v for k, v in config.items() if k in cls.model_fields})


class ChannelAdapter(Protocol):
    name: str
    channels: tuple[Channel, ...]
    hooks: tuple[str, ...]  # sub-paths served under /webhooks/<name>/ ("" for the root)
    # True: replies travel in the webhook's HTTP answer (TwiML). False: the gateway
    # sends them through the outbox with send().
    replies_inline: bool
    # Its part of the gateway's settings (gateway.config.Settings inherits it)
    settings_model: type[ChannelSettings]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self: ...

    def verify(self, request: WebhookRequest) -> bool:
        """True only for a request the channel really sent (checked before parsing)."""
        ...

    def parse(self, request: WebhookRequest) -> WebhookResult:
        """Raise BadPayload for malformed input, Unsupported for events we ignore."""
        ...

    def render_replies(self, request: WebhookRequest, replies: list[Reply]) -> tuple[str, str]:
        """(body, content type) of the HTTP answer carrying ``replies``."""
        ...

    def sends_to(self, channel: str, recipient: str) -> bool:
        """Whether this adapter is the one that reaches ``recipient`` on ``channel``."""
        ...

    def send(self, message: OutboundRequest) -> SendResult:
        """Send a message the gateway starts; raise SendError when it did not go out."""
        ...

    def fetch_media(self, ref: str) -> bytes:
        """The bytes of a file the channel holds (``MediaRef.fetch_ref``)."""
        ...

    def acknowledge(self, ack: str) -> None:
        """Confirm an interaction the channel waits on (a pressed button), when it could
        not be done in the webhook's answer (polling)."""
        ...
