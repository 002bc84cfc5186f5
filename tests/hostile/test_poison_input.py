"""Poison characters and over-long ids on every channel, on SQLite and PostgreSQL: a NUL
byte (PostgreSQL refuses it in text), a lone surrogate (no UTF-8 can carry it, so SQLite
refuses it) and ids longer than their columns. Each is cleaned or refused at the edge,
per message: the answer is 2xx or 4xx and never 5xx (a 5xx is redelivered for ever),
what is stored is inert, and a bad entry in a batch does not take the good ones down."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.store.models import CallRecord, Complaint, Conversation, InboundRecord
from gateway.web.app import create_app
from sandbox import social_events as ev
from sandbox.citizens import twilio_signature

PUBLIC = "https://gateway.test"
TW_TOKEN, TG_SECRET, META_SECRET, X_SECRET = "tw-token", "tg-secret", "meta-secret", "x-secret"
KEY = {"Authorization": "Bearer key-one"}
NUL, SURROGATE = "\x00", "\ud800"
POISONS = {"nul": NUL, "surrogate": SURROGATE}
LONG_ID = "9" * 300
_seq = itertools.count(1)


@pytest.fixture
def gateway(make_settings):
    app = create_app(
        make_settings(
            public_url=PUBLIC,
            twilio_auth_token=TW_TOKEN,
            telegram_bot_token="1:tg",
            telegram_secret_token=TG_SECRET,
            telegram_api_url="http://127.0.0.1:9",  # replies fail to send; nothing listens
            meta_app_secret=META_SECRET,
            meta_graph_url="http://127.0.0.1:9",
            x_consumer_secret=X_SECRET,
            x_api_url="http://127.0.0.1:9",
        )
    )
    yield app.test_client(), app.extensions["lapor"]
    app.extensions["lapor"].close()


def _json(payload: Any) -> bytes:
    # ensure_ascii: a lone surrogate travels as the escape \ud800, as any JSON sender writes it
    return json.dumps(payload).encode()


def twilio(client, form: dict[str, str]):
    url = f"{PUBLIC}/webhooks/twilio/messages"
    signature = twilio_signature(TW_TOKEN, url, form)
    return client.post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )


def telegram(client, update: dict[str, Any]):
    return client.post(
        "/webhooks/telegram",
        data=_json(update),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )


def meta(client, payload: dict[str, Any]):
    body = _json(payload)
    digest = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": f"sha256={digest}"},
    )


def x(client, payload: dict[str, Any]):
    body = _json(payload)
    digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    return client.post(
        "/webhooks/x",
        data=body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()},
    )


def tg_update(text: str, *, update_id: int | None = None, chat: int = 5550001, name="Sari"):
    return {
        "update_id": update_id if update_id is not None else next(_seq),
        "message": {
            "message_id": next(_seq),
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private", "first_name": name},
            "from": {"id": chat, "is_bot": False, "first_name": name, "language_code": "id"},
            "text": text,
        },
    }


def send(client, channel: str, text: str, *, ident: str | None = None, sender: str = ""):
    """One message with ``text`` on ``channel``; ``ident`` replaces the message id and
    ``sender`` the citizen's id when given."""
    if channel == "twilio":
        form = {
            "MessageSid": ident or f"SM{next(_seq):032d}",
            "From": sender or "+6281234567001",
            "To": "+62215550100",
            "Body": text,
            "ProfileName": f"Budi{text}",
        }
        return twilio(client, form)
    if channel == "telegram":
        update = tg_update(text, name=f"Sari{text}")
        if ident:
            update["update_id"] = int(ident)
        if sender:
            update["message"]["chat"]["id"] = int(sender)
        return telegram(client, update)
    if channel in ("messenger", "instagram"):
        payload = ev.messenger(sender or "24000000000001", text, instagram=channel == "instagram")
        event = payload["entry"][0]["messaging"][0]
        if ident:
            event["message"]["mid"] = ident
        return meta(client, payload)
    if channel == "whatsapp":
        payload = ev.whatsapp(sender or "6281234567002", body=text, name=f"Warga{text}")
        if ident:
            payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = ident
        return meta(client, payload)
    if channel == "x":
        payload = ev.x_dm(sender or "3300000001", text)
        if ident:
            payload["direct_message_events"][0]["id"] = ident
        return x(client, payload)
    raise AssertionError(channel)


CHANNELS = ["twilio", "telegram", "messenger", "instagram", "whatsapp", "x"]


def stored(runtime) -> list[InboundRecord]:
    with runtime.sessions() as s:
        return list(s.scalars(select(InboundRecord).order_by(InboundRecord.id)))


