"""Ids from the platforms cannot steer the gateway's own requests.

A sender id ``../../tweets?`` once made the gateway POST ``/2/tweets?/messages`` with its
bearer token: the dialog's answer went out as a public post. Every id taken from X,
Meta, Telegram and Twilio is checked against the platform's documented shape where it
comes in (a single event with a malformed id is 400; in a batch that entry alone is
dropped and logged, the good ones are stored), ids go into API paths quoted, and media
are fetched with the gateway's credentials only from the platform's own hosts.

Every request here is real HTTP into the app; the platforms are the stand-ins of
``sandbox`` on loopback, each behind a recorder of every request it received."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from channels.base import OutboundRequest, SendError
from gateway.store.models import InboundRecord, OutboundMessage
from gateway.web.app import create_app
from normalizer.complaint import Channel
from sandbox import social_events as ev
from sandbox import telegram_updates as tg
from sandbox.citizens import twilio_signature
from sandbox.meta_api import FakeGraphAPI
from sandbox.server import ServerThread
from sandbox.telegram_api import FakeBotAPI
from sandbox.x_api import FakeXAPI
from tests.conftest import TWILIO_SID, TWILIO_TOKEN

X_SECRET, X_BEARER = "x-consumer-secret", "x-bearer"
META_SECRET, VERIFY, PAGE_TOKEN = "meta-app-secret", "meta-verify", "meta-page-token"
TG_TOKEN, TG_SECRET = "123456:tg-token", "tg-secret-token"
PUBLIC = "https://gateway.test"
STEERING = ["../../tweets?", "1/../2", "12%2F34", "12?x=1", "12#x", "", "1 2", "-5", "1e5"]


class Recorder:
    """WSGI middleware: every request's method, raw path and Authorization header."""

    def __init__(self, app: Any) -> None:
        self.app, self.seen = app, []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
        self.seen.append((environ["REQUEST_METHOD"], raw, environ.get("HTTP_AUTHORIZATION")))
        return self.app(environ, start_response)


def _anything(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [b"whatever this host serves"]


@pytest.fixture
def gw(make_settings):
    x, graph, bot = FakeXAPI(X_BEARER), FakeGraphAPI(PAGE_TOKEN), FakeBotAPI(TG_TOKEN)
    rx, rgraph, rbot, elsewhere = (
        Recorder(x.app),
        Recorder(graph.app),
        Recorder(bot.app),
        Recorder(_anything),
    )
    with (
        ServerThread(rx) as xs,
        ServerThread(rgraph) as gs,
        ServerThread(rbot) as ts,
        ServerThread(elsewhere) as es,
    ):
        graph.url = gs.url
        app = create_app(
            make_settings(
                public_url=PUBLIC,
                x_consumer_secret=X_SECRET,
                x_bearer_token=X_BEARER,
                x_api_url=xs.url,
                meta_app_secret=META_SECRET,
                meta_verify_token=VERIFY,
                meta_page_token=PAGE_TOKEN,
                meta_graph_url=gs.url,
                telegram_bot_token=TG_TOKEN,
                telegram_secret_token=TG_SECRET,
                telegram_api_url=ts.url,
            )
        )
        runtime = app.extensions["lapor"]
        yield SimpleNamespace(
            client=app.test_client(),
            runtime=runtime,
            x=x,
            graph=graph,
            bot=bot,
            x_seen=rx.seen,
            graph_seen=rgraph.seen,
            bot_seen=rbot.seen,
            elsewhere=es,
            elsewhere_seen=elsewhere.seen,
        )
        runtime.close()


# -- helpers: each platform's signed request ---------------------------------------
def post_x(client, payload: Any):
    body = json.dumps(payload).encode()
    digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    return client.post(
        "/webhooks/x",
        data=body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()},
    )


def post_meta(client, payload: Any):
    body = json.dumps(payload).encode()
    digest = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": f"sha256={digest}"},
    )


def post_telegram(client, update: Any, secret: str | None = TG_SECRET):
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return client.post(
        "/webhooks/telegram", data=json.dumps(update), content_type="application/json",
        headers=headers,
    )  # fmt: skip


def twilio_form(**extra: str) -> dict[str, str]:
    sid = "SM" + hashlib.md5(repr(extra).encode()).hexdigest()  # noqa: S324 - an id
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": TWILIO_SID,
        "From": "+6281234567890",
        "To": "+62215550100",
        "Body": "LAPOR jalan rusak di depan sekolah",
        "NumMedia": "0",
        **extra,
    }


def post_twilio(client, form: dict[str, str], *, url: str = f"{PUBLIC}/webhooks/twilio/messages"):
    signature = twilio_signature(TWILIO_TOKEN, url, form)
    return client.post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )


