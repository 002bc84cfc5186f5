"""Meta's platforms behind one webhook, ``GET, POST /webhooks/meta``.

* GET: the subscription handshake (``hub.mode=subscribe``, ``hub.verify_token``,
  answered with ``hub.challenge``).
* POST: ``X-Hub-Signature-256`` is HMAC-SHA256 of the raw body with the app secret,
  checked in constant time on the bytes as received, before parsing. Every entry and
  every message of a batch is taken.
* ``object: page`` (Messenger) and ``object: instagram``: ``entry[].messaging[]`` with
  text, quick replies, postbacks, image/file attachments (kept as references) and a
  shared location where present; dedup on ``mid``; echoes, reads and deliveries ignored.
* ``object: whatsapp_business_account`` (WhatsApp Cloud): ``entry[].changes[].value``
  with ``messages`` (text, location, image, document, interactive button replies; media
  fetched by id) and ``statuses`` (delivery reports); dedup on the message id.

Ids are checked against Meta's shapes where they come in (numeric PSIDs, IGSIDs, page,
phone number and media ids; WhatsApp ``wa_id`` digits; ``wamid.`` message ids): an entry
with another is dropped and logged while the rest of the batch is kept, and a delivery
left with nothing is 400. The handshake echoes only a ``hub.challenge`` shaped like
Meta's. Ids go into Graph paths quoted, and a media file is downloaded with the token
only from Meta's media host.

Replies go through the Graph Send API with quick replies (Messenger, Instagram) or reply
buttons (WhatsApp). Outside the 24-hour window a WhatsApp message needs an approved
template and a Messenger one a message tag; when none is configured the send fails as
"not sendable" and is recorded so, never dropped silently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

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
from channels.http import TIMEOUT, path_segment, post_json, same_secret
from channels.meta.settings import MetaSettings
from forwarder.httpclient import HttpClient, Unreachable
from normalizer.complaint import Channel
from normalizer.message import (
    Choice,
    DeliveryStatus,
    InboundMessage,
    MediaRef,
    Reply,
    SharedLocation,
)
from normalizer.phone import to_e164

log = logging.getLogger(__name__)
T = TypeVar("T")
# Page-scoped and Instagram-scoped user ids, page, Instagram account, WhatsApp phone
# number and media ids: decimal strings.
GRAPH_ID = re.compile(r"[0-9]{1,20}")
# Messenger ("m_…", formerly "mid.…") and Instagram message ids: base64url-ish text
# that fits the 200 characters the gateway stores.
MID = re.compile(r"[A-Za-z0-9_.:$=-]{1,200}")
# WhatsApp Cloud: wa_id is the phone number in international form without "+" (E.164:
# at most 15 digits); message ids are "wamid." + base64.
WA_ID = re.compile(r"[1-9][0-9]{5,14}")
WAMID = re.compile(r"wamid\.[A-Za-z0-9_+/=-]{1,190}")
# hub.challenge: Meta sends a number; never echo markup or anything long.
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Where WhatsApp Cloud serves media (the URL a media id's lookup answers).
MEDIA_HOSTS = ("lookaside.fbsbx.com",)
WA_PREFIX = "wa:"  # our key for a WhatsApp Cloud user, apart from Twilio's "whatsapp:+…"
LABELS: dict[Choice, tuple[str, str]] = {
    Choice.SKIP: ("Lewati", "Skip"),
    Choice.PUBLIC: ("1 Publik", "1 Public"),
    Choice.CONFIDENTIAL: ("2 Rahasia", "2 Confidential"),
    Choice.ANONYMOUS: ("3 Anonim", "3 Anonymous"),
    Choice.SEND: ("Kirim", "Send"),
    Choice.CANCEL: ("Batal", "Cancel"),
    Choice.KOTA: ("Kota", "City (kota)"),
    Choice.KABUPATEN: ("Kabupaten", "Regency (kabupaten)"),
}


class MetaAdapter:
    settings_model = MetaSettings
    name = "meta"
    channels = (Channel.MESSENGER, Channel.INSTAGRAM, Channel.WHATSAPP)
    hooks = ("",)
    replies_inline = False

    def __init__(
        self,
        app_secret: str,
        verify_token: str,
        page_token: str,
        graph_url: str,
        *,
        version: str = "v19.0",
        whatsapp_template: str = "",
        template_language: str = "id",
        message_tag: str = "ACCOUNT_UPDATE",
    ) -> None:
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.page_token = page_token
        self.graph = f"{graph_url.rstrip('/')}/{version}"
        self.whatsapp_template = whatsapp_template
        self.template_language = template_language
        self.message_tag = message_tag
        self.http = HttpClient(self.graph)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        s = MetaSettings.of(config)
        return cls(
            s.meta_app_secret.get_secret_value(),
            s.meta_verify_token.get_secret_value(),
            s.meta_page_token.get_secret_value(),
            s.meta_graph_url,
            version=s.meta_graph_version,
            whatsapp_template=s.meta_whatsapp_template,
            template_language=s.meta_whatsapp_template_language,
            message_tag=s.meta_message_tag,
        )

    # -- inbound -----------------------------------------------------------------
    def verify(self, request: WebhookRequest) -> bool:
        if request.method == "GET":
            given = request.args.get("hub.verify_token", "")
            return request.args.get("hub.mode") == "subscribe" and same_secret(
                given, self.verify_token
            )
        header = request.headers.get("X-Hub-Signature-256", "")
        if not (self.app_secret and header.startswith("sha256=")):
            return False
        expected = hmac.new(self.app_secret.encode(), request.body, hashlib.sha256).hexdigest()
        return same_secret(header[7:], expected)

    def parse(self, request: WebhookRequest) -> WebhookResult:
        if request.method == "GET":
            challenge = request.args.get("hub.challenge", "")
            if not CHALLENGE.fullmatch(challenge):
                raise BadPayload("hub.challenge is not shaped like Meta's")
            return WebhookResult(response=(200, challenge, "text/plain"))
        try:
            data = json.loads(request.body)
        except ValueError:
            raise BadPayload("body is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
            raise BadPayload("no entry list")
        result = WebhookResult()
        dropped: list[str] = []
        try:
            if data.get("object") in ("page", "instagram"):
                channel = Channel.MESSENGER if data["object"] == "page" else Channel.INSTAGRAM
                for entry in data["entry"]:
                    for event in entry.get("messaging") or []:
                        if message := _take(dropped, _messaging_event, channel, event):
                            result.messages.append(message)
            elif data.get("object") == "whatsapp_business_account":
                for value in _changes(data["entry"]):
                    self._whatsapp_value(value, result, dropped)
            else:
                raise Unsupported(f"object {data.get('object')!r}")
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise BadPayload(f"unexpected shape: {type(exc).__name__} {exc}") from None
        if not (result.messages or result.statuses):
            if dropped:
                raise BadPayload(f"{len(dropped)} malformed entries, nothing else")
            raise Unsupported("no message in this delivery")
        return result

    def _whatsapp_value(
        self, value: dict[str, Any], result: WebhookResult, dropped: list[str]
    ) -> None:
        """One ``changes[].value``: its messages and statuses, each taken or dropped on
        its own (a value whose phone number id is malformed is dropped whole)."""
        try:
            phone_number_id = checked_id(
                value["metadata"]["phone_number_id"], GRAPH_ID, "phone_number_id"
            )
        except (BadPayload, KeyError, TypeError) as exc:
            _drop(dropped, exc)
            return
        names = {
            c.get("wa_id"): (c.get("profile") or {}).get("name")
            for c in value.get("contacts") or []
            if isinstance(c, dict)
        }
        for m in value.get("messages") or []:
            if message := _take(dropped, _whatsapp_message, m, phone_number_id, names):
                result.messages.append(message)
        for s in value.get("statuses") or []:
            if status := _take(dropped, _whatsapp_status, s):
                result.statuses.append(status)

    def render_replies(self, request: WebhookRequest, replies: list[Reply]) -> tuple[str, str]:
        return "EVENT_RECEIVED", "text/plain"  # replies go through the Send API

    # -- outbound ----------------------------------------------------------------
    def sends_to(self, channel: str, recipient: str) -> bool:
        return channel in (Channel.MESSENGER, Channel.INSTAGRAM) or (
            channel == Channel.WHATSAPP and recipient.startswith(WA_PREFIX)
        )

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = post_json(
            self.http,
            f"{self.graph}/{path}",
            self.page_token,
            body,
            platform="Graph API",
            token_setting="GATEWAY_META_PAGE_TOKEN",
        )
        if response.status_code == 200:
            return response.json()
        error = (
            response.json()
            if response.headers.get("Content-Type", "").startswith("application/json")
            else {}
        ).get("error") or {}
        detail = f"Graph {response.status_code} ({error.get('code')}): {error.get('message')}"
        # 4/17/32/613: rate limits; 1/2: temporary; 5xx: the platform's trouble
        retryable = response.status_code >= 500 or error.get("code") in (1, 2, 4, 17, 32, 613)
        blocked = error.get("code") == 551 or error.get("error_subcode") == 1545041
        raise SendError(detail, permanent=not retryable, blocked=blocked)

    def send(self, message: OutboundRequest) -> SendResult:
        english = message.language == "en"
        if message.channel == Channel.WHATSAPP:
            return self._send_whatsapp(message, english)
        body: dict[str, Any] = {
            "recipient": {"id": message.recipient},
            "message": {"text": message.text[:2000]},
        }
        if message.choices:
            body["message"]["quick_replies"] = [
                {"content_type": "text", "title": LABELS[c][english], "payload": str(c)}
                for c in message.choices
            ]
        if message.in_window:
            body["messaging_type"] = "RESPONSE"
        elif message.channel == Channel.MESSENGER and self.message_tag:
            body.update(messaging_type="MESSAGE_TAG", tag=self.message_tag)
        else:
            raise SendError(
                "outside the 24-hour window and no message tag allows it: not sendable",
                permanent=True,
            )
        sent = self._post("me/messages", body)
        return SendResult(external_id=str(sent.get("message_id")), status="sent")

    def _send_whatsapp(self, message: OutboundRequest, english: bool) -> SendResult:
        to = message.recipient.removeprefix(WA_PREFIX)
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
        }
        if not message.in_window:
            if not self.whatsapp_template:
                raise SendError(
                    "outside the 24-hour window and no template configured: not sendable",
                    permanent=True,
                )
            body.update(
                type="template",
                template={
                    "name": self.whatsapp_template,
                    "language": {"code": self.template_language},
                    "components": [
                        {
                            "type": "body",
                            "parameters": [{"type": "text", "text": message.text[:1000]}],
                        }
                    ],
                },
            )
        elif message.choices and len(message.choices) <= 3:
            body.update(
                type="interactive",
                interactive={
                    "type": "button",
                    "body": {"text": message.text[:1024]},
                    "action": {
                        "buttons": [
                            {"type": "reply", "reply": {"id": str(c), "title": LABELS[c][english]}}
                            for c in message.choices
                        ]
                    },
                },
            )
        else:
            body.update(type="text", text={"body": message.text[:4096]})
        sender = message.sender or ""
        if not GRAPH_ID.fullmatch(sender):
            raise SendError("no WhatsApp phone number id to send from", permanent=True)
        if not WA_ID.fullmatch(to):
            raise SendError(f"{to[:40]!r} is no WhatsApp number", permanent=True)
        sent = self._post(f"{path_segment(sender)}/messages", body)
        return SendResult(external_id=str(sent["messages"][0]["id"]), status="sent")

    def fetch_media(self, ref: str) -> bytes:
        """WhatsApp media: look the id up, then download with the same token, only from
        Meta's media host (or the Graph API's own host)."""
        if not GRAPH_ID.fullmatch(ref):
            raise SendError(f"media id {ref[:40]!r} is not Meta's", permanent=True)
        try:
            return self._download(ref)
        except Unreachable as exc:
            raise SendError(f"media {ref}: Graph unreachable: {exc}", permanent=False) from None

    def _download(self, ref: str) -> bytes:
        info = self.http.get(
            f"{self.graph}/{path_segment(ref)}",
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {self.page_token}"},
        )
        if info.status_code != 200:
            raise SendError(
                f"media {ref}: Graph {info.status_code}", permanent=info.status_code in (400, 404)
            )
        try:
            url = str(info.json()["url"])
        except (ValueError, KeyError, TypeError):
            raise SendError(f"media {ref}: unreadable Graph answer", permanent=False) from None
        if not self._media_url(url):
            raise SendError(f"media {ref}: download URL not on Meta's hosts", permanent=True)
        content = self.http.get(
            url, timeout=60, headers={"Authorization": f"Bearer {self.page_token}"}
        )
        if content.status_code != 200:
            raise SendError(f"media {ref} download: HTTP {content.status_code}", permanent=False)
        return content.content

    def _media_url(self, url: str) -> bool:
        """Whether the token may go to ``url``: https on Meta's media host, or the
        configured Graph API's scheme and host (a stand-in's)."""
        parts, graph = urlsplit(url), urlsplit(self.graph)
        if parts.username or parts.password:
            return False
        if (parts.scheme, parts.netloc) == (graph.scheme, graph.netloc):
            return True
        return parts.scheme == "https" and parts.hostname in MEDIA_HOSTS and parts.port is None

    def acknowledge(self, ack: str) -> None:
        """Meta waits on nothing."""


def _take(dropped: list[str], parse: Callable[..., T], *args: Any) -> T | None:
    """``parse(*args)``, or None when that one entry is malformed: it is dropped and
    logged, and the other entries of the delivery are kept."""
    try:
        return parse(*args)
    except (BadPayload, KeyError, TypeError, AttributeError, ValueError) as exc:
        _drop(dropped, exc)
        return None


def _drop(dropped: list[str], exc: Exception) -> None:
    dropped.append(f"{type(exc).__name__} {exc}")
    log.warning("meta: entry dropped: %s %s", type(exc).__name__, exc)


def _messaging_event(channel: Channel, event: dict[str, Any]) -> InboundMessage | None:
    message = event.get("message") or {}
    postback = event.get("postback") or {}
    if message.get("is_echo") or not (message or postback):
        return None  # our own sends, reads, deliveries, reactions
    text = (
        (message.get("quick_reply") or {}).get("payload")
        or message.get("text")
        or postback.get("payload")
        or ""
    )
    media, location = [], None
    for attachment in message.get("attachments") or []:
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "location" and payload.get("coordinates"):
            c = payload["coordinates"]
            location = SharedLocation(float(c["lat"]), float(c["long"]), attachment.get("title"))
        elif attachment.get("type") in ("image", "file", "video") and payload.get("url"):
            kind = {"image": "image/jpeg", "video": "video/mp4"}.get(attachment["type"])
            media.append(MediaRef(url=payload["url"], content_type=kind))
    mid = message.get("mid") or postback.get("mid")
    if not mid:
        raise KeyError("mid")
    return InboundMessage(
        channel=channel,
        external_id=checked_id(mid, MID, "mid"),
        sender=checked_id(event["sender"]["id"], GRAPH_ID, "sender id"),
        recipient=checked_id(event["recipient"]["id"], GRAPH_ID, "recipient id"),
        text=text,
        location=location,
        media=tuple(media),
        raw=event,
        unsupported=None if (text or media or location) else "attachment",
    )


def _whatsapp_message(
    m: dict[str, Any], phone_number_id: str, names: dict[Any, Any]
) -> InboundMessage:
    kind = m.get("type")
    text, location, media, unsupported = "", None, [], None
    if kind == "text":
        text = m["text"]["body"]
    elif kind == "location":
        loc = m["location"]
        place = ", ".join(p for p in (loc.get("name"), loc.get("address")) if p)
        location = SharedLocation(float(loc["latitude"]), float(loc["longitude"]), place or None)
    elif kind in ("image", "document"):
        item = m[kind]
        text = item.get("caption") or ""
        media_id = checked_id(item["id"], GRAPH_ID, "media id")
        media.append(MediaRef(url="", content_type=item.get("mime_type"), fetch_ref=media_id))
    elif kind == "interactive":
        reply = m["interactive"].get("button_reply") or m["interactive"].get("list_reply") or {}
        text = reply.get("id") or reply.get("title") or ""
    elif kind == "button":
        text = m["button"].get("payload") or m["button"].get("text") or ""
    else:
        unsupported = kind or "unknown"
    sender = checked_id(m["from"], WA_ID, "wa_id")
    return InboundMessage(
        channel=Channel.WHATSAPP,
        external_id=checked_id(m["id"], WAMID, "message id"),
        sender=WA_PREFIX + sender,
        recipient=phone_number_id,
        text=text,
        phone=to_e164("+" + sender),
        name=names.get(sender),
        location=location,
        media=tuple(media),
        unsupported=unsupported,
        raw=m,
    )


def _whatsapp_status(s: dict[str, Any]) -> DeliveryStatus:
    return DeliveryStatus(
        Channel.WHATSAPP,
        checked_id(s["id"], WAMID, "status message id"),
        s["status"],
        str(s["errors"][0]["code"]) if s.get("errors") else None,
    )


def _changes(entries: list[Any]) -> Iterator[dict[str, Any]]:
    for entry in entries:
        for change in entry.get("changes") or []:
            if change.get("field") == "messages":
                yield change["value"]