def count(runtime, model) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def _inert(value: Any) -> None:
    """No NUL and no lone surrogate anywhere in ``value`` (JSON included)."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    assert NUL not in text and "\\u0000" not in text
    text.encode("utf-8")  # raises on a lone surrogate


# A Twilio form is bytes: no UTF-8 carries a lone surrogate (its would-be bytes are
# invalid), so that pair is not a case.
POISONED = [(c, p) for c in CHANNELS for p in POISONS if (c, p) != ("twilio", "surrogate")]


@pytest.mark.parametrize(("channel", "poison"), POISONED)
def test_poison_characters_are_stored_inert_and_redelivery_is_no_500(gateway, channel, poison):
    client, runtime = gateway
    text = f"LAPOR jalan rusak{POISONS[poison]} di depan sekolah{POISONS[poison]}"
    ident = {
        "twilio": f"SM{next(_seq):032d}",
        "telegram": str(700000 + next(_seq)),
        "x": str(1_900_000_000_000_000_000 + next(_seq)),
        "whatsapp": f"wamid.HBgMpoison{next(_seq)}",  # WhatsApp's shape: wamid. + base64
    }.get(channel, f"m_poison{next(_seq)}")
    for _ in range(2):  # the redelivery of the same message: still no 5xx
        answer = send(client, channel, text, ident=ident)
        assert answer.status_code < 500, answer.get_data()[:300]
        assert answer.status_code < 300
    rows = stored(runtime)
    assert len(rows) == 1
    assert rows[0].text == text.replace(POISONS[poison], "\ufffd")
    _inert(rows[0].text)
    _inert(rows[0].payload)
    with runtime.sessions() as s:
        for conv in s.scalars(select(Conversation)):
            _inert(conv.draft)


@pytest.mark.parametrize("what", ["id", "sender"])
@pytest.mark.parametrize("channel", CHANNELS)
def test_an_id_longer_than_its_column_is_refused_and_changes_nothing(gateway, channel, what):
    client, runtime = gateway
    if what == "id":
        ident = LONG_ID if channel in ("telegram", "x") else "SM" + LONG_ID
        answer = send(client, channel, "LAPOR jalan rusak", ident=ident)
    else:
        answer = send(client, channel, "LAPOR jalan rusak", sender=LONG_ID)
    assert 400 <= answer.status_code < 500, answer.get_data()[:300]
    assert count(runtime, InboundRecord) == 0 and count(runtime, Conversation) == 0
    # the channel still works for everyone else
    assert send(client, channel, "LAPOR jalan rusak").status_code < 300
    assert count(runtime, InboundRecord) == 1


@pytest.mark.parametrize("poison", ["nul-id", "long-id", "surrogate-id"])
def test_one_poison_entry_in_a_meta_batch_leaves_the_good_ones(gateway, poison):
    client, runtime = gateway
    good1 = ev.messenger("24000000000011", "LAPOR lampu jalan mati")
    bad = ev.messenger("24000000000012", "LAPOR sampah menumpuk")
    good2 = ev.messenger("24000000000013", "LAPOR got mampet")
    mid = {"nul-id": "m_bad\x00", "long-id": "m_" + LONG_ID, "surrogate-id": "m_\ud800"}[poison]
    bad["entry"][0]["messaging"][0]["message"]["mid"] = mid
    for _ in range(2):
        answer = meta(client, ev.batch(good1, bad, good2))
        assert answer.status_code == 200, answer.get_data()[:300]
    senders = sorted(r.sender for r in stored(runtime))
    assert senders == ["24000000000011", "24000000000013"]


def test_a_whatsapp_status_with_poison_is_no_500(gateway):
    client, _ = gateway
    for wamid in ("wamid.\x00", "wamid.\ud800", "wamid." + LONG_ID):
        answer = meta(client, ev.whatsapp_status(wamid, "delivered\x00", "6281234567002"))
        assert answer.status_code < 500, answer.get_data()[:300]


@pytest.mark.parametrize("poison", POISONS)
def test_api_complaint_and_call_with_poison_characters(gateway, poison):
    client, runtime = gateway
    p = POISONS[poison]
    complaint = {
        "reporter": {"privacy": "confidential", "name": f"Budi{p}", "phone": "+6281234567890"},
        "title": f"Jalan rusak{p}",
        "description": f"Jalan rusak di depan kantor desa Sukamaju sejak banjir{p}.",
        "location": {"text": f"Desa Sukamaju{p}", "region_code": "32.17"},
    }
    call = {
        "call_id": f"call-poison-{poison}",
        "caller_name": f"Budi{p}",
        "turns": [
            {"speaker": "agent", "text": f"Selamat pagi{p}"},
            {"speaker": "caller", "text": f"Jalan di depan SDN 3 Sukamaju rusak parah{p}"},
        ],
        "summary": f"Jalan rusak di Sukamaju{p}",
    }
    for path, body, model in (
        ("/api/v1/complaints", complaint, Complaint),
        ("/api/v1/calls", call, CallRecord),
    ):
        for _ in range(2):
            answer = client.post(
                path, data=_json(body), content_type="application/json", headers=KEY
            )
            assert answer.status_code < 500, (path, answer.get_data()[:300])
        assert answer.status_code in (200, 201, 422), (path, answer.status_code)
        if answer.status_code in (200, 201):
            with runtime.sessions() as s:
                for row in s.scalars(select(model)):
                    _inert(row.document if model is Complaint else row.transcript)
        else:
            assert count(runtime, model) == 0


def test_telegram_polling_takes_the_same_cleaning(make_settings):
    """The polling loop hands updates over where the webhooks do (gateway.intake.pipeline):
    poison text is stored inert, an over-long chat id is left out, and the offset moves
    past both so neither comes back."""
    from gateway.intake.telegram_poll import poll
    from gateway.runtime import Runtime
    from sandbox import telegram_updates as updates
    from sandbox.server import ServerThread
    from sandbox.telegram_api import FakeBotAPI

    token = "7000000001:AAHpoison-token"
    api = FakeBotAPI(token)
    with ServerThread(api.app) as server:
        runtime = Runtime(make_settings(telegram_bot_token=token, telegram_api_url=server.url))
        poisoned = updates.text(5550101, f"LAPOR jalan{NUL} rusak{SURROGATE} parah")
        too_long = updates.text(10**250, "LAPOR lampu mati")
        good = updates.text(5550102, "LAPOR got mampet")
        for update in (poisoned, too_long, good):
            api.queue_update(update)
        poll(runtime, runtime.adapters["telegram"], timeout=1, rounds=1)
        rows = stored(runtime)
        assert sorted(r.sender for r in rows) == ["5550101", "5550102"]
        assert [r.text for r in rows if r.sender == "5550101"] == [
            "LAPOR jalan\ufffd rusak\ufffd parah"
        ]
        from gateway.store.models import ChannelState

        with runtime.sessions() as s:
            offset = int(s.get(ChannelState, "telegram:offset").value)
        assert offset == good["update_id"] + 1
        runtime.close()


@pytest.mark.parametrize("code", ["LPR-%00ABCDEF", "%00", "LPR-%ED%A0%80", "LPR-" + "A" * 500])
def test_a_status_lookup_with_poison_in_the_code_is_404(gateway, code):
    client, _ = gateway
    answer = client.get(f"/api/v1/complaints/{code}")
    assert answer.status_code == 404, (answer.status_code, answer.get_data()[:300])


@pytest.mark.parametrize(
    "path", ["/media/%00abc", "/operator/complaints/LPR-%00", "/webhooks/twilio%00/messages"]
)
def test_a_nul_in_any_path_is_404_not_a_database_error(gateway, path):
    """A token or code with NUL in it made PostgreSQL fail the lookup (500): such a
    path names nothing, whoever asks (a logged-in operator too)."""
    from gateway.console.accounts import save_operator
    from tests.gateway.test_console import login

    client, runtime = gateway
    with runtime.sessions() as s:
        save_operator(s, "sari", "kata-sandi-panjang", "supervisor", update=True)
        s.commit()
    login(client, "sari", "kata-sandi-panjang")
    answer = client.get(path)
    assert answer.status_code == 404, (answer.status_code, answer.get_data()[:300])


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_nul_in_a_console_form_is_400(gateway, field):
    """The console's forms are typed by people, who type no NUL; the login looked the
    name up with it and PostgreSQL answered 500."""
    from gateway.console.accounts import save_operator
    from tests.gateway.test_console import token

    client, runtime = gateway
    with runtime.sessions() as s:
        save_operator(s, "sari", "kata-sandi-panjang", "supervisor", update=True)
        s.commit()
    form = {"username": "sari", "password": "kata-sandi-panjang"}
    form[field] = form[field][:2] + NUL + form[field][2:]
    answer = client.post("/operator/login", data={**form, "csrf_token": token(client)})
    assert answer.status_code == 400, (answer.status_code, answer.get_data()[:300])