def stored(runtime) -> list[InboundRecord]:
    with runtime.sessions() as s:
        return list(s.scalars(select(InboundRecord).order_by(InboundRecord.id)))


def count(runtime, model) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def settle() -> None:
    time.sleep(0.4)  # replies go out right after the commit, from another thread


# -- X -----------------------------------------------------------------------------
@pytest.mark.parametrize("sender", STEERING)
def test_x_sender_id_cannot_steer_the_reply_to_a_public_post(gw, sender):
    """The attack of the report: a DM 'from' ``../../tweets?`` whose answer went out
    through ``POST /2/tweets`` as a public post."""
    answer = post_x(gw.client, ev.x_dm(sender, "LAPOR jalan rusak parah di depan pasar"))
    assert answer.status_code == 400
    settle()
    assert stored(gw.runtime) == [] and count(gw.runtime, OutboundMessage) == 0
    assert gw.x.tweets == [] and gw.x.dms == [] and gw.x_seen == []


@pytest.mark.parametrize("field", ["for_user_id", "event id", "mention author", "mention tweet id"])
def test_x_every_id_is_checked(gw, field):
    if field in ("for_user_id", "event id"):
        payload = ev.x_dm("3300000001", "LAPOR lampu jalan mati")
        if field == "for_user_id":
            payload["for_user_id"] = "../2244994945"
        else:
            payload["direct_message_events"][0]["id"] = "1/../2"
    else:
        payload = ev.x_mention("3300000002", "jalan rusak #lapor")
        tweet = payload["tweet_create_events"][0]
        if field == "mention author":
            tweet["user"]["id_str"] = "../../tweets?"
        else:
            tweet["id_str"] = "1?reply_settings=x"
    assert post_x(gw.client, payload).status_code == 400
    settle()
    assert stored(gw.runtime) == [] and gw.x_seen == []


def test_x_one_bad_event_of_a_delivery_is_dropped_alone(gw, caplog):
    good = ev.x_dm("3300000003", "LAPOR got mampet di gang kami")
    bad = ev.x_dm("../../tweets?", "LAPOR sampah menumpuk")
    other = ev.x_dm("3300000004", "LAPOR lampu jalan mati sejak seminggu")
    payload = {
        **good,
        "direct_message_events": [
            *good["direct_message_events"],
            *bad["direct_message_events"],
            *other["direct_message_events"],
        ],
    }
    assert post_x(gw.client, payload).status_code == 200
    assert sorted(r.sender for r in stored(gw.runtime)) == ["3300000003", "3300000004"]
    assert "x: event dropped" in caplog.text
    settle()
    assert all("/tweets" not in path for _, path, _ in gw.x_seen)


def test_x_a_stored_id_goes_into_the_path_quoted_or_not_at_all(gw):
    """Rows stored before ids were checked: the send refuses them, nothing goes out."""
    adapter = gw.runtime.adapters["x"]
    for recipient in STEERING:
        with pytest.raises(SendError) as refused:
            adapter.send(OutboundRequest(Channel.X, recipient, "Ringkasan laporan Anda"))
        assert refused.value.permanent
    with pytest.raises(SendError):
        adapter.send(OutboundRequest(Channel.X, "1", "x", public_reply_to="1?x"))
    assert gw.x_seen == [] and gw.x.tweets == []
    adapter.send(OutboundRequest(Channel.X, "3300000005", "Halo"))
    assert [path for _, path, _ in gw.x_seen] == ["/2/dm_conversations/with/3300000005/messages"]


# -- Meta --------------------------------------------------------------------------
def test_whatsapp_media_id_cannot_leave_the_graph_version(gw):
    """``../../../x`` as a media id left ``/v19.0/`` with the page token attached."""
    payload = ev.whatsapp("6281234500001", "image", media_id="../../../x", mime_type="image/jpeg")
    assert post_meta(gw.client, payload).status_code == 400
    assert stored(gw.runtime) == []
    adapter = gw.runtime.adapters["meta"]
    for ref in ("../../../x", "123/../456", "123?fields=x", "", ".."):
        with pytest.raises(SendError) as refused:
            adapter.fetch_media(ref)
        assert refused.value.permanent
    assert gw.graph_seen == []


def test_whatsapp_media_download_only_from_meta_s_hosts(gw):
    """The lookup's answer names the download URL; the token goes to no other host."""
    media_id = gw.graph.add_media(b"\x89PNG foto", "image/png")
    adapter = gw.runtime.adapters["meta"]
    assert adapter.fetch_media(media_id) == b"\x89PNG foto"
    gw.graph.url = gw.elsewhere.url  # the lookup now answers another host's URL
    with pytest.raises(SendError):
        adapter.fetch_media(media_id)
    assert gw.elsewhere_seen == []


