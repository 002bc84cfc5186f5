"""Slow clients (slowloris): many connections that send half a request, a little at a
time, must not keep `/healthz` and the webhooks from answering.

`serve` alone cannot take them: gunicorn gives each connection a thread as soon as its
first bytes arrive, and the thread waits for the rest of the request, so as many slow
connections as threads (2 processes x 8 by default) stop it. The supported layout puts
the documented nginx snippet (docs/deploy/nginx.conf) in front: nginx reads a request's
head and body itself and passes it on only once it is whole. Here nginx (Debian's
package; .ci/run installs it) runs that very snippet, with only its listen address,
certificate and upstream port changed, on 127.0.0.1, in front of a real `serve`.

Everything is bounded: 24 connections, a few seconds of attack, 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import crossplane
import pytest
import requests

from gateway.store.db import upgrade
from sandbox.citizens import TwilioSender, twilio_signature
from tests.conftest import TWILIO_SID, TWILIO_TOKEN, free_port

SNIPPET = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
SLOW_CLIENTS = 24  # more than serve's 16 threads
QUICK = 2.0  # seconds: /healthz and a webhook answer in milliseconds when nothing is wrong
WEBHOOK = "/webhooks/twilio/messages"
pytestmark = pytest.mark.slow


def wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def nginx_config(workdir: Path, listen: int, upstream: int) -> str:
    """The documented snippet with the listen address, TLS and upstream port changed, in
    the smallest main configuration that runs it unprivileged in ``workdir``."""
    parsed = crossplane.parse(str(SNIPPET), single=True, strict=True, check_ctx=False)
    assert parsed["status"] == "ok", parsed["errors"]
    directives: list[dict[str, Any]] = parsed["config"][0]["parsed"]
    changed = {"upstream server": 0, "listen": 0}
    for block in directives:
        if block["directive"] == "upstream":
            for d in block["block"]:
                if d["directive"] == "server":
                    d["args"] = [f"127.0.0.1:{upstream}"]
                    changed["upstream server"] += 1
        if block["directive"] == "server":
            kept = []
            for d in block["block"]:
                if d["directive"].startswith("ssl_"):
                    continue  # no certificate here; TLS is not what is tested
                if d["directive"] == "listen":
                    d["args"] = [f"127.0.0.1:{listen}"]
                    changed["listen"] += 1
                kept.append(d)
            block["block"] = kept
    assert changed == {"upstream server": 1, "listen": 1}, changed
    snippet = crossplane.build(directives)
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    access_log off;\n{temp}\n{snippet}\n}}\n"
    )


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`lapor-gateway serve` with its default processes and threads, on SQLite."""
    workdir = tmp_path_factory.mktemp("slow-clients")
    database = f"sqlite:///{workdir / 'gateway.sqlite'}"
    upgrade(database)
    port, proxy_port = free_port(), free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": database,
        "GATEWAY_INSTANCE_PATH": str(workdir / "instance"),
        "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{proxy_port}",  # what nginx serves
        "GATEWAY_PROXIES": "1",
        "GATEWAY_RATELIMIT_STORAGE_URL": "memory://",  # the default, whatever this shell says
        "GATEWAY_TWILIO_ACCOUNT_SID": TWILIO_SID,
        "GATEWAY_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "GATEWAY_TWILIO_API_URL": "http://127.0.0.1:9",
        "GATEWAY_FORWARD_URL": "http://127.0.0.1:9",
    }
    log = (workdir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        yield {"port": port, "proxy_port": proxy_port, "workdir": workdir}
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def nginx(serve: dict[str, Any]) -> Iterator[int]:
    if not NGINX:
        pytest.fail("nginx is not installed (.ci/run installs Debian's package)")
    workdir = serve["workdir"] / "nginx"
    workdir.mkdir()
    conf = workdir / "nginx.conf"
    conf.write_text(nginx_config(workdir, serve["proxy_port"], serve["port"]))
    proc = subprocess.Popen(
        [NGINX, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{serve['proxy_port']}/healthz", proc, seconds=15)
        yield serve["proxy_port"]
    finally:
        stop(proc)


class SlowClients:
    """``count`` connections that each send half a request and then one byte every half
    second: half of them stall inside the head, half inside a declared body."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.sockets: list[socket.socket] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._drip, daemon=True)

    def __enter__(self) -> SlowClients:
        head = f"POST {WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        for n in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            if n % 2:
                sock.sendall(
                    (head + "Content-Type: application/x-www-form-urlencoded\r\n").encode()
                )
            else:
                body = "Body=" + "x" * 995
                sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n{body[:500]}".encode())
            self.sockets.append(sock)
        self.thread.start()
        time.sleep(1.0)  # every connection is in the server's hands by now
        return self

    def _drip(self) -> None:
        while not self.done.wait(0.5):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"x")  # never the blank line or the last byte of the body

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=2)
        for sock in self.sockets:
            sock.close()


def answers_in(port: int, public_url: str) -> dict[str, float]:
    """The seconds /healthz and a signed Twilio webhook take on ``port``."""
    took = {}
    start = time.monotonic()
    health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=QUICK + 1)
    took["healthz"] = time.monotonic() - start
    assert health.status_code == 200
    citizen = TwilioSender(public_url, TWILIO_TOKEN, "+6281234567890")
    form = citizen.form("halo")
    signature = twilio_signature(citizen.auth_token, citizen.url, form)  # as Twilio signs
    start = time.monotonic()
    answer = requests.post(
        f"http://127.0.0.1:{port}{WEBHOOK}",
        data=form,
        headers={"X-Twilio-Signature": signature},
        timeout=QUICK + 1,
    )
    took["webhook"] = time.monotonic() - start
    assert answer.status_code == 200, answer.text
    return took


def test_nginx_in_front_absorbs_slow_clients(serve: dict[str, Any], nginx: int):
    public_url = f"http://127.0.0.1:{nginx}"
    answers_in(nginx, public_url)  # warm: the first webhook loads what it needs
    with SlowClients(nginx, SLOW_CLIENTS):
        took = answers_in(nginx, public_url)
        took_again = answers_in(nginx, public_url)  # still, a second later
    assert max(*took.values(), *took_again.values()) < QUICK, (took, took_again)


def test_serve_alone_is_held_by_slow_clients_so_nginx_goes_in_front(serve: dict[str, Any]):
    """Why the supported layout puts the nginx snippet in front (docs/operations.md):
    serve alone gives each connection a thread once its first bytes arrive. If this ever
    stops timing out, serve survives slow clients by itself and the guide can say so."""
    public_url = f"http://127.0.0.1:{serve['proxy_port']}"
    answers_in(serve["port"], public_url)
    held = False
    with SlowClients(serve["port"], SLOW_CLIENTS):
        # a loaded machine may hand the slow connections to serve's threads a little
        # later: asked a few times, serve must end up holding the probe
        for _ in range(5):
            try:
                answers_in(serve["port"], public_url)
            except requests.Timeout:
                held = True
                break
    assert held, "serve answered at once however many slow clients held its threads"


def test_serve_warns_that_its_processes_count_throttles_apart(serve: dict[str, Any]):
    # the default memory:// storage with serve's 2 processes: each counts its own tries
    log = (serve["workdir"] / "serve.log").read_text(encoding="utf-8")
    assert "GATEWAY_RATELIMIT_STORAGE_URL=memory://" in log and "redis://" in log
