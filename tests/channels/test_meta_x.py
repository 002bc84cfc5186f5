"""Meta and X adapters on payloads shaped as the platforms document them (no database,
no network)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from channels.base import BadPayload, Unsupported, WebhookRequest
from channels.meta import MetaAdapter
from channels.x import XAdapter
from normalizer.complaint import Channel
from sandbox import meta_api, x_api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
META = MetaAdapter("app-secret", "verify-me", "page-token", "http://127.0.0.1:9")
X = XAdapter("consumer-secret", "bearer", "http://127.0.0.1:9")


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def meta_request(body: bytes, secret: str = "app-secret") -> WebhookRequest:
    sig = meta_api.sign(secret, body)
    return WebhookRequest(
        "POST", "https://gw/webhooks/meta", "", {"X-Hub-Signature-256": sig}, body
    )


def x_request(body: bytes, secret: str = "consumer-secret") -> WebhookRequest:
    sig = x_api.sign(secret, body)
    return WebhookRequest(
        "POST", "https://gw/webhooks/x", "", {"x-twitter-webhooks-signature": sig}, body
    )


def meta(name: str):
    return META.parse(meta_request(fixture(name)))


def test_every_fixture_is_used():
    source = Path(__file__).read_text()
    for path in [*FIXTURES.glob("meta/*.json"), *FIXTURES.glob("x/*.json")]:
        assert f'"{path.parent.name}/{path.stem}"' in source, path


def test_meta_signature_is_checked_on_the_raw_bytes():
    body = fixture("meta/messenger__text")
    assert META.verify(meta_request(body))
    assert not META.verify(meta_request(body, secret="other"))
    signed = meta_request(body)
    tampered = WebhookRequest("POST", "u", "", signed.headers, body.replace(b"rusak", b"bagus"))
    assert not META.verify(tampered)
    assert not META.verify(WebhookRequest("POST", "u", "", {}, body))


def test_meta_subscription_handshake():
    ok = WebhookRequest(
        "GET",
        "u",
        "",
        {},
        b"",
        args={
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me",
            "hub.challenge": "1158201444",
        },
    )
    assert META.verify(ok) and META.parse(ok).response == (200, "1158201444", "text/plain")
    bad = WebhookRequest(
        "GET",
        "u",
        "",
        {},
        b"",
        args={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
    )
    assert not META.verify(bad)


def test_messenger_text_quick_reply_image_location():
    [text] = meta("meta/messenger__text").messages
    assert (text.channel, text.sender, text.recipient) == (
        Channel.MESSENGER,
        "6543210987654321",
        "104512345678901",
    )
    assert text.external_id.startswith("m_")
    assert meta("meta/messenger__quick_reply").messages[0].text == "2"
    [image] = meta("meta/messenger__image").messages[0].media
    assert image.url.startswith("https://scontent") and image.fetch_ref is None
    location = meta("meta/messenger__location").messages[0].location
    assert (location.lat, location.lon) == (-6.9175, 107.6191)


def test_every_message_of_a_batch_is_taken():
    messages = meta("meta/messenger__batch").messages
    assert [m.sender for m in messages] == ["1111", "2222"]


def test_echoes_are_ignored():
    with pytest.raises(Unsupported):
        meta("meta/messenger__echo")


def test_instagram():
    [msg] = meta("meta/instagram__text").messages
    assert msg.channel == Channel.INSTAGRAM and msg.recipient == "17841400000000001"


def test_whatsapp_cloud_messages():
    [text] = meta("meta/whatsapp__text").messages
    assert text.channel == Channel.WHATSAPP and text.sender == "wa:6281234567890"
    assert text.phone == "+6281234567890" and text.recipient == "106540352242922"
    assert text.name == "Warga" and text.external_id.startswith("wamid.")
    location = meta("meta/whatsapp__location").messages[0].location
    assert location.text == "Monas, Gambir, Jakarta Pusat"
    [image] = meta("meta/whatsapp__image").messages[0].media
    assert image.fetch_ref == "990000000000001" and image.content_type == "image/jpeg"
    assert meta("meta/whatsapp__document").messages[0].media[0].content_type == "application/pdf"
    assert meta("meta/whatsapp__button_reply").messages[0].text == "3"
    assert meta("meta/whatsapp__sticker").messages[0].unsupported == "sticker"


def test_whatsapp_cloud_statuses():
    [status] = meta("meta/whatsapp__status_delivered").statuses
    assert status.status == "delivered" and status.external_id.startswith("wamid.")


@pytest.mark.parametrize(
    "body",
    [
        b"nope",
        b"{}",
        b'{"object": "page", "entry": [{"messaging": [{"sender": {}, "message": {"mid": "m1"}}]}]}',
    ],
)
def test_meta_malformed(body):
    with pytest.raises(BadPayload):
        META.parse(meta_request(body))


def test_unknown_meta_object_is_unsupported():
    with pytest.raises(Unsupported):
        META.parse(meta_request(b'{"object": "permissions", "entry": []}'))


def test_x_crc():
    request = WebhookRequest("GET", "u", "", {}, b"", args={"crc_token": "challenge-123"})
    assert X.verify(request)
    status, body, _ = X.parse(request).response
    expected = base64.b64encode(
        hmac.new(b"consumer-secret", b"challenge-123", hashlib.sha256).digest()
    ).decode()
    assert status == 200 and json.loads(body) == {"response_token": f"sha256={expected}"}


def test_x_signature():
    body = fixture("x/direct_message")
    assert X.verify(x_request(body))
    assert not X.verify(x_request(body, secret="other"))
    assert not X.verify(WebhookRequest("POST", "u", "", {}, body))


def test_x_direct_message_and_own_sends():
    [dm] = X.parse(x_request(fixture("x/direct_message"))).messages
    assert (dm.channel, dm.sender, dm.public) == (Channel.X, "3001969357", False)
    assert dm.name == "Warga X"
    with pytest.raises(Unsupported):
        X.parse(x_request(fixture("x/direct_message__own")))


def test_x_mention_is_public_and_loses_the_handles():
    [mention] = X.parse(x_request(fixture("x/mention"))).messages
    assert mention.public and mention.sender == "3001969357"
    assert mention.text.startswith("jalan di depan rumah") and "@" not in mention.text