@pytest.mark.parametrize(
    "where", ["wa_id", "message id", "phone_number_id", "psid", "recipient", "mid"]
)
def test_meta_ids_are_checked(gw, where):
    if where in ("psid", "recipient", "mid"):
        payload = ev.messenger("24000000000001", "LAPOR jalan rusak")
        event = payload["entry"][0]["messaging"][0]
        if where == "psid":
            event["sender"]["id"] = "../me"
        elif where == "recipient":
            event["recipient"]["id"] = "1/messages?x"
        else:
            event["message"]["mid"] = "m_a/../b"
    else:
        payload = ev.whatsapp("6281234500002", body="LAPOR air PDAM mati")
        value = payload["entry"][0]["changes"][0]["value"]
        if where == "wa_id":
            value["messages"][0]["from"] = "6281234500002/../1"
        elif where == "message id":
            value["messages"][0]["id"] = "wamid.abc/../def"
        else:
            value["metadata"]["phone_number_id"] = "../me"
    assert post_meta(gw.client, payload).status_code == 400
    settle()
    assert stored(gw.runtime) == [] and gw.graph_seen == []


def test_meta_one_bad_entry_of_a_batch_is_dropped_alone(gw, caplog):
    good1 = ev.messenger("24000000000011", "LAPOR lampu jalan mati")
    bad = ev.messenger("../../me", "LAPOR sampah menumpuk")
    good2 = ev.messenger("24000000000013", "LAPOR got mampet")
    assert post_meta(gw.client, ev.batch(good1, bad, good2)).status_code == 200
    assert sorted(r.sender for r in stored(gw.runtime)) == ["24000000000011", "24000000000013"]
    assert "meta: entry dropped" in caplog.text
    wa_good = ev.whatsapp("6281234500003", body="LAPOR jalan berlubang")
    wa_bad = ev.whatsapp("62812/../x", body="LAPOR pungli")
    assert post_meta(gw.client, ev.batch(wa_good, wa_bad)).status_code == 200
    assert "wa:6281234500003" in {r.sender for r in stored(gw.runtime)}
    assert len(stored(gw.runtime)) == 3


def test_whatsapp_status_with_a_malformed_id_is_dropped(gw):
    good = ev.whatsapp_status("wamid.HBgM00000000000000000042", "delivered", "6281234500004")
    bad = ev.whatsapp_status("wamid.x/../y", "delivered", "6281234500004")
    assert post_meta(gw.client, ev.batch(good, bad)).status_code == 204
    assert post_meta(gw.client, bad).status_code == 400


@pytest.mark.parametrize(
    "challenge", ["<script>alert(1)</script>", "a b", "x" * 129, "1\r\nSet-Cookie: a=b"]
)
def test_meta_handshake_echoes_only_a_challenge_shaped_like_meta_s(gw, challenge):
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": challenge}
    answer = gw.client.get("/webhooks/meta", query_string=params)
    assert answer.status_code == 400 and challenge.encode() not in answer.get_data()
    ok = gw.client.get("/webhooks/meta", query_string={**params, "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.get_data()) == (200, b"1158201444")


@pytest.mark.parametrize("token", ["", "meta-verif", "meta-verify ", "META-VERIFY"])
def test_meta_handshake_needs_the_exact_verify_token(gw, token):
    params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "12345"}
    assert gw.client.get("/webhooks/meta", query_string=params).status_code == 403


# -- Telegram ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "where", ["chat id", "chat id number", "update_id", "file_id", "callback id"]
)
def test_telegram_ids_are_checked(gw, where):
    if where == "file_id":
        update = tg.photo(5550001, "../../getMe?x=", 1000)
    elif where == "callback id":
        update = tg.callback(5550001, "1")
        update["callback_query"]["id"] = "1/../2"
    else:
        update = tg.text(5550001, "LAPOR jalan rusak parah")
        if where == "chat id":
            update["message"]["chat"]["id"] = "../5550001"
        elif where == "chat id number":
            update["message"]["chat"]["id"] = 2**60
        else:
            update["update_id"] = -1
    assert post_telegram(gw.client, update).status_code == 400
    settle()
    assert stored(gw.runtime) == [] and gw.bot_seen == []


@pytest.mark.parametrize(
    "file_path", ["/etc/hostname", "../../bot123456:tg-token/getMe", "photos/../../x", ""]
)
def test_telegram_download_path_from_get_file_is_checked(gw, file_path):
    """python-telegram-bot reads a file_path that names a local file from the disk (for
    a local Bot API server): the gateway downloads only a relative path, no dot
    segments."""
    file_id = gw.bot.add_file(b"photo", file_path)
    with pytest.raises(SendError):
        gw.runtime.adapters["telegram"].fetch_media(file_id)
    assert [p for _, p, _ in gw.bot_seen if p.startswith("/file/")] == []


