"""X, at ``GET, POST /webhooks/x``.

* GET ``crc_token``: the challenge-response check, answered with
  ``{"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))}``.
* POST: ``x-twitter-webhooks-signature`` is ``sha256=`` + base64 HMAC-SHA256 of the raw
  body with the consumer secret, checked before parsing.
* ``direct_message_events`` run the normal dialog; the gateway's own sends
  (``sender_id == for_user_id``) are ignored.
* ``tweet_create_events`` that mention the account become a public message: the dialog
  keeps the text as a draft tied to that account and answers publicly with a neutral
  reply that asks the citizen to continue by DM. A public reply never carries personal
  data or the complaint text.

The CRC answer and the POST signature are the same construction, so a CRC answer to
any text would sign a forged event. It is given only for a token shaped like X's (at
most 128 characters of base64/base64url; X sends a base64 UUID), anything else is 400;
and a POST body must be a JSON object of the expected shape, which no such token is.

Every id taken from an event (for_user_id, sender, event, post and author ids) must be
X's decimal string: an event with another is dropped and logged while the rest of the
delivery is kept (a delivery left with nothing is 400). Ids go into API paths quoted.

Replies go through a small client of ours (``POST /2/dm_conversations/with/{id}/messages``
and ``POST /2/tweets``) at ``GATEWAY_X_API_URL``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from typing import Any, Self

from channels.base import (
    BadPayload,
    OutboundRequest,
    SendError,
    SendResult,
    Unsupported,
    WebhookRequest,
    WebhookResult,
    checked_id,
)
from channels.http import path_segment, post_json, same_secret
from channels.x.settings import XSettings
from forwarder.httpclient import HttpClient
from normalizer.complaint import Channel
from normalizer.message import InboundMessage, Reply

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
# X's crc_token: base64 of a UUID today (48 characters); base64url and padding allowed.
# Never '{', '"', ':', whitespace: no JSON document, so no event body, has this shape.
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{1,128}={0,2}")
# User, direct message event and post ids: 64-bit integers as decimal strings.
X_ID = re.compile(r"[0-9]{1,20}")
log = logging.getLogger(__name__)


def _sign(secret: str, data: bytes) -> str:
    digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


class XAdapter:
    settings_model = XSettings
    name = "x"
    channels = (Channel.X,)
    hooks = ("",)
    replies_inline = False

    def __init__(self, consumer_secret: str, bearer_token: str, api_url: str) -> None:
        self.consumer_secret = consumer_secret
        self.bearer_token = bearer_token
        self.api_url = api_url.rstrip("/")
        self.http = HttpClient(self.api_url)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        s = XSettings.of(config)
        return cls(
            s.x_consumer_secret.get_secret_value(),
            s.x_bearer_token.get_secret_value(),
            s.x_api_url,
        )

    # -- inbound -----------------------------------------------------------------
    def verify(self, request: WebhookRequest) -> bool:
        if not self.consumer_secret:
            return False
        if request.method == "GET":
            return bool(request.args.get("crc_token"))  # the answer itself proves the secret
        given = request.headers.get(SIGNATURE_HEADER, "")
        return same_secret(given, _sign(self.consumer_secret, request.body))

    def parse(self, request: WebhookRequest) -> WebhookResult:
        if request.method == "GET":
            crc_token = request.args["crc_token"]
            if not CRC_TOKEN.fullmatch(crc_token):
                # the answer is an HMAC under the key that signs events: never for text
                # that is not one of X's tokens
                raise BadPayload("crc_token is not shaped like X's")
            token = _sign(self.consumer_secret, crc_token.encode())
            return WebhookResult(
                response=(200, json.dumps({"response_token": token}), "application/json")
            )
        if CRC_TOKEN.fullmatch(request.body.decode("latin-1").strip()):
            raise BadPayload("body is shaped like a CRC token, not an event")
        try:
            data = json.loads(request.body)
        except ValueError:
            raise BadPayload("body is not JSON") from None
        if not isinstance(data, dict) or "for_user_id" not in data:
            raise BadPayload("no for_user_id")
        ours = checked_id(data["for_user_id"], X_ID, "for_user_id")
        users = data.get("users") if isinstance(data.get("users"), dict) else {}
        messages: list[InboundMessage] = []
        dropped = 0
        events = [
            *((self._direct_message, e) for e in _list(data, "direct_message_events")),
            *((self._mention, t) for t in _list(data, "tweet_create_events")),
        ]
        for take, event in events:
            try:
                if (message := take(event, ours, users)) is not None:
                    messages.append(message)
            except (BadPayload, KeyError, TypeError, AttributeError) as exc:
                # one bad event of a delivery is dropped; the others are kept
                dropped += 1
                log.warning("x: event dropped: %s %s", type(exc).__name__, exc)
        if not messages:
            if dropped:
                raise BadPayload(f"{dropped} malformed event(s), nothing else")
            raise Unsupported("no direct message or mention for us")
        return WebhookResult(messages=messages)

    def _direct_message(
        self, event: dict[str, Any], ours: str, users: dict[str, Any]
    ) -> InboundMessage | None:
        if event.get("type") != "message_create":
            return None
        create = event["message_create"]
        sender = checked_id(create["sender_id"], X_ID, "sender_id")
        if sender == ours:
            return None  # our own reply, echoed back
        return InboundMessage(
            channel=Channel.X,
            external_id=checked_id(event["id"], X_ID, "direct message event id"),
            sender=sender,
            recipient=ours,
            text=create["message_data"].get("text", ""),
            name=(users.get(sender) or {}).get("name"),
            raw=event,
        )

    def _mention(
        self, tweet: dict[str, Any], ours: str, users: dict[str, Any]
    ) -> InboundMessage | None:
        author = checked_id(tweet["user"]["id_str"], X_ID, "user id_str")
        mentions = {
            str(m.get("id_str")) for m in (tweet.get("entities") or {}).get("user_mentions") or []
        }
        if author == ours or ours not in mentions:
            return None
        return InboundMessage(
            channel=Channel.X,
            external_id=checked_id(tweet["id_str"], X_ID, "tweet id_str"),
            sender=author,
            recipient=ours,
            text=_without_mentions(tweet),
            public=True,
            raw=tweet,
        )

    def render_replies(self, request: WebhookRequest, replies: list[Reply]) -> tuple[str, str]:
        return "", "text/plain"

    # -- outbound ----------------------------------------------------------------
    def sends_to(self, channel: str, recipient: str) -> bool:
        return channel == Channel.X

    def send(self, message: OutboundRequest) -> SendResult:
        if message.public_reply_to:
            path = "2/tweets"
            body: dict[str, Any] = {
                "text": message.text,
                "reply": {"in_reply_to_tweet_id": _outbound_id(message.public_reply_to)},
            }
        else:
            path = (
                f"2/dm_conversations/with/{path_segment(_outbound_id(message.recipient))}/messages"
            )
            body = {"text": message.text}
        response = post_json(
            self.http,
            f"{self.api_url}/{path}",
            self.bearer_token,
            body,
            platform="X",
            token_setting="GATEWAY_X_BEARER_TOKEN",
        )
        if response.status_code in (200, 201):
            data = response.json().get("data") or {}
            return SendResult(
                external_id=str(data.get("dm_event_id") or data.get("id")), status="sent"
            )
        retryable = response.status_code == 429 or response.status_code >= 500
        reset = response.headers.get("x-rate-limit-reset")
        raise SendError(
            f"X {response.status_code}: {response.text[:200]}",
            permanent=not retryable,
            retry_after=_seconds_until(reset) if reset else None,
        )

    def fetch_media(self, ref: str) -> bytes:
        raise SendError("X media are not fetched", permanent=True)

    def acknowledge(self, ack: str) -> None:
        """X waits on nothing."""


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise BadPayload(f"{key} is not a list")
    return value


def _outbound_id(value: str) -> str:
    """An id from storage on its way into a request: X's shape or no request at all
    (rows stored before ids were checked on the way in)."""
    try:
        return checked_id(value, X_ID, "X id")
    except BadPayload as exc:
        raise SendError(str(exc), permanent=True) from None


def _without_mentions(tweet: dict[str, Any]) -> str:
    text = tweet.get("extended_tweet", {}).get("full_text") or tweet.get("text", "")
    words = [w for w in text.split() if not w.startswith("@")]
    return " ".join(words)


def _seconds_until(epoch: str) -> float | None:
    import time

    try:
        return max(0.0, float(epoch) - time.time())
    except ValueError:
        return None
