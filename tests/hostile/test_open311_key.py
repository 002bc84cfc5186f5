"""The Open311 ``api_key`` stays where GeoReport v2 needs it and nowhere else: in the
form body of POSTs; out of the URLs of the status pulls (which the peer's access log
keeps), unless the server refuses a read without it; and out of every log line and
error message either way."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from flask import abort, request

from forwarder.errors import DeliveryError
from forwarder.targets.open311 import Open311Target
from gateway.jobs.status_pull import pull_statuses
from gateway.logs import configure_logging
from gateway.store.models import Complaint
from sandbox.central import create_central_app, set_status
from sandbox.server import ServerThread
from tests.forwarder.test_status_pull import filed_and_delivered

KEY = "open311-secret-key-4242"


def own_log(gateway_log):
    """What the gateway's own handler writes, set up inside the test body so it writes
    to the stream the test captures (as tests/gateway/test_logs.py does)."""
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "_lapor", False)]
    configure_logging(fmt="text")
    gateway_log()  # what came before
    return gateway_log


@pytest.fixture
def central_log(tmp_path):
    """The sandbox central system requiring ``KEY`` on POSTs, and what its access log
    would keep: each request's method, path and query string, and whether its form had
    the key."""
    app = create_central_app(tmp_path / "central.sqlite", api_key=KEY)
    seen: list[tuple[str, str, bool]] = []

    @app.before_request
    def _access_log() -> None:
        seen.append((request.method, request.full_path, request.form.get("api_key") == KEY))

    with ServerThread(app) as server:
        yield app, server, seen


@pytest.mark.parametrize("mode", ["updates", "requests"])
def test_the_key_goes_in_post_bodies_and_never_in_a_read_url(
    make_settings, live_gateway, fake_twilio, central_log, gateway_log, mode
):
    app, server, seen = central_log
    logged = own_log(gateway_log)
    _, twilio_server = fake_twilio
    runtime, complaint = filed_and_delivered(
        make_settings,
        live_gateway,
        server.url,
        twilio_server.url,
        forward_api_key=KEY,
        status_pull_mode=mode,
    )
    engine = app.extensions["central_engine"]
    set_status(engine, int(complaint.central_id), "in_progress", "Petugas dijadwalkan")
    assert pull_statuses(runtime) == 1
    posts = [s for s in seen if s[0] == "POST"]
    reads = [s for s in seen if s[0] == "GET"]
    assert posts and all(has_key for _, _, has_key in posts)  # the body carries it
    assert reads and not any(KEY in path for _, path, _ in reads)
    assert KEY not in logged()
    runtime.close()


def test_a_server_that_wants_the_key_for_reads_gets_it_and_the_logs_do_not(
    make_settings, live_gateway, fake_twilio, central_log, gateway_log
):
    app, server, seen = central_log
    logged = own_log(gateway_log)

    @app.before_request
    def _reads_need_the_key() -> None:
        if request.method == "GET" and request.args.get("api_key") != KEY:
            abort(403)

    _, twilio_server = fake_twilio
    runtime, complaint = filed_and_delivered(
        make_settings,
        live_gateway,
        server.url,
        twilio_server.url,
        forward_api_key=KEY,
        status_pull_mode="updates",
    )
    engine = app.extensions["central_engine"]
    set_status(engine, int(complaint.central_id), "in_progress", "Petugas dijadwalkan")
    assert pull_statuses(runtime) == 1
    with runtime.sessions() as s:
        assert s.get(Complaint, complaint.id).status == "in_progress"
    reads = [path for method, path, _ in seen if method == "GET"]
    assert KEY not in reads[0] and KEY in reads[-1]  # asked without, then with, the key
    set_status(engine, int(complaint.central_id), "fixed", "Selesai")
    before = len(seen)
    assert pull_statuses(runtime) == 1
    assert len(seen) == before + 1  # remembered: no refused attempt first any more
    logs = logged()
    assert KEY not in logs
    runtime.close()


def test_a_failed_read_says_nothing_of_the_key(gateway_log):
    """A read that needs the key and cannot reach the server: the error the worker logs
    and keeps names the URL, with the key masked; so does any library's log line."""
    logged = own_log(gateway_log)
    target = Open311Target("http://127.0.0.1:9/open311", api_key=KEY)
    target.reads_need_key = True
    since = datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(DeliveryError) as failed:
        target.fetch_updates(since, since)
    assert "servicerequestupdates" in str(failed.value)
    assert KEY not in str(failed.value) and "api_key=***" in str(failed.value)
    logging.getLogger("urllib3.connectionpool").warning(
        '127.0.0.1:9 "GET /open311/requests.json?service_request_id=1&api_key=%s" 403', KEY
    )
    logging.getLogger("forwarder.worker").warning("pull failed: %r", failed.value)
    logs = logged()
    assert KEY not in logs and "api_key=***" in logs
