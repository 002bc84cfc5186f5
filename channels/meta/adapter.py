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

Replies go through the Graph Send API with quick replies (Messenger, Instagram) or reply
buttons (WhatsApp). Outside the 24-hour window a WhatsApp message needs an approved
template and a Messenger one a message tag; when none is configured the send fails as
"not sendable" and is recorded so, never dropped silently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from typing import Any, Self

import requests

from channels.base import (
    BadPayload,
    OutboundRequest,
    SendError,
    SendResult,
    Unsupported,
    WebhookRequest,
    WebhookResult,
)
from channels.http import TIMEOUT, post_json, same_secret
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
        self.http = requests.Session()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(
            config.get("meta_app_secret", ""),
            config.get("meta_verify_token", ""),
            config.get("meta_page_token", ""),
            config.get("meta_graph_url", "https://graph.facebook.com"),
            version=config.get("meta_graph_version", "v19.0"),
            whatsapp_template=config.get("meta_whatsapp_template", ""),
            template_language=config.get("meta_whatsapp_template_language", "id"),
            message_tag=config.get("meta_message_tag", "ACCOUNT_UPDATE"),
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
            return WebhookResult(
                response=(200, request.args.get("hub.challenge", ""), "text/plain")
            )
        try:
            data = json.loads(request.body)
        except ValueError:
            raise BadPayload("body is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
            raise BadPayload("no entry list")
        result = WebhookResult()
        try:
            if data.get("object") in ("page", "instagram"):
                channel = Channel.MESSENGER if data["object"] == "page" else Channel.INSTAGRAM
                result.messages = list(self._messaging(channel, data["entry"]))
            elif data.get("object") == "whatsapp_business_account":
                for value in _changes(data["entry"]):
                    result.messages += self._whatsapp_messages(value)
                    result.statuses += [
                        DeliveryStatus(
                            Channel.WHATSAPP,
                            s["id"],
                            s["status"],
                            str(s["errors"][0]["code"]) if s.get("errors") else None,
                        )
                        for s in value.get("statuses") or []
                    ]
            else:
                raise Unsupported(f"object {data.get('object')!r}")
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise BadPayload(f"unexpected shape: {type(exc).__name__} {exc}") from None
        if not (result.messages or result.statuses):
            raise Unsupported("no message in this delivery")
        return result

    def _messaging(self, channel: Channel, entries: list[Any]) -> Iterator[InboundMessage]:
        for entry in entries:
            for event in entry.get("messaging") or []:
                message = event.get("message") or {}
                postback = event.get("postback") or {}
                if message.get("is_echo") or not (message or postback):
                    continue  # our own sends, reads, deliveries, reactions
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
                        location = SharedLocation(
                            float(c["lat"]), float(c["long"]), attachment.get("title")
                        )
                    elif attachment.get("type") in ("image", "file", "video") and payload.get(
                        "url"
                    ):
                        kind = {"image": "image/jpeg", "video": "video/mp4"}.get(attachment["type"])
                        media.append(MediaRef(url=payload["url"], content_type=kind))
                mid = message.get("mid") or postback.get("mid")
                if not mid:
                    raise KeyError("mid")
                yield InboundMessage(
                    channel=channel,
                    external_id=mid,
                    sender=str(event["sender"]["id"]),
                    recipient=str(event["recipient"]["id"]),
                    text=text,
                    location=location,
                    media=tuple(media),
                    raw=event,
                    unsupported=None if (text or media or location) else "attachment",
                )

    def _whatsapp_messages(self, value: dict[str, Any]) -> list[InboundMessage]:
        names = {
            c.get("wa_id"): (c.get("profile") or {}).get("name")
            for c in value.get("contacts") or []
        }
        phone_number_id = str(value["metadata"]["phone_number_id"])
        out = []
        for m in value.get("messages") or []:
            kind = m.get("type")
            text, location, media, unsupported = "", None, [], None
            if kind == "text":
                text = m["text"]["body"]
            elif kind == "location":
                loc = m["location"]
                place = ", ".join(p for p in (loc.get("name"), loc.get("address")) if p)
                location = SharedLocation(
                    float(loc["latitude"]), float(loc["longitude"]), place or None
                )
            elif kind in ("image", "document"):
                item = m[kind]
                text = item.get("caption") or ""
                media.append(
                    MediaRef(url="", content_type=item.get("mime_type"), fetch_ref=str(item["id"]))
                )
            elif kind == "interactive":
                reply = (
                    m["interactive"].get("button_reply") or m["interactive"].get("list_reply") or {}
                )
                text = reply.get("id") or reply.get("title") or ""
            elif kind == "button":
                text = m["button"].get("payload") or m["button"].get("text") or ""
            else:
                unsupported = kind or "unknown"
            sender = str(m["from"])
            out.append(
                InboundMessage(
                    channel=Channel.WHATSAPP,
                    external_id=str(m["id"]),
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
            )
        return out

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
        if not sender.isdigit():
            raise SendError("no WhatsApp phone number id to send from", permanent=True)
        sent = self._post(f"{sender}/messages", body)
        return SendResult(external_id=str(sent["messages"][0]["id"]), status="sent")

    def fetch_media(self, ref: str) -> bytes:
        """WhatsApp media: look the id up, then download with the same token."""
        info = self.http.get(
            f"{self.graph}/{ref}",
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {self.page_token}"},
        )
        if info.status_code != 200:
            raise SendError(
                f"media {ref}: Graph {info.status_code}", permanent=info.status_code in (400, 404)
            )
        content = self.http.get(
            info.json()["url"], timeout=60, headers={"Authorization": f"Bearer {self.page_token}"}
        )
        if content.status_code != 200:
            raise SendError(f"media {ref} download: HTTP {content.status_code}", permanent=False)
        return content.content

    def acknowledge(self, ack: str) -> None:
        """Meta waits on nothing."""


def _changes(entries: list[Any]) -> Iterator[dict[str, Any]]:
    for entry in entries:
        for change in entry.get("changes") or []:
            if change.get("field") == "messages":
                yield change["value"]
