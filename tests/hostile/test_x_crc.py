"""X's challenge-response check is not a signing oracle.

``GET /webhooks/x?crc_token=T`` answers ``sha256=`` + base64 HMAC-SHA256(consumer
secret, T): the same construction that signs POST bodies
(``x-twitter-webhooks-signature``). Answering any T would sign any forged event. The
gateway answers only tokens shaped like X's (short base64/base64url text, never a JSON
document) and takes as an event only a POST body that is a JSON object, which no such
token can be."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import func, select

from gateway.store.models import InboundRecord, OutboundMessage
from gateway.web.app import create_app
from sandbox import social_events as ev
from sandbox.server import ServerThread
from sandbox.x_api import FakeXAPI

X_SECRET, X_BEARER = "x-consumer-secret", "x-bearer"
# A crc_token as X sends it: base64 of a UUID (GET ...?crc_token=...&nonce=...)
X_TOKEN = "M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0"


def _hmac(data: bytes) -> str:
    digest = hmac.new(X_SECRET.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


@pytest.fixture
def gateway(make_settings):
    x = FakeXAPI(X_BEARER)
    with ServerThread(x.app) as x_server:
        app = create_app(
            make_settings(
                x_consumer_secret=X_SECRET, x_bearer_token=X_BEARER, x_api_url=x_server.url
            )
        )
        yield app.test_client(), app.extensions["lapor"], x
        app.extensions["lapor"].close()


def _count(runtime, model) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def _crc(client, token: str):
    return client.get("/webhooks/x", query_string={"crc_token": token, "nonce": "MTc2OTUx"})


def _post(client, body: bytes, signature: str):
    return client.post(
        "/webhooks/x",
        data=body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": signature},
    )


def test_a_real_crc_is_answered(gateway):
    client, _, _ = gateway
    answer = _crc(client, X_TOKEN)
    assert answer.status_code == 200
    assert answer.get_json() == {"response_token": _hmac(X_TOKEN.encode())}
    for token in ("abc", "challenge-123", "a_b-c", "YWJj+/Q=", "A" * 128):
        assert _crc(client, token).status_code == 200, token


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(ev.x_dm("3300000099", "Jalan rusak di depan pasar, tolong"), id="dm"),
        pytest.param(ev.x_mention("3300000098", "jalan rusak #lapor"), id="mention"),
    ],
)
def test_the_crc_answer_cannot_sign_a_forged_event(gateway, forged):
    """The attack: ask the CRC endpoint to 'answer' the forged body, then post the body
    with that answer as its signature."""
    client, runtime, x = gateway
    body = json.dumps(forged).encode()
    oracle = _crc(client, body.decode())
    assert oracle.status_code == 400
    assert b"response_token" not in oracle.get_data()
    # even with a correct signature (what the oracle would have answered) nothing of a
    # forged event gets further than the refusal: here it is refused for lack of one
    stolen = (oracle.get_json(silent=True) or {}).get("response_token", "sha256=")
    assert _post(client, body, stolen).status_code == 403
    time.sleep(0.3)  # replies are sent right after the commit, when there is one
    assert _count(runtime, InboundRecord) == 0 and _count(runtime, OutboundMessage) == 0
    assert x.dms == [] and x.tweets == []


@pytest.mark.parametrize(
    "token",
    [
        '{"for_user_id":"2244994945"}',  # a JSON document
        " {}",
        "[]",
        "abc def",  # whitespace
        "abc\n",
        "A" * 129,  # longer than any X token
        "a%7Bb",  # decoded: a{b
        'ab"c',
        "ab:c",
        "ab.c",
        "\u00e9t\u00e9",  # not ASCII
        "",
    ],
)
def test_tokens_not_shaped_like_x_s_are_refused(gateway, token):
    client, _, _ = gateway
    answer = client.get("/webhooks/x?crc_token=" + token.replace(" ", "%20").replace("\n", "%0A"))
    assert answer.status_code in (400, 403), (token, answer.status_code)
    assert b"sha256=" not in answer.get_data()


@pytest.mark.parametrize("body", [b"abc", b"12345", b"YWJj", b'"abc"', b"[]", b"null"])
def test_a_signed_post_that_could_be_a_crc_token_or_is_no_object_is_refused(gateway, body):
    client, runtime, _ = gateway
    answer = _post(client, body, _hmac(body))
    assert answer.status_code == 400
    assert _count(runtime, InboundRecord) == 0


def test_a_signed_real_event_still_goes_through(gateway):
    client, runtime, x = gateway
    body = json.dumps(ev.x_dm("3300000097", "Lampu jalan mati di gang kami")).encode()
    assert _post(client, body, _hmac(body)).status_code == 200
    assert _count(runtime, InboundRecord) == 1
