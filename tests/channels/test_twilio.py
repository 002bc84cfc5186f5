"""The Twilio adapter on captured-shape payloads (no database), and its REST sends
through the real twilio client to the stand-in API over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels.base import BadPayload, OutboundRequest, SendError, WebhookRequest
from channels.twilio import TwilioAdapter
from normalizer.complaint import Channel
from normalizer.message import Reply
from sandbox.citizens import twilio_signature, twiml_messages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twilio"
URL = "https://gateway.test/webhooks/twilio/messages"
TOKEN = "fixture-token"


def fixture(name: str) -> dict[str, str]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def adapter(**kw) -> TwilioAdapter:
    return TwilioAdapter(
        account_sid="AC" + "0" * 32, auth_token=TOKEN, **{"api_url": "http://127.0.0.1:9", **kw}
    )


def request(
    form: dict[str, str], hook: str = "messages", signature: str | None = None, url: str = URL
) -> WebhookRequest:
    sig = twilio_signature(TOKEN, url, form) if signature is None else signature
    return WebhookRequest(
        method="POST", url=url, hook=hook, headers={"X-Twilio-Signature": sig}, body=b"", form=form
    )


def test_every_fixture_verifies_with_its_signature():
    for path in FIXTURES.glob("*.json"):
        form = json.loads(path.read_text())
        assert adapter().verify(request(form)), path.name
        assert not adapter().verify(request(form, signature="AAAA")), path.name


def test_no_auth_token_means_nothing_verifies():
    assert not TwilioAdapter("", "", "http://x").verify(request(fixture("message__sms")))


def test_sms():
    [msg] = adapter().parse(request(fixture("message__sms"))).messages
    assert msg.channel == Channel.SMS and msg.sender == "+6281234567890"
    assert msg.phone == "+6281234567890" and msg.recipient == "+62215550100"
    assert msg.external_id == "SM3c1b8e0f2a4d4c6e9a0b1c2d3e4f5a6b"
    assert msg.text.startswith("LAPOR Jalan") and msg.media == () and msg.location is None


def test_alphanumeric_sender_is_kept_as_sent():
    [msg] = adapter().parse(request(fixture("message__sms_alphanumeric_sender"))).messages
    assert msg.sender == "LAPOR1708" and msg.phone is None


def test_whatsapp_text():
    [msg] = adapter().parse(request(fixture("message__whatsapp_text"))).messages
    assert msg.channel == Channel.WHATSAPP and msg.sender == "whatsapp:+6281234567890"
    assert msg.name == "Siti" and msg.phone == "+6281234567890"


def test_whatsapp_location():
    [msg] = adapter().parse(request(fixture("message__whatsapp_location"))).messages
    assert msg.location.lat == pytest.approx(-6.9147444)
    assert msg.location.lon == pytest.approx(107.6098111)
    assert msg.location.text == "Gedung Merdeka, Jl. Asia Afrika No.8, Bandung"


def test_whatsapp_media_keeps_every_reference():
    [msg] = adapter().parse(request(fixture("message__whatsapp_media"))).messages
    assert [m.content_type for m in msg.media] == ["image/jpeg", "application/pdf"]
    assert all(m.url.startswith("https://api.twilio.com/") for m in msg.media)
    assert msg.text == "Ini fotonya"


def test_status_callbacks():
    [status] = adapter().parse(request(fixture("status__delivered"), "status")).statuses
    assert (status.channel, status.status, status.error_code) == (Channel.SMS, "delivered", None)
    [status] = adapter().parse(request(fixture("status__whatsapp_undelivered"), "status")).statuses
    assert (status.channel, status.status, status.error_code) == (
        Channel.WHATSAPP,
        "undelivered",
        "30005",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"From": ""},
        {"MessageSid": "", "SmsMessageSid": ""},
        {"NumMedia": "x"},
        {"Latitude": "1", "Longitude": "999"},
    ],
)
def test_malformed_messages(change):
    with pytest.raises(BadPayload):
        adapter().parse(request({**fixture("message__sms"), **change}))


def test_status_without_status_is_malformed():
    form = fixture("status__delivered")
    del form["MessageStatus"], form["SmsStatus"]
    with pytest.raises(BadPayload):
        adapter().parse(request(form, "status"))


def test_replies_render_as_twiml_with_escaping():
    body, content_type = adapter().render_replies(
        request({}), [Reply("Kode <LPR-1> & lanjut"), Reply("dua")]
    )
    assert content_type == "application/xml"
    assert twiml_messages(body) == ["Kode <LPR-1> & lanjut", "dua"]


def test_send_through_the_twilio_client(fake_twilio):
    fake, server = fake_twilio
    a = TwilioAdapter(
        "AC" + "1" * 32,
        "test-auth-token",
        server.url,
        sms_from="+62215550100",
        whatsapp_from="+62215550101",
    )
    sms = a.send(
        OutboundRequest(
            Channel.SMS,
            "+6281234567890",
            "Halo",
            status_callback_url="https://gateway.test/webhooks/twilio/status",
        )
    )
    wa = a.send(OutboundRequest(Channel.WHATSAPP, "whatsapp:+6281234567890", "Halo WA"))
    assert sms.external_id.startswith("SM") and sms.status == "queued"
    assert [(m["from"], m["to"]) for m in fake.messages] == [
        ("+62215550100", "+6281234567890"),
        ("whatsapp:+62215550101", "whatsapp:+6281234567890"),
    ]
    assert fake.messages[0]["status_callback"] == "https://gateway.test/webhooks/twilio/status"
    assert wa.external_id != sms.external_id


@pytest.mark.parametrize(
    "status, permanent", [(429, False), (500, False), (503, False), (400, True)]
)
def test_send_errors_are_sorted(fake_twilio, status, permanent):
    fake, server = fake_twilio
    fake.fail_next.append(status)
    a = TwilioAdapter("AC" + "1" * 32, "t", server.url, sms_from="+62215550100")
    with pytest.raises(SendError) as info:
        a.send(OutboundRequest(Channel.SMS, "+6281234567890", "Halo"))
    assert info.value.permanent is permanent


def test_send_to_unreachable_api_is_retryable():
    with pytest.raises(SendError) as info:
        adapter(sms_from="+62215550100").send(OutboundRequest(Channel.SMS, "+628123", "x"))
    assert not info.value.permanent


def test_send_without_credentials_is_permanent():
    with pytest.raises(SendError) as info:
        TwilioAdapter("", "", "http://x").send(OutboundRequest(Channel.SMS, "+628123", "x"))
    assert info.value.permanent
