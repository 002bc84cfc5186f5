"""The Telegram adapter on real-shaped updates (no database, no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels.base import BadPayload, Unsupported, WebhookRequest
from channels.telegram import TelegramAdapter
from normalizer.complaint import Channel
from normalizer.message import Reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
ADAPTER = TelegramAdapter("123:ABC", "s3cret-token", "http://127.0.0.1:9")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def request(body: bytes | dict, secret: str | None = "s3cret-token") -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return WebhookRequest("POST", "https://gw/webhooks/telegram", "", headers, raw)


def parse(name: str):
    [msg] = ADAPTER.parse(request(fixture(name))).messages
    return msg


def test_every_fixture_is_used():
    used = {p.stem for p in FIXTURES.glob("*.json")}
    source = Path(__file__).read_text()
    assert all(f'"{name}"' in source for name in used), used


def test_secret_token():
    assert ADAPTER.verify(request({}))
    assert not ADAPTER.verify(request({}, secret="wrong"))
    assert not ADAPTER.verify(request({}, secret=None))
    assert not TelegramAdapter("t", "", "http://x").verify(request({}, secret=""))


def test_text():
    msg = parse("message__text")
    assert msg.channel == Channel.TELEGRAM and msg.sender == "111222333"
    assert msg.external_id == "900000000" and msg.text.startswith("Jalan di depan")
    assert msg.language_hint == "id" and msg.name


def test_command_loses_the_bot_name():
    assert parse("message__command_with_botname").text == "/status LPR-7K3M9Q2X"


def test_location_and_venue():
    assert parse("message__location").location.lat == pytest.approx(-6.9147)
    venue = parse("message__venue").location
    assert venue.text == "Gedung Merdeka, Jl. Asia Afrika No.8, Bandung"


def test_photo_takes_the_largest_size_and_the_caption():
    msg = parse("message__photo_with_caption")
    [media] = msg.media
    assert media.fetch_ref == "AgACAgUAAxkBAAIphoto" and media.size == 183_000
    assert media.content_type == "image/jpeg" and msg.text == "Ini lubangnya"


def test_document_and_the_20_mb_limit():
    [media] = parse("message__document").media
    assert media.content_type == "application/pdf"
    big = parse("message__document_too_large")
    assert big.media == () and big.unsupported == "large_file"


@pytest.mark.parametrize(
    "name, kind", [("message__sticker", "sticker"), ("message__voice", "voice")]
)
def test_unsupported_content_in_a_private_chat_gets_an_answer(name, kind):
    msg = parse(name)
    assert msg.unsupported == kind and msg.text == ""


@pytest.mark.parametrize("name", ["message__group", "edited_message", "channel_post"])
def test_other_updates_are_ignored(name):
    with pytest.raises(Unsupported):
        ADAPTER.parse(request(fixture(name)))


def test_callback_query_is_the_pressed_choice_and_is_answered_in_the_webhook_reply():
    msg = parse("callback_query")
    assert msg.text == "2" and msg.ack and msg.language_hint == "en"
    body, content_type = ADAPTER.render_replies(request(fixture("callback_query")), [Reply("x")])
    assert content_type == "application/json"
    assert json.loads(body) == {"method": "answerCallbackQuery", "callback_query_id": msg.ack}
    assert ADAPTER.render_replies(request(fixture("message__text")), []) == ("", "text/plain")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"message": {}}',
        b'{"update_id": "7"}',
        b'{"update_id": 7, "message": {"chat": 5}}',
    ],
)
def test_malformed(body):
    with pytest.raises(BadPayload):
        ADAPTER.parse(request(body))
