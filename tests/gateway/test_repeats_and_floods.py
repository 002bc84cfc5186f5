"""The same complaint twice, a flood of messages, and messages with no words in them —
through the real Twilio webhook."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from gateway.store.models import Complaint, InboundRecord
from sandbox.citizens import TwilioSender
from tests.conftest import TWILIO_TOKEN

CODE = re.compile(r"LPR-[0-9A-HJKMNP-TV-Z]{8}")
POTHOLE = "LAPOR Jalan di depan SDN 3 Sukamaju berlubang besar sejak 3 bulan LOKASI Sukamaju"


def count(runtime, table) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_the_same_complaint_again_gets_its_code_not_a_second_one(live_gateway):
    url, runtime = live_gateway
    sms = TwilioSender(url, TWILIO_TOKEN, "+6281234500011")
    [first] = sms.say(POTHOLE)
    code = CODE.search(first).group()
    # another day, other words, the same complaint
    [again] = sms.say("LAPOR jln dpn SDN 3 Sukamaju berlubang bsr sdh 3 bln LOKASI Sukamaju")
    assert code in again and "sudah kami terima" in again
    # the same person on WhatsApp (same number) is the same reporter: told at once, not
    # after a whole dialog
    whatsapp = TwilioSender(url, TWILIO_TOKEN, "+6281234500011", whatsapp=True)
    [via_whatsapp] = whatsapp.say(
        "Jalan di depan SDN 3 Sukamaju berlubang besar sejak 3 bulan, tolong diperbaiki"
    )
    assert code in via_whatsapp and "sudah kami terima" in via_whatsapp
    assert count(runtime, Complaint) == 1
    with runtime.sessions() as s:
        sources = s.scalars(select(Complaint)).one().document["source_messages"]
    assert len(sources) == 3  # the first SMS, the repeat, the WhatsApp message
    # a different complaint from the same reporter is a new one
    [other] = sms.say("LAPOR Lampu penerangan jalan di gang Mawar mati sudah seminggu")
    assert CODE.search(other).group() != code
    assert count(runtime, Complaint) == 2


def test_someone_else_with_the_same_words_files_their_own(live_gateway):
    url, runtime = live_gateway
    first = TwilioSender(url, TWILIO_TOKEN, "+6281234500012").say(POTHOLE)[0]
    second = TwilioSender(url, TWILIO_TOKEN, "+6281234500013").say(POTHOLE)[0]
    assert CODE.search(first).group() != CODE.search(second).group()
    assert count(runtime, Complaint) == 2


def test_a_flood_is_kept_but_answered_once(make_settings, live_gateway):
    url, runtime = live_gateway
    sms = TwilioSender(url, TWILIO_TOKEN, "+6281234500014")
    answers = [sms.say(f"halo {n}") for n in range(24)]
    assert all(answers[n] for n in range(20))  # within the limit: answered
    assert "terlalu banyak" in answers[20][0]  # once
    assert answers[21:] == [[], [], []]  # then silence, not an SMS each
    assert count(runtime, InboundRecord) == 24  # every message kept


def test_messages_without_words_are_answered_kindly(live_gateway):
    url, runtime = live_gateway
    sms = TwilioSender(url, TWILIO_TOKEN, "+6281234500015")
    sms.say("halo")
    [reply] = sms.say("asdfghjkl qwrtzx")
    assert "belum memahami" in reply
    [reply] = sms.say("????????")
    assert "belum memahami" in reply
    assert count(runtime, Complaint) == 0
    [reply] = sms.say("Sampah di pasar Kramat tidak diangkut seminggu, baunya sampai ke rumah")
    assert "lokasi" in reply.lower()  # words again: the dialog goes on


def test_an_earlier_report_nearby_is_shown_to_operators(make_settings, central, app, runtime):
    from gateway.jobs.worker import make_worker
    from tests.gateway.test_console import add, login

    client = app.test_client()
    key = {"Authorization": "Bearer key-one"}
    base = {
        "reporter": {"privacy": "public"},
        "title": "Jalan berlubang",
        "category": {"code": "infrastruktur", "label": "Infrastruktur / Jalan", "confidence": 1},
    }
    first = client.post(
        "/api/v1/complaints",
        json={
            **base,
            "description": "Jalan berlubang di depan pasar.",
            "location": {"lat": -6.9000, "lon": 107.6000},
        },
        headers=key,
    ).json
    second = client.post(
        "/api/v1/complaints",
        json={
            **base,
            "description": "Aspal rusak dan banyak lubang dekat pasar.",
            "location": {"lat": -6.9012, "lon": 107.6006},
        },
        headers=key,
    ).json
    worker_runtime = type(runtime)(make_settings(forward_url=central.url, status_poll_seconds=0))
    make_worker(worker_runtime, poll_seconds=0.01).run(max_idle_polls=1)
    worker_runtime.close()
    with runtime.sessions() as s:
        later = s.get(Complaint, second["id"])
        assert later.possible_duplicate_of == first["id"]
        assert later.document["duplicate_of"] is None  # a candidate, not a merge
        assert s.get(Complaint, first["id"]).possible_duplicate_of is None
    add(app, "ani", "operator")
    login(client, "ani")
    page = client.get(f"/operator/complaints/{second['tracking_code']}").text
    assert 'id="possible-duplicate"' in page and first["tracking_code"] in page


def test_a_twin_place_name_is_asked_about_on_chat_but_not_by_sms(live_gateway):
    url, runtime = live_gateway
    chat = TwilioSender(url, TWILIO_TOKEN, "+6281234500021", whatsapp=True)
    chat.say("Sampah di pinggir jalan dekat pasar tidak diangkut sudah seminggu, bau sekali")
    [question] = chat.say("Pasar Kramat, Cirebon")
    assert "Kota Cirebon atau Kabupaten Cirebon" in question
    [next_step] = chat.say("kota")
    assert "foto" in next_step.lower()
    chat.say("LEWATI")
    chat.say("2")
    chat.say("KIRIM")
    sms = TwilioSender(url, TWILIO_TOKEN, "+6281234500022")
    sms.say("LAPOR Lampu jalan di depan alun-alun mati semua LOKASI Alun-alun, Cirebon")
    with runtime.sessions() as s:
        by_channel = {c.channel: c.document["location"] for c in s.scalars(select(Complaint))}
    assert by_channel["whatsapp"]["region_code"] == "32.74"
    assert by_channel["whatsapp"]["region_name"] == "Kota Cirebon"
    assert by_channel["sms"]["region_code"] is None  # not asked; left to the text
