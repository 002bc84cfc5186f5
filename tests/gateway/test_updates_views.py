"""The reporter's updates where people read a complaint: in the operator console's
timeline, with their heading and delivery state, and in the public status JSON, by
kind and time only."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from forwarder.sqltypes import utcnow
from gateway.complaints.records import create_complaint
from gateway.complaints.updates import record_update
from gateway.store.models import Complaint, ComplaintUpdate
from tests.gateway.test_console import add, login

FOLLOWUP = "Lubangnya makin lebar, kemarin ada motor jatuh. Hubungi 0813-1111-2222."


def complaint_with_updates(app: Flask, privacy: str = "confidential") -> tuple[str, str]:
    """A complaint with one update of each kind, delivered, waiting and kept."""
    with app.extensions["lapor"].sessions() as s:
        stored = create_complaint(
            s,
            channel="sms",
            description="Jalan berlubang di depan SDN 3 Sukamaju sejak tiga bulan",
            privacy=privacy,
            language="id",
            max_attempts=10,
            received_at=utcnow() - timedelta(days=2),
            sender="+6281234567890",
            phone="+6281234567890",
        )
        complaint = s.get(Complaint, stored.id)
        rows = [
            record_update(s, complaint, kind="followup", text=FOLLOWUP, channel="sms"),
            record_update(
                s, complaint, kind="feedback", text="", rating="not_satisfied", channel="sms"
            ),
            record_update(s, complaint, kind="reopen", text="Belum diperbaiki.", channel="sms"),
        ]
        for row, delivery in zip(rows, ("delivered", "pending", "kept"), strict=True):
            row.delivery = delivery
        s.commit()
    return stored.id, stored.tracking_code


def test_console_timeline_shows_updates_with_their_delivery_state(app):
    add(app, "ani", "operator")
    _, code = complaint_with_updates(app)
    client = app.test_client()
    login(client, "ani")
    page = client.get(f"/operator/complaints/{code}").text
    timeline = page[page.index('id="timeline"') :]
    followup = timeline.index("Tindak lanjut dari pelapor")
    feedback = timeline.index("Umpan balik pelapor: tidak puas")
    reopen = timeline.index("Permintaan buka kembali")
    assert (
        timeline.index("Dalam antrean pengiriman") < followup < feedback < reopen
    )  # by time, among events
    assert "(terkirim)" in timeline[followup:feedback]
    assert "(menunggu)" in timeline[feedback:reopen]
    assert "(disimpan untuk petugas)" in timeline[reopen:]
    assert "motor jatuh" in timeline and "0813-1111-2222" in timeline  # operators read it


def test_console_masks_identity_typed_into_an_anonymous_complaints_update(app):
    add(app, "ani", "operator")
    _, code = complaint_with_updates(app, privacy="anonymous")
    client = app.test_client()
    login(client, "ani")
    page = client.get(f"/operator/complaints/{code}").text
    assert "motor jatuh" in page and "0813-1111-2222" not in page


def test_public_status_lists_updates_by_kind_and_time_only(app):
    complaint_id, code = complaint_with_updates(app)
    status = app.test_client().get(f"/api/v1/complaints/{code}").json
    assert [u["kind"] for u in status["updates"]] == ["followup", "feedback", "reopen"]
    assert all(set(u) == {"kind", "at"} for u in status["updates"])
    body = str(status)
    assert "motor jatuh" not in body and "Belum diperbaiki" not in body
    assert "not_satisfied" not in body and "delivered" not in body
    # the status timeline itself is unchanged
    assert [e["status"] for e in status["timeline"]] == ["received", "queued"]
    with app.extensions["lapor"].sessions() as s:
        assert s.query(ComplaintUpdate).filter_by(complaint_id=complaint_id).count() == 3
