"""Shared fixtures: a real database per test (SQLite always, PostgreSQL too when
GATEWAY_TEST_DATABASE_URL is set), the app, and loopback stand-ins for Twilio and the
central system."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from gateway.config import Settings, load_settings
from gateway.logs import configure_logging
from gateway.runtime import Runtime
from gateway.store.db import upgrade
from gateway.web.app import create_app
from sandbox.central import create_central_app
from sandbox.citizens import TwilioSender
from sandbox.server import ServerThread, free_port
from sandbox.twilio_api import FakeTwilio

BASE_PG_URL = os.environ.get("GATEWAY_TEST_DATABASE_URL", "")
# Each pytest-xdist worker gets a database of its own beside the configured one, since
# the session's first fixture drops and migrates the schema.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REDIS_URL = os.environ.get("GATEWAY_TEST_REDIS_URL", "")
PG_URL = (
    make_url(BASE_PG_URL)
    .set(database=f"{make_url(BASE_PG_URL).database}_{WORKER}")
    .render_as_string(hide_password=False)
    if BASE_PG_URL and WORKER
    else BASE_PG_URL
)
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TWILIO_TOKEN = "test-auth-token"
TWILIO_SID = "AC" + "0" * 32
TABLES = (
    "call_records",
    "operators",
    "complaint_events",
    "outbound_messages",
    "complaints",
    "conversations",
    "inbound_messages",
    "outbox_jobs",
    "media_files",
    "channel_state",
    "operator_actions",
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "gateway.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


def create_database(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def pg_schema() -> str:
    """Migrate the PostgreSQL test database from scratch once per run."""
    if PG_URL != BASE_PG_URL:
        create_database(BASE_PG_URL, make_url(PG_URL).database or "")
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "gateway.sqlite"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("pg_empty")


@pytest.fixture
def pg_empty(pg_schema: str) -> str:
    """The PostgreSQL test database with every table emptied."""
    engine = create_engine(pg_schema)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return pg_schema


@pytest.fixture
def central(tmp_path: Path) -> Iterator[ServerThread]:
    app = create_central_app(tmp_path / "central.sqlite")
    with ServerThread(app) as server:
        yield server


@pytest.fixture
def fake_twilio() -> Iterator[tuple[FakeTwilio, ServerThread]]:
    fake = FakeTwilio(TWILIO_TOKEN)
    with ServerThread(fake.app) as server:
        yield fake, server


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "instance_path": tmp_path / "instance",
            "public_url": "https://gateway.test",
            "twilio_account_sid": TWILIO_SID,
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_sms_from": "+62215550100",
            "twilio_whatsapp_from": "whatsapp:+62215550100",
            "twilio_api_url": "http://127.0.0.1:9",  # nothing listens: tests opt in
            "forward_url": "http://127.0.0.1:9",
            "api_keys": "key-one,key-two",
            "forward_backoff_base_seconds": 0.01,
            "forward_backoff_max_seconds": 0.05,
            "worker_poll_seconds": 0.05,
        }
        values.update(overrides)
        return load_settings(**values)

    return factory


@pytest.fixture
def app(make_settings: Callable[..., Settings]) -> Iterator[Flask]:
    app = create_app(make_settings())
    yield app
    app.extensions["lapor"].close()


@pytest.fixture
def runtime(app: Flask) -> Runtime:
    return app.extensions["lapor"]


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.sessions() as s:
        yield s


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live_gateway(make_settings: Callable[..., Settings]) -> Iterator[tuple[str, Runtime]]:
    """The app on a real loopback HTTP server; its public URL is the one it serves."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(make_settings(public_url=url))
    with ServerThread(app, port=port):
        yield url, app.extensions["lapor"]
    app.extensions["lapor"].close()


@pytest.fixture
def gateway_log(capfd: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """The gateway's own log handler, set up as a process sets it up, writing to this
    test's stderr; the fixture's value returns what was logged since the last call."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [h for h in saved if not getattr(h, "_lapor", False)]
    configure_logging(fmt="json")
    try:
        yield lambda: capfd.readouterr().err
    finally:
        root.handlers = saved


@pytest.fixture
def sms(live_gateway: tuple[str, Runtime]) -> Callable[..., TwilioSender]:
    url, _ = live_gateway

    def citizen(number: str = "+6281234567890", whatsapp: bool = False) -> TwilioSender:
        return TwilioSender(url, TWILIO_TOKEN, number, whatsapp=whatsapp)

    return citizen


@pytest.fixture
def redis_url() -> str:
    """The Redis the shared-count tests use: ``GATEWAY_TEST_REDIS_URL`` (CI sets it and
    starts the server), else the local default, the tests skipped when nothing answers
    there. Redis outlives a run: each test counts under names of its own."""
    from limits.storage import storage_from_string

    url = REDIS_URL or "redis://127.0.0.1:6379/0"
    if not storage_from_string(url).check():
        if REDIS_URL:
            pytest.fail(f"GATEWAY_TEST_REDIS_URL={REDIS_URL} does not answer")
        pytest.skip("no Redis at 127.0.0.1:6379 (set GATEWAY_TEST_REDIS_URL)")
    return url