def test_telegram_download_of_a_real_file_path(gw):
    file_id = gw.bot.add_file(b"\xff\xd8 jpeg", "photos/file_7.jpg")
    assert gw.runtime.adapters["telegram"].fetch_media(file_id) == b"\xff\xd8 jpeg"
    with pytest.raises(SendError):
        gw.runtime.adapters["telegram"].fetch_media("../../getMe")


def test_telegram_send_refuses_a_chat_id_that_is_no_integer(gw):
    adapter = gw.runtime.adapters["telegram"]
    for recipient in ("1_000", " 5", "5\n", "../5", "1e3", str(2**60)):
        with pytest.raises(SendError):
            adapter.send(OutboundRequest(Channel.TELEGRAM, recipient, "Halo"))
    assert [p for _, p, _ in gw.bot_seen if "sendMessage" in p] == []


@pytest.mark.parametrize("secret", [None, "", "tg-secret-toke", "tg-secret-token ", "TG"])
def test_telegram_secret_token_must_match_exactly(gw, secret):
    answer = post_telegram(gw.client, tg.text(5550002, "LAPOR jalan rusak"), secret=secret)
    assert answer.status_code == 403 and stored(gw.runtime) == []


# -- Twilio ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        {"MessageSid": "SMxss1", "SmsMessageSid": "SMxss1"},
        {"MessageSid": "SM../../x" + "0" * 25, "SmsMessageSid": ""},
        {"MessageSid": "XX" + "0" * 32, "SmsMessageSid": ""},
        {"AccountSid": "AC" + "1" * 32},  # another account's
        {"AccountSid": "AC../x"},
        {"From": "+62812/../x"},
        {"To": "whatsapp:+62 215 550100?x"},
    ],
)
def test_twilio_ids_are_checked(gw, change):
    assert post_twilio(gw.client, twilio_form(**change)).status_code == 400
    assert stored(gw.runtime) == []


@pytest.mark.parametrize("sender", ["+6281234567890", "LAPOR1708", "PEMKOT BDG", "1708"])
def test_twilio_senders_as_twilio_writes_them_are_taken(gw, sender):
    """Phone numbers, short codes and alphanumeric sender ids (letters, digits, spaces)."""
    assert post_twilio(gw.client, twilio_form(From=sender)).status_code == 200
    assert [r.sender for r in stored(gw.runtime)] == [sender]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://evil.example/2010-04-01/Accounts/AC/Messages/MM/Media/ME",
        "https://api.twilio.com.evil.example/x",
        "https://user:pass@api.twilio.com/x",
        "http://api.twilio.com/x",
        "https://api.twilio.com:8443/x",
        "file:///etc/passwd",
    ],
)
def test_twilio_media_url_must_be_on_twilio_s_api_host(gw, url):
    form = twilio_form(NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg")
    assert post_twilio(gw.client, form).status_code == 400
    assert stored(gw.runtime) == []


def test_twilio_media_url_on_twilio_is_kept(gw):
    url = (
        f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}"
        f"/Messages/MM{'a' * 32}/Media/ME{'b' * 32}"
    )
    form = twilio_form(NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg")
    assert post_twilio(gw.client, form).status_code == 200
    assert len(stored(gw.runtime)) == 1


def test_twilio_signature_ignores_forwarded_host_and_scheme(gw):
    """A request validly signed for another host's URL (another deployment on the same
    Twilio account) is not taken by pretending to be that host."""
    form = twilio_form()
    other = "https://other-region.example/webhooks/twilio/messages"
    signature = twilio_signature(TWILIO_TOKEN, other, form)
    for headers in (
        {"Host": "other-region.example"},
        {"X-Forwarded-Host": "other-region.example", "X-Forwarded-Proto": "https"},
        {"Forwarded": "host=other-region.example;proto=https"},
    ):
        answer = gw.client.post(
            "/webhooks/twilio/messages",
            data=form,
            headers={"X-Twilio-Signature": signature, **headers},
        )
        assert answer.status_code == 403, headers
    assert stored(gw.runtime) == []


def test_twilio_without_a_public_url_trusts_no_host_header(make_settings):
    """Without GATEWAY_PUBLIC_URL the URL Twilio signed is unknown; the URL as received
    is the client's Host header, so a request validly signed for another deployment on
    the same Twilio account would pass here under that host's name. Refused instead."""
    app = create_app(make_settings(public_url=""))
    try:
        form = twilio_form()
        other = "http://other-region.example/webhooks/twilio/messages"
        signature = twilio_signature(TWILIO_TOKEN, other, form)
        answer = app.test_client().post(
            "/webhooks/twilio/messages",
            data=form,
            headers={"X-Twilio-Signature": signature, "Host": "other-region.example"},
        )
        assert answer.status_code == 403
        assert stored(app.extensions["lapor"]) == []
    finally:
        app.extensions["lapor"].close()
