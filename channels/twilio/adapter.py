"""Twilio SMS and WhatsApp.

Inbound: ``POST /webhooks/twilio/messages`` (form-encoded, signed with
``X-Twilio-Signature`` over the public URL and the POST parameters); the answer is
TwiML. ``POST /webhooks/twilio/status`` carries delivery reports for messages the
gateway sent through the REST API. WhatsApp numbers arrive as ``whatsapp:+62…``.

Ids are checked where they come in: MessageSid ``SM``/``MM`` + 32 hex digits, AccountSid
``AC`` + 32 hex digits and this gateway's own, From/To a phone number, short code or
sender id; a MediaUrl must be on Twilio's API host. Anything else is 400. The gateway
never fetches Twilio media itself: the MediaUrl is the attachment's address.
Signatures are checked only against ``GATEWAY_PUBLIC_URL``: without it the webhooks
refuse everything rather than trust the request's Host header.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from channels.base import (
    BadPayload,
    OutboundRequest,
    SendError,
    SendResult,
    WebhookRequest,
    WebhookResult,
    checked_id,
)
from channels.twilio.settings import TwilioSettings
from normalizer.complaint import Channel
from normalizer.message import DeliveryStatus, InboundMessage, MediaRef, Reply, SharedLocation
from normalizer.phone import to_e164

log = logging.getLogger(__name__)

WHATSAPP_PREFIX = "whatsapp:"
MAX_MEDIA = 10  # Twilio sends at most 10 media items per message
SEND_TIMEOUT = 10.0
# Twilio error 21610: the recipient replied STOP (opted out). The contact is blocked, as
# for Telegram's 403, until they write again (intake lifts the block; should Twilio still
# refuse, as it does until START, the next send blocks them again).
OPTED_OUT = 21610
# Twilio's ids: a two-letter kind and 32 hex digits (MessageSid SM…/MM…, AccountSid AC…).
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
# From/To: a phone number, a short code or an alphanumeric sender id (letters, digits,
# spaces), "whatsapp:" first for WhatsApp.
ADDRESS = re.compile(r"(whatsapp:)?\+?[A-Za-z0-9][A-Za-z0-9 ]{0,19}")
# Where Twilio's MediaUrl points (it redirects to its media CDN from there).
MEDIA_HOST = "api.twilio.com"


def _float(form: Mapping[str, str], key: str) -> float | None:
    value = form.get(key)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise BadPayload(f"{key} is not a number") from None


class TwilioAdapter:
    settings_model = TwilioSettings
    name = "twilio"
    channels = (Channel.SMS, Channel.WHATSAPP)
    hooks = ("messages", "status")
    replies_inline = True

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_url: str,
        sms_from: str = "",
        whatsapp_from: str = "",
        *,
        public_url: str | None = None,
    ) -> None:
        self.account_sid = account_sid
        # The gateway's public base URL, the only one Twilio's signatures are taken for;
        # "" (not configured) takes none. None: the caller vouches for request.url.
        self.public_url = None if public_url is None else public_url.rstrip("/")
        self.auth_token = auth_token
        self.api_url = api_url
        self.sms_from = sms_from
        self.whatsapp_from = whatsapp_from
        self._validator = RequestValidator(auth_token) if auth_token else None
        self._client: Client | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        s = TwilioSettings.of(config)
        return cls(
            account_sid=s.twilio_account_sid,
            auth_token=s.twilio_auth_token.get_secret_value(),
            api_url=s.twilio_api_url,
            sms_from=s.twilio_sms_from,
            whatsapp_from=s.twilio_whatsapp_from,
            public_url=config.get("public_url") or "",
        )

    # -- inbound -----------------------------------------------------------------
    def verify(self, request: WebhookRequest) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not (self._validator and signature):
            return False
        if self.public_url is not None and not request.url.startswith(f"{self.public_url}/"):
            # Without GATEWAY_PUBLIC_URL the URL is built from the client's Host header: a
            # request signed for another deployment on the account would pass as its own.
            log.warning("twilio: refused; set GATEWAY_PUBLIC_URL, the URL Twilio signs")
            return False
        return bool(self._validator.validate(request.url, dict(request.form), signature))

    def parse(self, request: WebhookRequest) -> WebhookResult:
        if request.hook == "status":
            return WebhookResult(statuses=[self._parse_status(request.form)])
        return WebhookResult(messages=[self._parse_message(request.form)])

    def _check_account(self, form: Mapping[str, str]) -> None:
        account = form.get("AccountSid")
        if account is None:
            return
        checked_id(account, ACCOUNT_SID, "AccountSid")
        if self.account_sid and account != self.account_sid:
            raise BadPayload("AccountSid is not this gateway's account")

    def _media_url(self, url: str) -> str:
        """A MediaUrl as Twilio sends it: https on api.twilio.com (or the configured API
        base's scheme and host, a stand-in's). It travels to the central system as the
        attachment's address: never any other."""
        parts, api = urlsplit(url), urlsplit(self.api_url)
        ours = (parts.scheme, parts.netloc) == (api.scheme, api.netloc) or (
            parts.scheme == "https" and parts.hostname == MEDIA_HOST and parts.port is None
        )
        if not ours or parts.username or parts.password:
            raise BadPayload("MediaUrl is not on Twilio's API host")
        return url

    def _parse_message(self, form: Mapping[str, str]) -> InboundMessage:
        sid = form.get("MessageSid") or form.get("SmsMessageSid")
        sender = form.get("From", "").strip()
        if not sid or not sender:
            raise BadPayload("MessageSid and From are required")
        checked_id(sid, MESSAGE_SID, "MessageSid")
        checked_id(sender, ADDRESS, "From")
        if form.get("To"):
            checked_id(form["To"], ADDRESS, "To")
        self._check_account(form)
        whatsapp = sender.startswith(WHATSAPP_PREFIX)
        phone = to_e164(sender)
        try:
            count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
        except ValueError:
            raise BadPayload("NumMedia is not a number") from None
        media = tuple(
            MediaRef(
                url=self._media_url(form[f"MediaUrl{i}"]),
                content_type=form.get(f"MediaContentType{i}"),
            )
            for i in range(count)
            if form.get(f"MediaUrl{i}")
        )
        lat, lon = _float(form, "Latitude"), _float(form, "Longitude")
        location = None
        if lat is not None and lon is not None:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise BadPayload("Latitude/Longitude out of range")
            place = ", ".join(p for p in (form.get("Label"), form.get("Address")) if p)
            location = SharedLocation(lat=lat, lon=lon, text=place or None)
        if whatsapp:
            channel_user = WHATSAPP_PREFIX + (phone or sender[len(WHATSAPP_PREFIX) :])
        else:
            channel_user = phone or sender  # short codes and alphanumeric ids stay as sent
        return InboundMessage(
            channel=Channel.WHATSAPP if whatsapp else Channel.SMS,
            external_id=sid,
            sender=channel_user,
            text=form.get("Body", ""),
            phone=phone,
            name=form.get("ProfileName") or None,
            location=location,
            media=media,
            recipient=form.get("To") or None,
            raw=dict(form),
        )

    def _parse_status(self, form: Mapping[str, str]) -> DeliveryStatus:
        sid = form.get("MessageSid") or form.get("SmsSid")
        status = form.get("MessageStatus") or form.get("SmsStatus")
        if not sid or not status:
            raise BadPayload("MessageSid and MessageStatus are required")
        checked_id(sid, MESSAGE_SID, "MessageSid")
        self._check_account(form)
        channel = (
            Channel.WHATSAPP if form.get("To", "").startswith(WHATSAPP_PREFIX) else Channel.SMS
        )
        return DeliveryStatus(
            channel=channel,
            external_id=sid,
            status=status,
            error_code=form.get("ErrorCode") or None,
        )

    def render_replies(self, request: WebhookRequest, replies: list[Reply]) -> tuple[str, str]:
        twiml = MessagingResponse()
        for reply in replies:
            twiml.message(reply.text)  # no buttons on SMS; the text names the choices
        return str(twiml), "application/xml"

    # -- outbound ----------------------------------------------------------------
    def _rest(self) -> Client:
        if self._client is None:
            client = Client(
                self.account_sid,
                self.auth_token,
                http_client=TwilioHttpClient(timeout=SEND_TIMEOUT),
            )
            client.api.base_url = self.api_url.rstrip("/")
            self._client = client
        return self._client

    def send(self, message: OutboundRequest) -> SendResult:
        if not (self.account_sid and self.auth_token):
            raise SendError("Twilio credentials are not configured", permanent=True)
        whatsapp = message.channel == Channel.WHATSAPP
        sender = message.sender or (self.whatsapp_from if whatsapp else self.sms_from)
        if not sender:
            raise SendError("no sender number configured", permanent=True)
        if whatsapp and not sender.startswith(WHATSAPP_PREFIX):
            sender = WHATSAPP_PREFIX + sender
        kwargs: dict[str, Any] = {"to": message.recipient, "from_": sender, "body": message.text}
        if message.status_callback_url:
            kwargs["status_callback"] = message.status_callback_url
        try:
            sent = self._rest().messages.create(**kwargs)
        except TwilioRestException as exc:
            retryable = exc.status == 429 or exc.status >= 500
            raise SendError(
                f"Twilio {exc.status} {exc.code}: {exc.msg}",
                permanent=not retryable,
                # 21610: the recipient opted out (STOP); nothing more until they write again
                blocked=exc.code == OPTED_OUT,
            ) from exc
        except requests.RequestException as exc:
            raise SendError(f"Twilio unreachable: {exc}", permanent=False) from exc
        return SendResult(external_id=sent.sid, status=sent.status or "queued")

    def sends_to(self, channel: str, recipient: str) -> bool:
        return channel == Channel.SMS or (
            channel == Channel.WHATSAPP and recipient.startswith(WHATSAPP_PREFIX)
        )

    def fetch_media(self, ref: str) -> bytes:
        raise SendError("Twilio media are kept as references", permanent=True)

    def acknowledge(self, ack: str) -> None:
        """Twilio waits on nothing."""
