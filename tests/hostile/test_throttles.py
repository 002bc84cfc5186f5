"""Throttles an attacker meets, through the real app: failed logins counted per client
address in a storage every process shares (two apps, as two `serve` processes, on one
Redis), a refused login that takes as long whatever the reason (so timing does not tell
a locked account from a wrong password), and tracking-code lookups limited per address.

Redis: ``GATEWAY_TEST_REDIS_URL`` (CI sets it and starts the server); without it the
local default is tried and the Redis tests are skipped when nothing answers there."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from forwarder.sqltypes import utcnow
from gateway.config import Settings
from gateway.console.accounts import find_operator, save_operator
from gateway.web.app import create_app
from tests.gateway.test_console import KEY, PASSWORD, TOKEN

NO_SUCH_CODE = "/api/v1/complaints/LPR-00000000"


def new_address() -> dict[str, str]:
    """A client address of its own for each test: Redis outlives a run, so counts from an
    earlier one must not meet this one."""
    return {"REMOTE_ADDR": f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"}


def try_login(client: FlaskClient, username: str, password: str, address: dict[str, str]):
    token = TOKEN.search(client.get("/operator/login").text).group(1)
    return client.post(
        "/operator/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=address,
    )


@pytest.fixture
def two_processes() -> Iterator[Callable[[Settings], tuple[Flask, Flask]]]:
    """What two `serve` processes hold: an app each, each with its own storage client."""
    made: list[Flask] = []

    def make(settings: Settings) -> tuple[Flask, Flask]:
        made.extend((create_app(settings), create_app(settings)))
        return made[-2], made[-1]

    yield make
    for app in made:
        app.extensions["lapor"].close()


def test_failed_logins_are_counted_across_processes_sharing_redis(
    make_settings: Callable[..., Settings], redis_url: str, two_processes
):
    first, second = two_processes(make_settings(ratelimit_storage_url=redis_url))
    clients = first.test_client(), second.test_client()
    address = new_address()
    limit = first.extensions["lapor"].settings.operator_ip_failed_logins
    assert limit == 20
    for attempt in range(limit):  # one name after another, each process in turn
        answer = try_login(clients[attempt % 2], f"tebakan-{attempt}", "salah", address)
        assert answer.status_code == 200, attempt
    for client in clients:  # the 21st try across both, on either process
        assert try_login(client, "tebakan-21", "salah", address).status_code == 429
    assert try_login(clients[0], "tebakan-0", "salah", new_address()).status_code == 200


def test_a_locked_account_is_refused_as_slowly_as_a_wrong_password(
    make_settings: Callable[..., Settings],
):
    """Medians of the same run compared, not a fixed figure: the password hash is the
    cost, so a refusal that skips it (a locked account, an unknown name) shows. Counted
    in this thread's CPU time (the test client runs the request here), which other work
    on the machine does not inflate as it does the wall clock."""
    app = create_app(make_settings(operator_ip_failed_logins=1000))
    rounds = 9
    with app.extensions["lapor"].sessions() as db:
        for n in range(rounds):  # one wrong password each: none reaches the lock
            save_operator(db, f"buka{n}", PASSWORD, "operator")
        locked = save_operator(db, "kunci", PASSWORD, "operator")
        locked.locked_until = utcnow() + timedelta(hours=1)
        db.commit()
    client = app.test_client()
    address = new_address()
    try_login(client, "pemanasan", "salah", address)  # first request's one-off costs
    times: dict[str, list[float]] = {"wrong": [], "locked": [], "unknown": []}
    for n in range(rounds):  # interleaved, so a busy moment hits every kind alike
        for kind, username in (("wrong", f"buka{n}"), ("locked", "kunci"), ("unknown", "x")):
            token = TOKEN.search(client.get("/operator/login").text).group(1)
            start = time.thread_time()
            answer = client.post(
                "/operator/login",
                data={"username": username, "password": "salah-sekali", "csrf_token": token},
                environ_base=address,
            )
            times[kind].append(time.thread_time() - start)
            assert answer.status_code == 200 and "salah" in answer.text
    wrong = statistics.median(times["wrong"])
    for kind in ("locked", "unknown"):
        ratio = statistics.median(times[kind]) / wrong
        assert 0.7 < ratio < 1.4, (kind, ratio, times)
    with app.extensions["lapor"].sessions() as db:
        assert find_operator(db, "kunci").locked_until is not None  # still locked
    app.extensions["lapor"].close()


def test_tracking_code_lookups_are_limited_per_address(make_settings: Callable[..., Settings]):
    app = create_app(make_settings())
    client, address = app.test_client(), new_address()
    limit = app.extensions["lapor"].settings.status_lookups_per_minute
    assert limit == 30  # on by default
    for _ in range(limit):
        assert client.get(NO_SUCH_CODE, environ_base=address).status_code == 404
    refused = client.get(NO_SUCH_CODE, environ_base=address)
    assert refused.status_code == 429 and refused.json["error"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    found = client.get(NO_SUCH_CODE.replace("LPR-00000000", "LPR-ABCDEFGH"), environ_base=address)
    assert found.status_code == 429  # every code, not only the one asked before
    # another address, and an API client (a regional app asking for its citizens), go on
    assert client.get(NO_SUCH_CODE, environ_base=new_address()).status_code == 404
    keyed = client.get(NO_SUCH_CODE, environ_base=address, headers=KEY)
    assert keyed.status_code == 404
    forged = client.get(NO_SUCH_CODE, environ_base=address, headers={"X-API-Key": "tebak"})
    assert forged.status_code == 429
    app.extensions["lapor"].close()


def test_tracking_code_lookups_are_counted_across_processes_sharing_redis(
    make_settings: Callable[..., Settings], redis_url: str, two_processes
):
    first, second = two_processes(
        make_settings(ratelimit_storage_url=redis_url, status_lookups_per_minute=6)
    )
    clients, address = (first.test_client(), second.test_client()), new_address()
    for n in range(6):
        assert clients[n % 2].get(NO_SUCH_CODE, environ_base=address).status_code == 404
    for client in clients:
        assert client.get(NO_SUCH_CODE, environ_base=address).status_code == 429


def test_tracking_code_lookups_go_on_when_the_storage_is_out_of_reach(
    make_settings: Callable[..., Settings],
):
    app = create_app(make_settings(ratelimit_storage_url="redis://127.0.0.1:9/0"))
    answer = app.test_client().get(NO_SUCH_CODE, environ_base=new_address())
    assert answer.status_code == 404  # not limited, and not a 500 either
    app.extensions["lapor"].close()
