"""Hostile input on every webhook, correctly signed so it gets past the door: odd JSON
shapes, deep nesting, huge numbers, NUL bytes, invalid UTF-8, SQL and HTML in text
fields. The gateway answers 2xx or 4xx, never 5xx, and what it stores is inert."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.store.db import upgrade
from gateway.web.app import create_app
from sandbox.citizens import twilio_signature

_dir = Path(tempfile.mkdtemp(prefix="lapor-hostile-"))
_url = f"sqlite:///{_dir / 'gateway.sqlite'}"
upgrade(_url)
PUBLIC = "https://gateway.test"
SECRETS = {
    "twilio_auth_token": "tw-token",
    "twilio_account_sid": "AC" + "0" * 32,
    "telegram_bot_token": "1:tg",
    "telegram_secret_token": "tg-secret",
    "meta_app_secret": "meta-secret",
    "x_consumer_secret": "x-secret",
}
APP = create_app(
    database_url=_url,
    instance_path=_dir,
    public_url=PUBLIC,
    # replies would be sent right after the commit; nothing listens here
    telegram_api_url="http://127.0.0.1:9",
    meta_graph_url="http://127.0.0.1:9",
    x_api_url="http://127.0.0.1:9",
    api_keys="fuzz-key",
    **SECRETS,
)
CLIENT = APP.test_client()
NASTY_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "'; DROP TABLE complaints; --",
            "<script>alert(1)</script>",
            "\x00\x00LAPOR\x00",
            "LAPOR " + "A" * 5000,
            "STATUS LPR-' OR '1'='1",
            "\ud7ff\ue000\U0010ffff",
            "KIRIM",
            "/start",
        ]
    ),
)
JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | NASTY_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _ok(response) -> None:
    assert response.status_code < 500, (response.status_code, response.get_data()[:300])


def deep(levels: int) -> bytes:
    """JSON nested deeper than Python's parser goes (written out, json.dumps cannot)."""
    return b'{"a":' * levels + b"{}" + b"}" * levels


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "Body",
                "From",
                "To",
                "MessageSid",
                "NumMedia",
                "MediaUrl0",
                "MediaContentType0",
                "Latitude",
                "Longitude",
                "ProfileName",
                "Address",
                "ButtonText",
            ]
        ),
        NASTY_TEXT,
    )
)
def test_twilio_signed_forms(fields):
    form = {k: v.replace("\x00", "") for k, v in fields.items()}  # a form cannot carry NUL
    url = f"{PUBLIC}/webhooks/twilio/messages"
    signature = twilio_signature(SECRETS["twilio_auth_token"], url, form)
    _ok(
        CLIENT.post(
            "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
        )
    )


@FUZZ
@given(update=JSONISH, update_id=st.integers(min_value=-(2**63), max_value=2**63))
def test_telegram_updates(update, update_id):
    body = update if not isinstance(update, dict) else {"update_id": update_id, **update}
    for payload in (body, {"update_id": update_id, "message": update}):
        _ok(
            CLIENT.post(
                "/webhooks/telegram",
                data=json.dumps(payload),
                content_type="application/json",
                headers={"X-Telegram-Bot-Api-Secret-Token": "tg-secret"},
            )
        )


def _meta(body: bytes):
    digest = hmac.new(b"meta-secret", body, hashlib.sha256).hexdigest()
    return CLIENT.post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": f"sha256={digest}"},
    )


def _x(body: bytes):
    digest = hmac.new(b"x-secret", body, hashlib.sha256).digest()
    return CLIENT.post(
        "/webhooks/x",
        data=body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()},
    )


@FUZZ
@given(entry=JSONISH, kind=st.sampled_from(["page", "instagram", "whatsapp_business_account"]))
def test_meta_events(entry, kind):
    for payload in (
        entry,
        {"object": kind, "entry": [entry]},
        {"object": kind, "entry": [{"messaging": [entry], "changes": [entry]}]},
    ):
        _ok(_meta(json.dumps(payload).encode()))


@FUZZ
@given(event=JSONISH)
def test_x_events(event):
    for payload in (
        event,
        {"for_user_id": "1", "direct_message_events": [event]},
        {"for_user_id": "1", "tweet_create_events": [event]},
    ):
        _ok(_x(json.dumps(payload).encode()))


def test_bodies_no_parser_should_accept():
    for body in (
        b"\xff\xfe\x00garbage",
        b"{" * 5000,
        deep(3000),
        b'{"update_id": 1e999999}',
        b"[" + b"1," * 100000 + b"1]",
    ):
        _ok(
            CLIENT.post(
                "/webhooks/telegram",
                data=body,
                content_type="application/json",
                headers={"X-Telegram-Bot-Api-Secret-Token": "tg-secret"},
            )
        )
        _ok(_meta(body))
        _ok(_x(body))
        for path in ("/api/v1/calls", "/api/v1/complaints"):
            answer = CLIENT.post(
                path,
                data=body,
                content_type="application/json",
                headers={"Authorization": "Bearer fuzz-key"},
            )
            assert answer.status_code in (400, 413, 422), (path, answer.status_code)


def test_stored_text_is_rendered_escaped_in_the_console():
    from gateway.console.accounts import save_operator
    from tests.gateway.test_console import login

    url = f"{PUBLIC}/webhooks/twilio/messages"
    form = {
        "MessageSid": "SM" + "5" * 32,
        "From": "+6281299990001",
        "To": "+62215550100",
        "Body": "LAPOR <script>alert('x')</script> jalan rusak parah di depan sekolah",
    }
    signature = twilio_signature(SECRETS["twilio_auth_token"], url, form)
    reply = CLIENT.post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    ).get_data(as_text=True)
    code = reply.split("LPR-")[1][:8]
    with APP.extensions["lapor"].sessions() as s:
        save_operator(s, "sari", "kata-sandi-panjang", "supervisor", update=True)
        s.commit()
    browser = APP.test_client()
    login(browser, "sari", "kata-sandi-panjang")
    page = browser.get(f"/operator/complaints/LPR-{code}").get_data(as_text=True)
    # the dialog keeps the complaint's words; whatever of the tag it keeps is escaped
    assert "alert('x')</script>" not in page and "alert(&#39;x&#39;)&lt;/script&gt;" in page
