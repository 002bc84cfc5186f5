"""The gateway's HTTP client, over real HTTP to servers on 127.0.0.1: answers read as the
targets and adapters read them, redirects, proxies from the environment, failures."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, Response, request

from forwarder.errors import PermanentError, RetryableError, TargetRefused
from forwarder.httpclient import HttpClient, Unreachable
from forwarder.targets.http import request as target_request
from sandbox.server import ServerThread, free_port


def _peer(seen: list[dict[str, Any]]) -> Flask:
    app = Flask("peer")

    @app.route("/<path:path>", methods=["GET", "POST"])
    def any_path(path: str) -> Any:
        seen.append(
            {
                "method": request.method,
                "path": request.path,
                "url": request.url,
                "authorization": request.headers.get("Authorization"),
                "user_agent": request.headers.get("User-Agent"),
                "body": request.get_data(),
            }
        )
        if path == "moved":
            return Response(status=301, headers={"Location": request.args.get("to", "/new")})
        if path == "latin":
            return Response(
                "Kafé rusak".encode("latin-1"), content_type="text/plain; charset=latin-1"
            )
        return {"ok": True, "path": request.path, "query": request.query_string.decode()}

    return app


@pytest.fixture
def peer() -> Any:
    seen: list[dict[str, Any]] = []
    with ServerThread(_peer(seen)) as server:
        server.seen = seen
        yield server


def test_a_json_post_is_answered_and_read_as_the_callers_read_it(peer: Any) -> None:
    http = HttpClient(peer.url)
    answer = http.post(
        f"{peer.url}/bot1/sendMessage",
        json_body={"text": "Laporan diterima ✓"},
        timeout=(5, 10),
        headers={"Authorization": "Bearer t"},
    )
    assert answer.status_code == 200 and answer.json()["ok"] is True
    assert answer.headers.get("content-type") == "application/json"
    [seen] = peer.seen
    assert seen["body"] == b'{"text": "Laporan diterima \\u2713"}'
    assert seen["authorization"] == "Bearer t" and seen["user_agent"] == "lapor-gateway"
    assert http.get(f"{peer.url}/latin", timeout=5).text == "Kafé rusak"


def test_a_post_is_never_redirected_and_a_target_that_moved_is_refused(peer: Any) -> None:
    """A central system answering a POST with a redirect has moved: the target is paused
    (a setting to fix), the complaint is not re-sent to wherever the answer points."""
    http = HttpClient(peer.url)
    with pytest.raises(TargetRefused, match="HTTP 301: moved to /elsewhere"):
        target_request(http, "POST", f"{peer.url}/moved?to=/elsewhere", timeout=5, body=b"x")
    assert [s["path"] for s in peer.seen] == ["/moved"]


def test_a_get_follows_a_redirect_and_keeps_its_token_on_its_own_host(peer: Any) -> None:
    http = HttpClient(peer.url)
    answer = http.get(f"{peer.url}/moved?to=/new", timeout=5, headers={"Authorization": "Bearer t"})
    assert answer.json()["path"] == "/new"
    assert [(s["path"], s["authorization"]) for s in peer.seen] == [
        ("/moved", "Bearer t"),
        ("/new", "Bearer t"),
    ]


def test_a_get_redirected_to_another_host_leaves_the_token_behind(peer: Any) -> None:
    other: list[dict[str, Any]] = []
    with ServerThread(_peer(other), host="localhost") as elsewhere:
        http = HttpClient(peer.url)
        answer = http.get(
            f"{peer.url}/moved?to={elsewhere.url}/file",
            timeout=5,
            headers={"Authorization": "Bearer secret"},
        )
    assert answer.json()["path"] == "/file"
    assert peer.seen[0]["authorization"] == "Bearer secret"
    assert other[0]["authorization"] is None


def test_query_parameters_are_encoded(peer: Any) -> None:
    answer = HttpClient(peer.url).get(
        f"{peer.url}/requests.json", timeout=5, params={"service_request_id": "a b,c&d"}
    )
    assert answer.json()["query"] == "service_request_id=a+b%2Cc%26d"


def test_the_proxy_the_environment_names_is_used_and_no_proxy_is_kept(
    peer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY (read when the client is made, as requests read it on every call) takes
    the request; NO_PROXY keeps a host out of it. The stand-in proxy answers itself."""
    proxied: list[dict[str, Any]] = []
    with ServerThread(_peer(proxied)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        through = HttpClient("http://central.example")
        assert through.post("http://central.example/requests.json", timeout=5).status_code == 200
        assert proxied[0]["url"] == "http://central.example/requests.json"
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = HttpClient(peer.url)
        assert direct.post(f"{peer.url}/direct", timeout=5).status_code == 200
    assert len(proxied) == 1 and [s["path"] for s in peer.seen] == ["/direct"]


def test_no_answer_is_an_outage_and_an_unusable_url_is_permanent() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    http = HttpClient(closed)
    with pytest.raises(Unreachable) as caught:
        http.post(f"{closed}/x", timeout=2)
    assert not caught.value.bad_url
    with pytest.raises(RetryableError) as outage:
        target_request(http, "POST", f"{closed}/x", timeout=2)
    assert outage.value.outage
    with pytest.raises(PermanentError):
        target_request(http, "POST", "http://[::1/x", timeout=2)
