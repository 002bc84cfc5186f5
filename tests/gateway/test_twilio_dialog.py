"""The intake dialog through the real HTTP endpoint with correctly signed Twilio
webhooks, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from gateway.store.models import Complaint, Conversation, InboundRecord
from normalizer.gsm import is_gsm7, segments
from normalizer.tracking import TRACKING_RE
from sandbox.citizens import twilio_signature

CODE = re.compile(r"LPR-[0-9A-HJKMNP-TV-Z]{8}")


def complaints(runtime):
    with runtime.sessions() as s:
        return list(s.scalars(select(Complaint).order_by(Complaint.received_at)))


def count(runtime, model) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def code_in(replies: list[str]) -> str:
    match = CODE.search(" ".join(replies))
    assert match, replies
    assert TRACKING_RE.match(match.group())
    return match.group()


def test_full_guided_sms_dialog_creates_one_complaint(sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms("081234567890")
    assert "keluhan" in citizen.say("halo")[0]
    assert (
        "lokasi"
        in citizen.say(
            "Jalan di depan SD Negeri 3 berlubang besar sejak tiga bulan, sudah ada yang jatuh"
        )[0].lower()
    )
    privacy = citizen.say("Jl. Raya Sukamaju km 4, Kab. Bandung Barat")[0]
    assert "1=Publik" in privacy and "3=Anonim" in privacy  # SMS has no photo step
    summary = citizen.say("3")[0]
    assert "Anonim" in summary and "KIRIM" in summary
    done = citizen.say("KIRIM")
    code = code_in(done)

    [row] = complaints(runtime)
    assert row.tracking_code == code
    assert row.channel == "sms" and row.privacy == "anonymous" and row.status == "queued"
    doc = row.document
    assert doc["reporter"]["phone"] == "+6281234567890"
    assert doc["location"]["text"] == "Jl. Raya Sukamaju km 4, Kab. Bandung Barat"
    assert doc["location"]["region_code"] is None  # read on delivery, off the hot path
    assert doc["category"]["code"] == "infrastruktur"
    assert len(doc["source_messages"]) == 5
    with runtime.sessions() as s:
        assert s.scalar(select(Conversation.step)) == "idle"


def test_every_sms_reply_is_one_gsm7_segment(sms):
    citizen = sms()
    replies = []
    replies += citizen.say("halo")
    replies += citizen.say(
        "Lampu penerangan jalan di gang Mawar mati total sejak dua minggu, "
        "rawan kejahatan pada malam hari, mohon segera diperbaiki oleh dinas "
        "terkait karena warga sudah melapor ke kelurahan tapi belum ada "
        "tanggapan sama sekali “sampai sekarang”…"
    )
    replies += citizen.say(
        "Gang Mawar RT 03/RW 05, Kelurahan Sukajadi, Kecamatan Sukajadi, Kota Bandung, Jawa Barat"
    )
    replies += citizen.say("2")
    replies += citizen.say("BANTUAN")
    replies += citizen.say("KIRIM")
    replies += citizen.say(
        "LAPOR Sampah menumpuk di pasar tidak diangkut seminggu LOKASI Pasar Kramat"
    )
    for reply in replies:
        assert is_gsm7(reply), reply
        assert segments(reply) == 1, (len(reply), reply)


def test_one_shot_sms_is_submitted_at_once(sms, live_gateway):
    _, runtime = live_gateway
    replies = sms("+6285712345678").say(
        "lapor Sampah menumpuk di pasar Kramat tidak diangkut seminggu LOKASI Pasar Kramat, "
        "Kota Cirebon"
    )
    assert len(replies) == 1
    code = code_in(replies)
    [row] = complaints(runtime)
    assert row.tracking_code == code
    assert row.document["description"].startswith("Sampah menumpuk")
    assert row.document["location"]["text"] == "Pasar Kramat, Kota Cirebon"
    assert row.privacy == "confidential"  # the default when the citizen did not choose


def test_one_shot_can_name_privacy(sms, live_gateway):
    _, runtime = live_gateway
    code_in(sms().say("LAPOR ANONIM pungutan liar di kantor kelurahan saat mengurus KTP"))
    [row] = complaints(runtime)
    assert row.privacy == "anonymous"
    assert row.document["description"].startswith("pungutan liar")


def test_english_whatsapp_dialog_with_location_and_photo(sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms("+6281111111111", whatsapp=True)
    assert citizen.say("hello")[0].startswith("Hello")
    assert "Where" in citizen.say("The streetlights on our road have been off for two weeks")[0]
    assert (
        "photo"
        in citizen.say(
            "", Latitude="-7.7926", Longitude="110.3658", Address="Jl. Malioboro", Label="Malioboro"
        )[0]
    )
    assert (
        "private"
        in citizen.say(
            "",
            NumMedia="1",
            MediaContentType0="image/jpeg",
            MediaUrl0="https://api.twilio.com/m/ME1",
        )[0]
    )
    summary = citizen.say("1")[0]
    assert "Attachments: 1" in summary and "Public" in summary
    code_in(citizen.say("send"))
    [row] = complaints(runtime)
    doc = row.document
    assert row.channel == "whatsapp" and doc["language"] == "en"
    assert doc["location"] == {
        "text": "Malioboro, Jl. Malioboro",
        "lat": -7.7926,
        "lon": 110.3658,
        "region_code": None,
        "region_name": None,
        # read when the complaint is delivered, off the intake path
        "region_source": None,
        "precision": None,
    }
    assert doc["attachments"] == [
        {
            "url": "https://api.twilio.com/m/ME1",
            "content_type": "image/jpeg",
            "size": None,
            "sha256": None,
        }
    ]
    assert doc["reporter"]["channel_user_id"] == "whatsapp:+6281111111111"


def test_skip_and_early_send(sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms(whatsapp=True)
    citizen.say("Air PDAM di perumahan Griya Asri mati total sudah 4 hari")
    assert "foto" in citizen.say("lewati")[0]
    code_in(citizen.say("Kirim"))  # submitted now, with the default privacy
    [row] = complaints(runtime)
    assert row.privacy == "confidential" and row.document["location"] is None


def test_cancel_at_any_step_discards_the_draft(sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms()
    citizen.say("Jembatan desa ambruk sejak banjir kemarin, anak sekolah tidak bisa lewat")
    assert "dibatalkan" in citizen.say("BATAL")[0]
    assert "Tidak ada laporan" in citizen.say("batal")[0]
    assert complaints(runtime) == []


def test_help_keeps_the_step(sms):
    citizen = sms(whatsapp=True)
    citizen.say("Jembatan desa ambruk sejak banjir kemarin, anak sekolah tidak bisa lewat")
    assert "LEWATI" in citizen.say("BANTUAN")[0]
    assert "foto" in citizen.say("Desa Sukamaju")[0]  # still at the location step


def test_status_command_shows_status_without_identity(sms, live_gateway):
    citizen = sms()
    code = code_in(citizen.say("LAPOR Puskesmas Sukamaju tutup di jam pelayanan tiga hari"))
    reply = sms("+6289999999999").say(f"status {code.lower()}")[0]
    assert code in reply and "antrean" in reply
    assert "6281234567890" not in reply
    assert "tidak ditemukan" in citizen.say("STATUS LPR-00000000")[0]
    # without a code: the sender's own open complaints
    assert code in citizen.say("STATUS")[0]
    assert "Tidak ada laporan Anda" in sms("+6289999999999").say("STATUS")[0]


def test_privacy_question_repeats_on_unknown_answer(sms):
    citizen = sms(whatsapp=True)
    citizen.say("Sekolah memungut biaya seragam yang sangat mahal dari murid baru")
    citizen.say("SD Negeri 1 Cibeunying")
    citizen.say("LEWATI")
    assert "1 (Publik)" in citizen.say("terserah")[0]


def test_same_message_sid_three_times_is_one_message_one_complaint(sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms()
    form = citizen.form("LAPOR Pungli di terminal bus Cicaheum oleh petugas parkir")
    answers = [citizen.post(form) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert CODE.search(answers[0].text)
    assert "<Message>" not in answers[1].text and "<Message>" not in answers[2].text
    assert count(runtime, InboundRecord) == 1
    assert len(complaints(runtime)) == 1


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSBzaWduYXR1cmU="])
def test_forged_or_missing_signature_is_403_and_stores_nothing(sms, live_gateway, signature):
    _, runtime = live_gateway
    citizen = sms()
    response = citizen.post(
        citizen.form("LAPOR jalan rusak parah di depan kantor desa"), signature=signature
    )
    assert response.status_code == 403
    assert count(runtime, InboundRecord) == 0 and count(runtime, Conversation) == 0


def test_signature_for_another_url_is_rejected(sms, live_gateway):
    url, runtime = live_gateway
    citizen = sms()
    form = citizen.form("LAPOR jalan rusak parah di depan kantor desa")
    signature = twilio_signature(
        citizen.auth_token, "https://evil.example/webhooks/twilio/messages", form
    )
    assert citizen.post(form, signature=signature).status_code == 403
    assert count(runtime, InboundRecord) == 0


def test_tampered_body_is_rejected(sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms()
    form = citizen.form("LAPOR jalan rusak")
    signature = twilio_signature(citizen.auth_token, citizen.url, form)
    form["Body"] = "LAPOR sesuatu yang lain sama sekali"
    assert citizen.post(form, signature=signature).status_code == 403
    assert count(runtime, InboundRecord) == 0


@pytest.mark.parametrize(
    "drop, extra",
    [
        ("From", {}),
        ("MessageSid", {}),
        (None, {"NumMedia": "banyak"}),
        (None, {"Latitude": "utara", "Longitude": "106.8"}),
        (None, {"Latitude": "95", "Longitude": "106.8"}),
    ],
)
def test_malformed_signed_request_is_400_and_stores_nothing(sms, live_gateway, drop, extra):
    _, runtime = live_gateway
    citizen = sms()
    form = citizen.form("LAPOR jalan rusak parah di depan kantor desa", **extra)
    if drop:
        del form[drop]
        form.pop("SmsMessageSid", None) if drop == "MessageSid" else None
    response = citizen.post(form)
    assert response.status_code == 400, response.text
    assert "malformed" in response.text
    assert count(runtime, InboundRecord) == 0


def test_oversized_body_is_413_and_stores_nothing(sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms()
    response = citizen.post(citizen.form("x" * 70_000))
    assert response.status_code == 413
    assert count(runtime, InboundRecord) == 0


def test_unknown_channel_and_hook_are_404(client):
    assert client.post("/webhooks/nope/messages").status_code == 404
    assert client.post("/webhooks/twilio/other").status_code == 404


def test_dialog_state_is_shared_by_separate_web_processes(make_settings, sms, live_gateway):
    """Two app instances (as two gunicorn workers would be) take turns on one citizen."""
    from gateway.web.app import create_app
    from sandbox.citizens import TwilioSender
    from sandbox.server import ServerThread
    from tests.conftest import TWILIO_TOKEN, free_port

    url_a, runtime = live_gateway
    port = free_port()
    url_b = f"http://127.0.0.1:{port}"
    app_b = create_app(make_settings(public_url=url_b))
    with ServerThread(app_b, port=port):
        a = TwilioSender(url_a, TWILIO_TOKEN, "+6281234500000")
        b = TwilioSender(url_b, TWILIO_TOKEN, "+6281234500000")
        a.say("halo")
        b.say("Trotoar di jalan Merdeka dipakai parkir liar sehingga pejalan kaki turun ke jalan")
        a.say("Jl. Merdeka, Kota Bandung")
        b.say("1")
        code_in(a.say("KIRIM"))
    app_b.extensions["lapor"].close()
    [row] = complaints(runtime)
    assert row.privacy == "public" and row.document["location"]["text"].startswith("Jl. Merdeka")


def test_stale_draft_expires(make_settings, sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms()
    citizen.say("Jembatan desa ambruk sejak banjir kemarin, anak sekolah tidak bisa lewat")
    from datetime import timedelta

    from forwarder.sqltypes import utcnow

    with runtime.sessions() as s:
        s.scalars(select(Conversation)).one().updated_at = utcnow() - timedelta(days=3)
        s.commit()
    # The old draft is gone: a place name now reads as a too-short new complaint.
    assert "keluhan" in citizen.say("Desa Sukamaju")[0]


def test_a_chat_citizen_sorts_what_the_keywords_cannot(sms, live_gateway):
    _, runtime = live_gateway
    citizen = sms("+6281234500041", whatsapp=True)
    [ask] = citizen.say("Tolong dibantu pak, sudah lama sekali tidak ada yang peduli di sini")
    assert ask.startswith("Laporan Anda termasuk yang mana?")
    assert "\n2. Kesehatan\n" in ask and ask.rstrip().endswith("12. Lainnya")
    [again] = citizen.say("pokoknya parah")  # names no category: asked once more
    assert again.startswith("Balas nomor dari daftar")
    assert "Di mana" in citizen.say("soal puskesmas yang tutup")[0]
    citizen.say("Puskesmas Sukamaju, Kab. Bandung Barat")
    citizen.say("LEWATI")
    citizen.say("2")
    code_in(citizen.say("KIRIM"))
    [row] = complaints(runtime)
    assert row.document["category"] == {
        "code": "kesehatan",
        "label": "Kesehatan",
        "confidence": 1.0,
    }


def test_an_unsorted_complaint_stays_lainnya_when_the_citizen_skips_or_keeps_talking(
    sms, live_gateway
):
    _, runtime = live_gateway
    skipper = sms("+6281234500042", whatsapp=True)
    skipper.say("Tolong dibantu pak, sudah lama sekali tidak ada yang peduli di sini")
    assert "Di mana" in skipper.say("LEWATI")[0]
    talker = sms("+6281234500043", whatsapp=True)
    talker.say("Mohon ditindaklanjuti, warga di RT kami resah sejak bulan lalu")
    assert talker.say("hmm gimana ya")[0].startswith("Balas nomor dari daftar")
    # the second answer that names nothing is taken as more of the complaint
    assert "Di mana" in talker.say("pokoknya warga resah")[0]
    for citizen in (skipper, talker):
        citizen.say("LEWATI")
        citizen.say("LEWATI")
        citizen.say("2")
        code_in(citizen.say("KIRIM"))
    rows = {r.reply_to: r.document for r in complaints(runtime)}
    assert {d["category"]["code"] for d in rows.values()} == {"lainnya"}
    assert rows["whatsapp:+6281234500043"]["description"].endswith("\npokoknya warga resah")


def test_sms_is_never_asked_for_a_category(sms):
    citizen = sms("+6281234500044")
    assert "LEWATI" in citizen.say("Tolong dibantu pak, sudah lama tidak ada yang peduli")[0]
    assert "Laporan Anda termasuk" not in citizen.say("Desa Sukamaju")[0]
