"""Messenger, Instagram, WhatsApp Cloud and X end to end: the real webhook endpoints
and our Graph/X clients against stand-in APIs on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from forwarder.outbox import JobStatus, OutboxJob
from forwarder.sqltypes import utcnow
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint, Conversation, InboundRecord, OutboundMessage
from gateway.web.app import create_app
from sandbox import social_events as ev
from sandbox.citizens import TwilioSender
from sandbox.meta_api import FakeGraphAPI
from sandbox.server import ServerThread
from sandbox.x_api import FakeXAPI
from tests.conftest import TWILIO_TOKEN, free_port

APP_SECRET, VERIFY, PAGE_TOKEN = "meta-app-secret", "meta-verify", "meta-page-token"
X_SECRET, X_BEARER = "x-consumer-secret", "x-bearer"
CODE = re.compile(r"LPR-[0-9A-HJKMNP-TV-Z]{8}")


class Social:
    def __init__(self, url, runtime, graph, x):
        self.url, self.runtime, self.graph, self.x = url, runtime, graph, x

    def meta(self, payload, secret=APP_SECRET):
        return self.graph.post_webhook(f"{self.url}/webhooks/meta", secret, payload)

    def tweet(self, payload, secret=X_SECRET):
        return self.x.post_webhook(f"{self.url}/webhooks/x", secret, payload)

    def wait(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not (result := predicate()):
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.02)
        return result

    def sent_meta(self, n):
        return self.wait(lambda: len(self.graph.sent()) >= n and self.graph.sent())

    def count(self, model):
        with self.runtime.sessions() as s:
            return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def social(make_settings, central):
    graph, x = FakeGraphAPI(PAGE_TOKEN), FakeXAPI(X_BEARER)
    with ServerThread(graph.app) as graph_server, ServerThread(x.app) as x_server:
        graph.url = graph_server.url
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        app = create_app(
            make_settings(
                public_url=url,
                meta_app_secret=APP_SECRET,
                meta_verify_token=VERIFY,
                meta_page_token=PAGE_TOKEN,
                meta_graph_url=graph_server.url,
                x_consumer_secret=X_SECRET,
                x_bearer_token=X_BEARER,
                x_api_url=x_server.url,
                forward_url=central.url,
                forward_backoff_max_seconds=0.05,
            )
        )
        with ServerThread(app, port=port):
            yield Social(url, app.extensions["lapor"], graph, x)
        app.extensions["lapor"].close()


def test_meta_handshake(social):
    ok = requests.get(
        f"{social.url}/webhooks/meta",
        timeout=5,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "987654"},
    )
    assert (ok.status_code, ok.text) == (200, "987654")
    bad = requests.get(
        f"{social.url}/webhooks/meta",
        timeout=5,
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert bad.status_code == 403


@pytest.mark.parametrize("target", ["meta", "tweet"])
def test_forged_signatures_store_nothing(social, target):
    send = getattr(social, target)
    payload = ev.messenger("42", "halo") if target == "meta" else ev.x_dm("42", "halo")
    assert send(payload, secret="forged").status_code == 403
    assert social.count(InboundRecord) == 0


def test_messenger_dialog_with_quick_replies(social):
    psid = "6543210987654321"
    assert (
        social.meta(
            ev.messenger(psid, "Jalan di depan pasar Cibeunying rusak parah sejak dua bulan")
        ).status_code
        == 200
    )
    [ask_location] = social.sent_meta(1)
    assert ask_location["recipient"] == {"id": psid}
    assert ask_location["messaging_type"] == "RESPONSE"
    assert ask_location["message"]["quick_replies"][0]["payload"] == "LEWATI"
    social.meta(ev.messenger(psid, location=(-6.9175, 107.6191)))
    social.meta(ev.messenger(psid, image_url="https://scontent.xx.fbcdn.net/foto.jpg"))
    sent = social.sent_meta(3)
    assert [q["payload"] for q in sent[2]["message"]["quick_replies"]] == ["1", "2", "3"]
    social.meta(ev.messenger(psid, quick_reply="2"))
    social.meta(ev.messenger(psid, quick_reply="KIRIM"))
    done = social.sent_meta(5)[4]["message"]["text"]
    assert CODE.search(done)
    with social.runtime.sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
    assert complaint.channel == "messenger" and complaint.privacy == "confidential"
    assert complaint.document["attachments"][0]["url"] == "https://scontent.xx.fbcdn.net/foto.jpg"
    assert complaint.document["location"]["lat"] == -6.9175


def test_instagram_message_is_answered(social):
    assert (
        social.meta(
            ev.messenger(
                "1784149",
                "Trotoar dipakai parkir liar setiap hari di jalan Merdeka",
                instagram=True,
            )
        ).status_code
        == 200
    )
    [reply] = social.sent_meta(1)
    assert reply["recipient"] == {"id": "1784149"}


def test_batched_delivery_takes_every_message_and_duplicates_once(social):
    first = ev.messenger("1111", "Sampah menumpuk di depan sekolah dasar sejak seminggu")
    second = ev.messenger("2222", "Lampu jalan mati di gang kami sudah dua minggu")
    assert social.meta(ev.batch(first, second)).status_code == 200
    social.sent_meta(2)
    assert social.meta(first).status_code == 200  # redelivered alone
    time.sleep(0.3)
    assert social.count(InboundRecord) == 2 and len(social.graph.sent()) == 2
    assert {b["recipient"]["id"] for b in social.graph.sent()} == {"1111", "2222"}
    assert social.meta(ev.messenger_echo("1111")).status_code == 200  # our own send
    assert social.count(InboundRecord) == 2


def test_whatsapp_cloud_dialog_media_and_statuses(social, make_settings):
    photo = b"\x89PNG whatsapp photo " * 300
    media_id = social.graph.add_media(photo, "image/png")
    wa = "6281298765432"
    social.meta(ev.whatsapp(wa, body="Air PDAM mati sudah tiga hari di perumahan Griya Asri"))
    [ask_location] = social.sent_meta(1)
    assert ask_location["to"] == wa and ask_location["type"] == "interactive"
    social.meta(
        ev.whatsapp(wa, "location", lat=-6.2088, lon=106.8456, place="Monas", address="Gambir")
    )
    social.meta(ev.whatsapp(wa, "image", media_id=media_id, mime_type="image/png"))
    privacy = social.sent_meta(3)[2]
    assert [b["reply"]["id"] for b in privacy["interactive"]["action"]["buttons"]] == [
        "1",
        "2",
        "3",
    ]
    social.meta(ev.whatsapp(wa, "interactive", id="1"))
    social.meta(ev.whatsapp(wa, "interactive", id="KIRIM"))
    assert CODE.search(social.sent_meta(5)[4]["text"]["body"])
    make_worker(social.runtime, poll_seconds=0.02).run(max_idle_polls=3)
    with social.runtime.sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
        wamid = s.scalars(select(OutboundMessage.external_id)).first()
    assert complaint.status == "submitted" and complaint.reply_to == f"wa:{wa}"
    assert complaint.document["reporter"]["phone"] == f"+{wa}"
    [attachment] = complaint.document["attachments"]
    assert attachment["sha256"] == hashlib.sha256(photo).hexdigest()
    assert requests.get(attachment["url"], timeout=5).content == photo
    notice = social.sent_meta(6)[5]
    assert complaint.tracking_code in notice["text"]["body"]
    assert social.meta(ev.whatsapp_status(wamid, "delivered", wa)).status_code == 204
    with social.runtime.sessions() as s:
        assert (
            s.scalars(
                select(OutboundMessage.status).where(OutboundMessage.external_id == wamid)
            ).one()
            == "delivered"
        )


def _age_conversations(runtime, hours: float) -> None:
    with runtime.sessions() as s:
        for conversation in s.scalars(select(Conversation)):
            conversation.updated_at = utcnow() - timedelta(hours=hours)
        s.commit()


def test_outside_the_24_hour_window(social, make_settings, central):
    wa, psid = "6281211112222", "99887766"
    social.meta(ev.whatsapp(wa, body="Pungli di kantor kelurahan saat membuat KTP elektronik"))
    social.meta(ev.whatsapp(wa, "interactive", id="KIRIM"))
    social.meta(ev.messenger(psid, "Jembatan desa ambruk sejak banjir kemarin sore"))
    social.meta(ev.messenger(psid, quick_reply="KIRIM"))
    social.sent_meta(4)
    _age_conversations(social.runtime, 25)
    make_worker(social.runtime, poll_seconds=0.02).run(max_idle_polls=3)
    with social.runtime.sessions() as s:
        refused = s.scalars(select(OutboundMessage).where(OutboundMessage.status == "failed")).one()
        dead = s.scalars(select(OutboxJob).where(OutboxJob.status == JobStatus.DEAD)).all()
    # WhatsApp with no template: recorded as not sendable, never silently dropped
    assert refused.recipient == f"wa:{wa}" and "not sendable" in refused.error
    assert len(dead) == 1
    [tagged] = [b for b in social.graph.sent("me/messages") if b.get("tag")]
    assert tagged["messaging_type"] == "MESSAGE_TAG" and tagged["tag"] == "ACCOUNT_UPDATE"


def test_outside_the_window_a_configured_template_is_used(make_settings, central):
    graph = FakeGraphAPI(PAGE_TOKEN)
    with ServerThread(graph.app) as graph_server:
        runtime = Runtime(
            make_settings(
                meta_page_token=PAGE_TOKEN,
                meta_graph_url=graph_server.url,
                meta_whatsapp_template="status_laporan",
            )
        )
        from channels.base import OutboundRequest

        adapter = runtime.adapters["meta"]
        adapter.send(
            OutboundRequest(
                "whatsapp",
                "wa:6281200000000",
                "Laporan LPR-1 diproses",
                sender=ev.PHONE_NUMBER_ID,
                in_window=False,
            )
        )
        [body] = graph.sent()
        assert body["type"] == "template" and body["template"]["name"] == "status_laporan"
        assert body["template"]["components"][0]["parameters"][0]["text"] == (
            "Laporan LPR-1 diproses"
        )
        runtime.close()


def test_x_crc(social):
    response = requests.get(f"{social.url}/webhooks/x", params={"crc_token": "abc"}, timeout=5)
    assert response.status_code == 200 and response.json()["response_token"].startswith("sha256=")


def test_x_direct_messages_run_the_dialog(social):
    assert (
        social.tweet(
            ev.x_dm("3001969357", "Jalan rusak di depan kantor kecamatan sudah lama sekali")
        ).status_code
        == 200
    )
    dm = social.wait(lambda: social.x.dms and social.x.dms[0])
    assert dm["to"] == "3001969357" and "lokasi" in dm["text"].lower()
    assert social.tweet(ev.x_dm(ev.X_ACCOUNT_ID, "balasan kami")).status_code == 200
    assert social.count(InboundRecord) == 1


def test_x_public_mention_gets_a_neutral_public_reply_and_continues_by_dm(social):
    secret_text = (
        "jalan di depan rumah saya di Jl. Melati 5 rusak parah sejak kemarin, hubungi 081234567890"
    )
    assert social.tweet(ev.x_mention("3001969357", secret_text)).status_code == 200
    reply = social.wait(lambda: social.x.tweets and social.x.tweets[0])
    assert reply["reply"]["in_reply_to_tweet_id"]
    for private in ("Melati", "081234567890", "rusak", "Warga", "wargax"):
        assert private not in reply["text"]
    assert "DM" in reply["text"] and social.x.dms == []
    # the draft is tied to the account: the DM goes on at the location step
    social.tweet(ev.x_dm("3001969357", "halo"))
    dm = social.wait(lambda: social.x.dms and social.x.dms[0])
    assert "lokasi" in dm["text"].lower()
    with social.runtime.sessions() as s:
        draft = s.scalars(select(Conversation.draft)).one()
    assert draft["d"]["description"].startswith("jalan di depan rumah")


def test_status_details_only_for_the_contact_who_filed(live_gateway, sms):
    url, _ = live_gateway
    filer_sms = TwilioSender(url, TWILIO_TOKEN, "+6281234500001")
    code = CODE.search(
        filer_sms.say("LAPOR Pungutan liar di terminal bus oleh oknum petugas parkir")[0]
    ).group()
    same_person_wa = TwilioSender(url, TWILIO_TOKEN, "+6281234500001", whatsapp=True)
    stranger = TwilioSender(url, TWILIO_TOKEN, "+6281234500002")
    mine = same_person_wa.say(f"STATUS {code}")[0]
    theirs = stranger.say(f"STATUS {code}")[0]
    assert "Pungutan liar" in mine and code in mine
    assert "Pungutan" not in theirs and code in theirs
    # a chat channel (WhatsApp here) shows the history too; an SMS stays one segment
    assert "Diterima" in mine and "\n" not in theirs
    assert json.dumps(theirs).count("6281234500001") == 0
