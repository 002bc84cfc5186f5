"""What a citizen says after filing, through the real webhooks, the worker and the
sandbox Open311 central system, on SQLite and PostgreSQL: follow-ups and feedback reach
the central system as updates of the complaint, thanks create nothing, STATUS without a
code lists the sender's complaints, and notices tell the truth within SMS segments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import func, select

from gateway.store.models import Complaint, ComplaintUpdate
from normalizer.gsm import is_gsm7, segments
from tests.conftest import BACKENDS
from tests.conversations import Stage, stage_on


@pytest.fixture(scope="module", params=BACKENDS)
def played(request: pytest.FixtureRequest) -> Iterator[Stage]:
    with stage_on(request.param, request) as s:
        yield s


def say(played: Stage, number: str, body: str, whatsapp: bool = False) -> list[str]:
    from sandbox.citizens import TwilioSender

    citizen = TwilioSender(played.url, "test-auth-token", number, whatsapp=whatsapp)
    replies = citizen.say(body)
    played.drain()
    return replies


def central_updates(played: Stage) -> list[dict]:
    return requests.get(f"{played.central_url}/_sandbox/citizen-updates", timeout=5).json()


def push(played: Stage, code: str, status: str, event: str, note: str | None = None) -> None:
    resolution = "resolved" if status == "closed" else None
    answer = played.push_status(code, event, status=status, note=note, resolution=resolution)
    assert answer.status_code == 200, answer.text


def sms_to(played: Stage, number: str) -> list[str]:
    return [m["body"] for m in played.twilio.messages if m.get("to") == number]


def file(played: Stage, number: str) -> str:
    [reply] = say(
        played,
        number,
        "LAPOR jalan depan SDN 2 Cibiru berlubang besar sejak "
        "seminggu LOKASI Kel. Cibiru Wetan, Kota Bandung",
    )
    assert "LPR-" in reply
    return reply.split("Kode: ")[1].split(".")[0]


def test_a_follow_up_reaches_the_central_system_as_an_update(played: Stage) -> None:
    number = "+6281300000001"
    code = file(played, number)
    [ack] = say(played, number, "tambahan pak, lubangnya sekarang ada 3, yg paling besar 1 meter")
    assert code in ack and segments(ack) == 1
    with played.runtime.sessions() as s:
        complaint = s.scalars(select(Complaint).where(Complaint.tracking_code == code)).one()
        [update] = s.scalars(select(ComplaintUpdate)).all()[-1:]
        assert update.kind == "followup" and update.delivery == "delivered"
        assert (
            s.scalar(
                select(func.count()).select_from(Complaint).where(Complaint.reply_to == number)
            )
            == 1
        )
    [sent] = [u for u in central_updates(played) if u["request_id"] == complaint.central_id]
    assert "lubangnya sekarang ada 3" in sent["description"]


def test_thanks_create_nothing_and_cost_no_sms(played: Stage) -> None:
    number = "+6281300000002"
    file(played, number)
    before = len(central_updates(played))
    assert say(played, number, "makasih pak") == []
    assert say(played, number, "ok siap, ditunggu kabarnya") == []
    assert len(central_updates(played)) == before
    with played.runtime.sessions() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Complaint).where(Complaint.reply_to == number)
            )
            == 1
        )


def test_feedback_is_asked_for_recorded_and_delivered(played: Stage) -> None:
    number = "+6281300000003"
    code = file(played, number)
    push(played, code, "awaiting_feedback", f"{code}-fb", "Lubang sudah ditambal.")
    notice = sms_to(played, number)[-1]
    assert "SUDAH" in notice and "BELUM" in notice and "ditambal" in notice
    [ack] = say(played, number, "belum pak, masih berlubang")
    assert code in ack
    with played.runtime.sessions() as s:
        update = s.scalars(select(ComplaintUpdate).order_by(ComplaintUpdate.id.desc())).first()
        assert (update.kind, update.rating) == ("feedback", "not_satisfied")


def test_not_fixed_on_a_closed_complaint_asks_to_reopen_it(played: Stage) -> None:
    number = "+6281300000004"
    code = file(played, number)
    push(played, code, "closed", f"{code}-closed", "Sudah diperbaiki.")
    [ack] = say(played, number, "belum diperbaiki, masih berlubang")
    assert code in ack and "buka kembali" in ack.lower()
    with played.runtime.sessions() as s:
        update = s.scalars(select(ComplaintUpdate).order_by(ComplaintUpdate.id.desc())).first()
        assert update.kind == "reopen"
    assert any("masih berlubang" in u["description"] for u in central_updates(played))


def test_status_without_a_code_lists_the_senders_complaints_across_sms_and_whatsapp(
    played: Stage,
) -> None:
    number = "+6281300000005"
    first = file(played, number)
    [second_reply] = say(
        played,
        number,
        "LAPOR lampu PJU di gang Melati mati semua sejak "
        "kemarin LOKASI Kel. Sukaluyu, Kota Bandung",
    )
    second = second_reply.split("Kode: ")[1].split(".")[0]
    for reply in (
        say(played, number, "STATUS")[0],
        say(played, number, "cek laporan saya", whatsapp=True)[0],
    ):
        assert first in reply and second in reply
        assert reply.index(second) < reply.index(first)  # newest first
    [only_sms] = say(played, number, "STATUS")
    assert segments(only_sms) == 1 and is_gsm7(only_sms)
    assert "Tidak ada laporan" in say(played, "+6281300000099", "status laporan saya")[0]


def test_a_long_agency_note_follows_the_notice_in_whole_sms(played: Stage) -> None:
    number = "+6281300000006"
    code = file(played, number)
    note = (
        "Perbaikan jalan akan dilaksanakan oleh Dinas Pekerjaan Umum dan Penataan Ruang "
        "setelah anggaran perubahan disahkan pada akhir bulan ini; rambu peringatan sudah "
        "dipasang di lokasi agar pengendara berhati-hati."
    )
    before = len(sms_to(played, number))
    push(played, code, "in_progress", f"{code}-long", note)
    sent = sms_to(played, number)[before:]
    assert len(sent) >= 2
    assert all(segments(m) == 1 and is_gsm7(m) for m in sent)
    assert "instansi (no." not in " ".join(sent)
    told = " ".join(m.removeprefix(f"{code}: ") for m in sent[1:])
    assert " ".join(told.split()) == note
