"""Signed Twilio webhooks, as Twilio sends them, over real HTTP."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import requests
from twilio.request_validator import RequestValidator

_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def twiml_messages(body: str) -> list[str]:
    """The texts of the <Message> elements of a TwiML answer."""
    return [m.text or "" for m in ET.fromstring(body).iter("Message")]


class TwilioSender:
    def __init__(
        self, gateway_url: str, auth_token: str, number: str, *, whatsapp: bool = False
    ) -> None:
        self.url = f"{gateway_url}/webhooks/twilio/messages"
        self.status_url = f"{gateway_url}/webhooks/twilio/status"
        self.validator = RequestValidator(auth_token)
        self.number = f"whatsapp:{number}" if whatsapp else number
        self.to = "whatsapp:+62215550100" if whatsapp else "+62215550100"

    def form(self, body: str = "", **extra: str) -> dict[str, str]:
        sid = new_sid()
        return {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.number,
            "To": self.to,
            "Body": body,
            "NumMedia": "0",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    def post(
        self, form: dict[str, str], *, url: str | None = None, signature: str | None = None
    ) -> requests.Response:
        url = url or self.url
        sig = self.validator.compute_signature(url, form) if signature is None else signature
        headers = {"X-Twilio-Signature": sig} if sig else {}
        return requests.post(url, data=form, headers=headers, timeout=10)

    def say(self, body: str = "", **extra: str) -> list[str]:
        """Send one message; the gateway's reply texts."""
        response = self.post(self.form(body, **extra))
        assert response.status_code == 200, response.text
        return twiml_messages(response.text)
