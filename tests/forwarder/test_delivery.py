"""Complaints from the dialog to the central system and the citizen's phone, over real
HTTP: the sandbox central, a misbehaving central, and the stand-in Twilio API."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from forwarder.outbox import JobStatus, OutboxJob
from gateway.jobs.dead_letters import retry_dead_letter
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint, ComplaintEvent, OutboundMessage
from sandbox.central import central_stats, create_central_app
from sandbox.citizens import TwilioSender
from sandbox.flaky import FlakyCentral
from sandbox.server import ServerThread
from tests.conftest import free_port


def submit(url: str, text: str, number: str = "+6281234567890") -> None:
    from tests.conftest import TWILIO_TOKEN

    replies = TwilioSender(url, TWILIO_TOKEN, number).say(f"LAPOR {text}")
    assert "LPR-" in replies[0]


def runtime_for(make_settings, **overrides) -> Runtime:
    return Runtime(make_settings(**overrides))


def drain(runtime: Runtime, idle_polls: int = 3) -> None:
    make_worker(runtime, poll_seconds=0.02).run(max_idle_polls=idle_polls)


def drain_until_posted(runtime: Runtime, flaky: FlakyCentral) -> threading.Thread:
    """A worker draining in the background, returned once its first POST has reached the
    (stalling) central system."""
    worker = threading.Thread(target=drain, args=(runtime,))
    worker.start()
    deadline = time.monotonic() + 10
    while flaky.seen == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert flaky.seen == 1  # the delivery's POST is in flight, the central stalling
    return worker


def only_complaint(runtime: Runtime) -> Complaint:
    with runtime.sessions() as s:
        return s.scalars(select(Complaint)).one()


def test_complaint_reaches_central_and_citizen_hears_back(
    make_settings, live_gateway, central, fake_twilio
):
    url, _ = live_gateway
    fake, twilio_server = fake_twilio
    submit(
        url,
        "Jalan berlubang di depan SDN 3 Sukamaju sejak tiga bulan LOKASI Desa "
        "Sukamaju, Kab. Bandung Barat",
    )
    runtime = runtime_for(
        make_settings, forward_url=central.url, public_url=url, twilio_api_url=twilio_server.url
    )
    drain(runtime)

    row = only_complaint(runtime)
    assert row.status == "submitted" and row.central_id == "1" and row.central_target == "open311"
    assert row.document["submitted_at"]
    # the place is read as a Kemendagri region on delivery
    assert row.document["location"]["region_code"] == "32.17"
    with runtime.sessions() as s:
        statuses = [e.status for e in s.scalars(select(ComplaintEvent).order_by(ComplaintEvent.id))]
    assert statuses == ["received", "queued", "submitted"]

    [sent] = fake.messages
    assert sent["to"] == "+6281234567890" and sent["from"] == "+62215550100"
    # it has reached the central system, not an agency, and no internal id is shown
    assert row.tracking_code in sent["body"] and "menunggu verifikasi" in sent["body"]
    assert "no. 1" not in sent["body"] and "instansi" not in sent["body"]
    deadline = time.monotonic() + 5  # the stand-in reports sent, then delivered
    while time.monotonic() < deadline:
        with runtime.sessions() as s:
            message = s.scalars(select(OutboundMessage)).one()
        if message.status == "delivered":
            break
        time.sleep(0.05)
    assert message.status == "delivered" and message.external_id == sent["sid"]
    runtime.close()


def test_central_refusing_then_503_then_up_delivers_exactly_once(
    make_settings, live_gateway, tmp_path
):
    url, _ = live_gateway
    submit(url, "Lampu jalan mati di gang Mawar sudah seminggu LOKASI Gang Mawar")
    port = free_port()
    runtime = runtime_for(
        make_settings, forward_url=f"http://127.0.0.1:{port}", notify_on_submitted=False
    )
    worker = make_worker(runtime, poll_seconds=0.02)

    worker.run_once()  # nothing listens: connection refused
    with runtime.sessions() as s:
        job = s.scalars(select(OutboxJob)).one()
    assert job.status == JobStatus.PENDING and "ConnectionError" in job.last_error

    inner = create_central_app(tmp_path / "c.sqlite")
    flaky = FlakyCentral(inner, [503, 503])
    with ServerThread(flaky, port=port):
        time.sleep(0.1)
        worker.run(max_idle_polls=10)
    with runtime.sessions() as s:
        job = s.scalars(select(OutboxJob)).one()
    assert job.status == JobStatus.DONE and job.attempts == 4
    assert flaky.seen == 3
    assert central_stats(inner.extensions["central_engine"])["requests"] == 1
    assert only_complaint(runtime).status == "submitted"
    runtime.close()


def test_slow_central_times_out_and_is_retried(make_settings, live_gateway, tmp_path):
    url, _ = live_gateway
    submit(url, "Pelayanan KTP di kecamatan sangat lambat dan ada pungutan")
    inner = create_central_app(tmp_path / "c.sqlite")
    stalled = threading.Event()
    flaky = FlakyCentral(inner, [("hold", stalled)])
    with ServerThread(flaky) as server:
        runtime = runtime_for(
            make_settings,
            forward_url=server.url,
            forward_timeout_seconds=0.3,
            notify_on_submitted=False,
        )
        drain(runtime, idle_polls=20)
        stalled.set()  # the first request, long given up by the worker, lands now
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if central_stats(inner.extensions["central_engine"])["posts"] == 2:
                break
            time.sleep(0.02)
    with runtime.sessions() as s:
        job = s.scalars(select(OutboxJob)).one()
    assert job.status == JobStatus.DONE and job.attempts == 2
    # the stalled first POST did land, and its redelivery carried the same key
    stats = central_stats(inner.extensions["central_engine"])
    assert stats == {"requests": 1, "posts": 2, "distinct_keys": 1}
    runtime.close()


def test_permanent_400_is_a_dead_letter_and_an_operator_can_retry(
    make_settings, live_gateway, tmp_path
):
    url, _ = live_gateway
    submit(url, "Sekolah menarik pungutan seragam yang mahal sekali")
    inner = create_central_app(tmp_path / "c.sqlite")
    flaky = FlakyCentral(inner, [400])
    with ServerThread(flaky) as server:
        runtime = runtime_for(make_settings, forward_url=server.url, notify_on_submitted=False)
        drain(runtime)
        with runtime.sessions() as s:
            job = s.scalars(select(OutboxJob)).one()
            assert job.status == JobStatus.DEAD and job.attempts == 1
            assert "HTTP 400" in job.last_error
        assert only_complaint(runtime).status == "failed"
        with runtime.sessions() as s:
            assert retry_dead_letter(s, job.id)
            s.commit()
        assert only_complaint(runtime).status == "queued"
        drain(runtime)
    assert only_complaint(runtime).status == "submitted"
    runtime.close()


def test_retry_budget_spent_is_a_dead_letter(make_settings, live_gateway, tmp_path):
    url, _ = live_gateway
    submit(url, "Air PDAM keruh dan berbau sejak minggu lalu di perumahan")
    inner = create_central_app(tmp_path / "c.sqlite")
    flaky = FlakyCentral(inner, [503] * 20)
    with ServerThread(flaky) as server:
        # the budget is fixed when the job is queued: the web app's default of 10
        runtime = runtime_for(make_settings, forward_url=server.url)
        drain(runtime, idle_polls=20)
    with runtime.sessions() as s:
        job = s.scalars(select(OutboxJob)).one()
    assert job.status == JobStatus.DEAD and job.attempts == 10 and flaky.seen == 10
    assert only_complaint(runtime).status == "failed"
    runtime.close()


def test_twilio_rate_limit_is_retried_and_a_bad_number_is_permanent(
    make_settings, live_gateway, central, fake_twilio
):
    url, _ = live_gateway
    fake, twilio_server = fake_twilio
    fake.fail_next.extend([429])
    submit(url, "Jalan rusak di desa kami sejak lama sekali", number="+6281200000001")
    runtime = runtime_for(make_settings, forward_url=central.url, twilio_api_url=twilio_server.url)
    drain(runtime, idle_polls=10)
    assert len(fake.messages) == 1 and fake.requests_seen == 2

    fake.fail_next.extend([400])
    submit(url, "Jembatan penghubung desa ambruk kemarin sore", number="+6281200000002")
    drain(runtime, idle_polls=10)
    with runtime.sessions() as s:
        failed = s.scalars(select(OutboundMessage).where(OutboundMessage.status == "failed")).one()
        job = s.scalars(
            select(OutboxJob).where(
                OutboxJob.kind == "send_message", OutboxJob.status == JobStatus.DEAD
            )
        ).one()
    assert "21211" in failed.error and job.attempts == 1
    runtime.close()


def test_anonymous_identity_never_reaches_the_central(make_settings, live_gateway, tmp_path):
    url, _ = live_gateway
    from tests.conftest import TWILIO_TOKEN

    TwilioSender(url, TWILIO_TOKEN, "+6281298765432").say(
        "LAPOR ANONIM pungutan liar oleh oknum petugas di kantor samsat, hubungi saya "
        "0813-1111-2222 atau NIK 3201011508950001"
    )
    captured = []
    inner = create_central_app(tmp_path / "c.sqlite")

    def capture(environ, start_response):
        import io

        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        captured.append(body.decode())
        environ["wsgi.input"] = io.BytesIO(body)
        return inner(environ, start_response)

    with ServerThread(capture) as server:
        drain(runtime_for(make_settings, forward_url=server.url, notify_on_submitted=False))
    assert len(captured) == 1
    assert "6281298765432" not in captured[0] and "first_name" not in captured[0]
    assert "0813-1111-2222" not in captured[0] and "3201011508950001" not in captured[0]
    assert "pungutan+liar" in captured[0]  # the complaint itself still goes


def test_citizens_are_answered_while_a_delivery_waits_on_a_slow_central(
    make_settings, live_gateway, sms, tmp_path
):
    """SQLite has one writer: a delivery must not hold it while its POST waits."""
    url, _ = live_gateway
    submit(url, "Sampah menumpuk di pasar sudah dua minggu LOKASI Pasar Kramat, Kota Cirebon")
    inner = create_central_app(tmp_path / "c.sqlite")
    release = threading.Event()
    flaky = FlakyCentral(inner, [("hold", release)])
    with ServerThread(flaky) as server:
        runtime = runtime_for(make_settings, forward_url=server.url, forward_timeout_seconds=40)
        worker = drain_until_posted(runtime, flaky)
        replies = sms("+6281298765432").say("LAPOR Lampu jalan mati di gang Melati")
        answered_while_held = flaky.holding
        release.set()
        worker.join(timeout=30)
    assert "LPR-" in replies[0]
    assert answered_while_held  # without waiting for the delivery's POST to end
    with runtime.sessions() as s:
        statuses = sorted(c.status for c in s.scalars(select(Complaint)))
    assert statuses == ["queued", "submitted"] or statuses == ["submitted", "submitted"]
    runtime.close()


def test_a_status_pushed_while_the_post_is_out_is_kept(make_settings, live_gateway, tmp_path):
    """The central system may push a status back before it answers the POST that filed the
    complaint: that status is newer than "submitted" and stays."""
    from gateway.web.app import create_app
    from tests.gateway.test_central_events import SECRET, push

    url, _ = live_gateway
    submit(url, "Jembatan kayu di desa kami patah sebagian LOKASI Desa Sukamaju")
    events = create_app(make_settings(central_events_secret=SECRET))
    inner = create_central_app(tmp_path / "c.sqlite")
    flaky = FlakyCentral(inner, [("sleep", 1.5)])
    with ServerThread(flaky) as server:
        runtime = runtime_for(make_settings, forward_url=server.url, notify_on_submitted=False)
        code = only_complaint(runtime).tracking_code
        worker = drain_until_posted(runtime, flaky)
        # on PostgreSQL this waits for the delivery's row lock; on SQLite it lands now
        answer = push(
            events.test_client(), {"event_id": "v1", "tracking_code": code, "status": "verified"}
        )
        worker.join(timeout=30)
    assert answer.json["recorded"] == 1
    row = only_complaint(runtime)
    assert row.status == "verified" and row.central_id == "1"
    public = events.test_client().get(f"/api/v1/complaints/{code}").json
    assert [e["status"] for e in public["timeline"]] == [
        "received",
        "queued",
        "submitted",
        "verified",
    ]
    events.extensions["lapor"].close()
    runtime.close()
