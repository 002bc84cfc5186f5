"""Citizens as the platforms deliver them: signed Twilio webhooks over real HTTP (the one
Twilio signer the tests, the benches and the demo share)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import requests
from twilio.request_validator import RequestValidator

_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def twilio_signature(auth_token: str, url: str, form: dict[str, str]) -> str:
    """``X-Twilio-Signature`` as Twilio computes it for a form POSTed to ``url``."""
    return str(RequestValidator(auth_token).compute_signature(url, form))


def twiml_messages(body: str) -> list[str]:
    """The texts of the <Message> elements of a TwiML answer."""
    return [m.text or "" for m in ET.fromstring(body).iter("Message")]


class TwilioSender:
    """One phone writing to the gateway's number by SMS or WhatsApp through Twilio."""

    def __init__(
        self,
        gateway_url: str,
        auth_token: str,
        number: str,
        *,
        whatsapp: bool = False,
        to: str = "+62215550100",
        account_sid: str = "AC" + "0" * 32,
        name: str | None = None,
    ) -> None:
        self.url = f"{gateway_url}/webhooks/twilio/messages"
        self.status_url = f"{gateway_url}/webhooks/twilio/status"
        self.auth_token = auth_token
        self.number = f"whatsapp:{number}" if whatsapp else number
        self.to = f"whatsapp:{to}" if whatsapp else to
        self.account_sid = account_sid
        self.name = name

    def form(self, body: str = "", **extra: str) -> dict[str, str]:
        sid = new_sid()
        form = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": self.account_sid,
            "From": self.number,
            "To": self.to,
            "Body": body,
            "NumMedia": "0",
            "ApiVersion": "2010-04-01",
            **extra,
        }
        if self.name:
            form.setdefault("ProfileName", self.name)
        return form

    def post(
        self, form: dict[str, str], *, url: str | None = None, signature: str | None = None
    ) -> requests.Response:
        url = url or self.url
        sig = twilio_signature(self.auth_token, url, form) if signature is None else signature
        headers = {"X-Twilio-Signature": sig} if sig else {}
        return requests.post(url, data=form, headers=headers, timeout=10)

    def say(self, body: str = "", **extra: str) -> list[str]:
        """Send one message; the gateway's reply texts."""
        response = self.post(self.form(body, **extra))
        assert response.status_code == 200, response.text
        return twiml_messages(response.text)
