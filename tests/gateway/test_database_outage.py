"""The database going away and coming back: while nothing can be committed every
endpoint answers 503 with Retry-After (never a 2xx, never a bare 500), and the app
recovers by itself once the database is back: no restart, nothing stored twice."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from gateway.config import Settings, load_settings
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Complaint, InboundRecord
from gateway.web.app import create_app
from sandbox.citizens import TwilioSender
from sandbox.server import ServerThread
from sandbox.tcp_proxy import TcpProxy
from tests.conftest import PG_URL, TWILIO_TOKEN, free_port
from tests.gateway.test_api import KEY
from tests.gateway.test_api import VALID as COMPLAINT


def settings_for(database_url: str, tmp_path, **overrides: str) -> Settings:
    values = {
        "database_url": database_url,
        "instance_path": tmp_path,
        "api_keys": "key-one,key-two",
        "twilio_auth_token": TWILIO_TOKEN,
        "twilio_sms_from": "+62215550100",
        "forward_url": "http://127.0.0.1:9",
        **overrides,
    }
    return load_settings(**values)


def _assert_unavailable(response: requests.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"


def test_a_database_out_of_reach_is_503_everywhere(tmp_path):
    settings = settings_for("postgresql+psycopg://postgres@127.0.0.1:9/test", tmp_path)
    client = create_app(settings).test_client()
    _assert_unavailable(client.post("/api/v1/complaints", json=COMPLAINT, headers=KEY))
    _assert_unavailable(client.get("/api/v1/complaints/LPR-ABCDEFGH"))
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200  # alive: do not restart it for this


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (GATEWAY_TEST_DATABASE_URL)")
def test_postgresql_going_away_and_back(pg_empty, central, tmp_path, caplog):
    real = make_url(PG_URL)
    with TcpProxy(real.host or "127.0.0.1", real.port or 5432) as proxy:
        url = real.set(port=proxy.port).render_as_string(hide_password=False)
        port = free_port()
        app = create_app(settings_for(url, tmp_path, public_url=f"http://127.0.0.1:{port}"))
        runtime = app.extensions["lapor"]
        worker_runtime = Runtime(
            settings_for(url, tmp_path, forward_url=central.url, status_poll_seconds="0")
        )
        worker = make_worker(worker_runtime, poll_seconds=0.05)
        working = threading.Thread(target=worker.run, daemon=True)
        working.start()
        with ServerThread(app, port=port):
            api = f"http://127.0.0.1:{port}/api/v1/complaints"
            citizen = TwilioSender(f"http://127.0.0.1:{port}", TWILIO_TOKEN, "+6281234500051")
            assert requests.post(api, json=COMPLAINT, headers=KEY, timeout=10).status_code == 201

            # cut while the worker is between polls, holding pooled connections: a cut
            # mid-delivery would leave that job to its lease (minutes), not to this test
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and submitted(runtime) < 1:
                time.sleep(0.05)
            time.sleep(0.2)
            proxy.cut()
            refused = citizen.form("LAPOR lampu jalan mati di depan pasar LOKASI Kota Bandung")
            _assert_unavailable(citizen.post(refused))
            _assert_unavailable(requests.post(api, json=COMPLAINT, headers=KEY, timeout=10))

            proxy.restore()
            # the provider retries the very message it was refused: now it is taken, once
            assert citizen.post(refused).status_code == 200
            assert citizen.post(refused).status_code == 200
            assert requests.post(api, json=COMPLAINT, headers=KEY, timeout=10).status_code == 201
        # the worker lived through it and delivers everything that was acknowledged
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and submitted(runtime) < 3:
            time.sleep(0.1)
        assert working.is_alive()
        assert "database error, retrying" in caplog.text  # it did meet the outage
        worker.stop_event.set()
        working.join(10)
        worker_runtime.close()
        with runtime.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Complaint)) == 3
            assert s.scalar(select(func.count()).select_from(InboundRecord)) == 1
        assert submitted(runtime) == 3
        runtime.close()


def submitted(runtime: Runtime) -> int:
    with runtime.sessions() as s:
        return s.scalar(
            select(func.count()).select_from(Complaint).where(Complaint.status == "submitted")
        )
