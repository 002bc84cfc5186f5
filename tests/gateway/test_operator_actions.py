"""Every operator action on its timeline with the operator's name (issue 20), and an
operator's reply within the channel's rules: Meta's 24-hour window (outside it, a
template or a clear refusal) and SMS segments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from forwarder.outbox import JobStatus, OutboxJob
from forwarder.sqltypes import utcnow
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import CallRecord, Complaint, Conversation, InboundRecord, OutboundMessage
from gateway.web.app import create_app
from sandbox.central import create_central_app
from sandbox.flaky import FlakyCentral
from sandbox.server import ServerThread
from tests.gateway.test_console import CALL_FORM, KEY, TOKEN, add, login, token

FORM = CALL_FORM


@pytest.fixture
def console(app: Flask) -> Flask:
    add(app, "ani", "operator")
    return app


def _timeline(client, code: str) -> str:
    page = client.get(f"/operator/complaints/{code}").text
    return page[page.index('id="timeline"') : page.index("</ol>", page.index('id="timeline"'))]


def test_a_call_logged_and_a_review_decision_are_on_the_complaints_timeline(console):
    client = console.test_client()
    login(client, "ani")
    logged = client.post(
        "/operator/calls/new",
        data={**FORM, "csrf_token": token(client, "/operator/calls/new"), "submit": "1"},
    )
    assert logged.status_code == 302
    with console.extensions["lapor"].sessions() as s:
        code = s.scalars(select(Complaint.tracking_code)).one()
    assert "Petugas ani</strong> mencatat panggilan" in _timeline(client, code)

    call = {"call_id": "review-1", "turns": [{"speaker": "caller", "text": "Jalan rusak pak."}]}
    taken = console.test_client().post("/api/v1/calls", json=call, headers=KEY).json
    with console.extensions["lapor"].sessions() as s:
        record_id = s.scalar(select(CallRecord.id).where(CallRecord.call_id == "review-1"))
    page = client.get(f"/operator/review/{record_id}").text
    form = {**FORM, "csrf_token": TOKEN.search(page).group(1)}
    client.post(f"/operator/review/{record_id}", data={**form, "save": "1"})
    waiting = client.get(f"/operator/review/{record_id}").text
    assert "Petugas ani</strong> mengubah draf di antrean tinjauan" in waiting
    client.post(f"/operator/review/{record_id}", data={**form, "submit": "1"})
    timeline = _timeline(client, taken["tracking_code"])
    saved = timeline.index("Petugas ani</strong> mengubah draf di antrean tinjauan")
    sent = timeline.index("Petugas ani</strong> mengirim draf dari antrean tinjauan")
    assert saved < sent


def _conversation(app: Flask, channel: str, sender: str, last_in_ago: timedelta) -> int:
    with app.extensions["lapor"].sessions() as s:
        at = utcnow() - last_in_ago
        s.add(InboundRecord(channel=channel, external_id=f"{sender}-1", sender=sender,
                            text="jalan rusak", payload={}, received_at=at))  # fmt: skip
        conv = Conversation(channel=channel, sender=sender, step="description",
                            draft={"human": True}, updated_at=at)  # fmt: skip
        s.add(conv)
        s.commit()
        return conv.id


def _sent(app: Flask) -> int:
    with app.extensions["lapor"].sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboundMessage)) or 0


def test_outside_whatsapps_24_hours_without_a_template_the_reply_is_refused(console):
    conv_id = _conversation(console, "whatsapp", "whatsapp:+6281355500011", timedelta(hours=25))
    client = console.test_client()
    login(client, "ani")
    page = client.get(f"/operator/inbox/{conv_id}").text
    assert "di luar jendela 24 jam WhatsApp hanya templat" in page
    assert 'id="reply-form"' not in page
    refused = client.post(
        f"/operator/inbox/{conv_id}/reply",
        data={"csrf_token": token(client, f"/operator/inbox/{conv_id}"), "text": "Halo"},
        follow_redirects=True,
    )
    assert refused.status_code == 200 and "Balasan tidak bisa dikirim" in refused.text
    assert _sent(console) == 0


def test_within_the_window_a_reply_goes_and_closing_is_on_the_record(console):
    conv_id = _conversation(console, "whatsapp", "whatsapp:+6281355500012", timedelta(hours=2))
    client = console.test_client()
    login(client, "ani")
    page = client.get(f"/operator/inbox/{conv_id}").text
    assert "Jendela 24 jam masih terbuka" in page and 'id="reply-form"' in page
    tok = token(client, f"/operator/inbox/{conv_id}")
    client.post(f"/operator/inbox/{conv_id}/reply", data={"csrf_token": tok, "text": "Halo"})
    assert _sent(console) == 1
    with console.extensions["lapor"].sessions() as s:
        last_message = s.get(Conversation, conv_id).updated_at
    client.post(f"/operator/inbox/{conv_id}/close", data={"csrf_token": tok})
    with console.extensions["lapor"].sessions() as s:
        # closing is no message from the citizen: Meta's window does not open again
        assert s.get(Conversation, conv_id).updated_at == last_message
    page = client.get(f"/operator/inbox/{conv_id}").text
    assert "Petugas ani</strong> menutup percakapan" in page
    assert "Petugas ani" in page[page.index('id="thread"') :]  # the reply, by name


def test_an_sms_reply_is_gsm7_and_at_most_three_segments(console):
    conv_id = _conversation(console, "sms", "+6281355500013", timedelta(days=3))
    client = console.test_client()
    login(client, "ani")
    tok = token(client, f"/operator/inbox/{conv_id}")
    too_long = client.post(
        f"/operator/inbox/{conv_id}/reply",
        data={"csrf_token": tok, "text": "x" * 460},
        follow_redirects=True,
    )
    assert "Balasan terlalu panjang" in too_long.text and _sent(console) == 0
    text = "“Petugas kami” sudah mencatat — " + "a" * 150
    done = client.post(
        f"/operator/inbox/{conv_id}/reply",
        data={"csrf_token": tok, "text": text},
        follow_redirects=True,
    )
    assert "(2 segmen SMS)" in done.text
    with console.extensions["lapor"].sessions() as s:
        sent = s.scalars(select(OutboundMessage)).one()
        assert sent.text.startswith('"Petugas kami" sudah mencatat -- ')  # em dash
    assert "2 segmen SMS" in done.text[done.text.index('id="thread"') :]


def test_a_supervisors_retry_is_on_the_timeline(console, make_settings, tmp_path):
    add(console, "sari", "supervisor")
    client = console.test_client()
    login(client, "sari")
    client.post(
        "/operator/calls/new",
        data={**FORM, "csrf_token": token(client, "/operator/calls/new"), "submit": "1"},
    )
    refusing = FlakyCentral(create_central_app(tmp_path / "c.sqlite"), [400])
    with ServerThread(refusing) as server:
        worker = Runtime(make_settings(forward_url=server.url, notify_on_submitted=False))
        make_worker(worker, poll_seconds=0.02).run(max_idle_polls=2)
        worker.close()
    with console.extensions["lapor"].sessions() as s:
        job_id = s.scalar(select(OutboxJob.id).where(OutboxJob.status == JobStatus.DEAD))
        code = s.scalars(select(Complaint.tracking_code)).one()
    assert job_id is not None
    client.post(
        f"/operator/dead-letters/{job_id}/retry",
        data={"csrf_token": token(client, "/operator/dead-letters")},
    )
    timeline = _timeline(client, code)
    assert "Petugas sari</strong> mengirim ulang ke SP4N-LAPOR!" in timeline
    assert timeline.index("Gagal dikirim") < timeline.index("Petugas sari</strong> mengirim ulang")


def test_outside_the_window_a_template_or_a_message_tag_carries_the_reply(make_settings):
    app = create_app(make_settings(meta_whatsapp_template="balasan_petugas"))
    try:
        add(app, "ani", "operator")
        client = app.test_client()
        login(client, "ani")
        wa = _conversation(app, "whatsapp", "wa:6281355500014", timedelta(hours=30))
        page = client.get(f"/operator/inbox/{wa}").text
        assert "templat WhatsApp “balasan_petugas”" in page and 'maxlength="1000"' in page
        tok = token(client, f"/operator/inbox/{wa}")
        long = client.post(
            f"/operator/inbox/{wa}/reply",
            data={"csrf_token": tok, "text": "x" * 1001},
            follow_redirects=True,
        )
        assert "Balasan terlalu panjang (1001 dari 1000 karakter)" in long.text
        client.post(f"/operator/inbox/{wa}/reply", data={"csrf_token": tok, "text": "Halo"})
        assert _sent(app) == 1
        messenger = _conversation(app, "messenger", "4412345", timedelta(hours=30))
        page = client.get(f"/operator/inbox/{messenger}").text
        assert "dikirim dengan tag ACCOUNT_UPDATE" in page and 'id="reply-form"' in page
    finally:
        app.extensions["lapor"].close()
