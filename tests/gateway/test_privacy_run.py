"""Anonymous means anonymous, confidential means only the agency: a complaint carrying a
phone number, a NIK, an e-mail address and a bank account in its text goes through the
whole pipeline to each delivery target, and every byte that left the gateway (payloads,
messages back, the public status page) and every log line is searched for them."""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import unquote_plus

import pytest
import requests

from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from sandbox.central import create_central_app
from sandbox.citizens import TwilioSender
from sandbox.lapor_api import FakeLapor
from sandbox.server import ServerThread
from tests.conftest import TWILIO_TOKEN

PHONE = "+6281377770001"
IDENTITY_IN_TEXT = (
    "0813-5555-6666",
    "3201011508950001",
    "warga.sukamaju@gmail.com",
    "1234567890123",
)
NAME = "Siti Rahmawati"
CODE = re.compile(r"LPR-[0-9A-HJKMNP-TV-Z]{8}")
TEXT = (
    "Pungutan liar oleh oknum petugas di kantor samsat kota, saya diminta bayar ke "
    "rekening BCA 1234567890123. Hubungi saya di 0813-5555-6666 atau "
    "warga.sukamaju@gmail.com, NIK saya 3201011508950001."
)


class Capture:
    """A WSGI wrapper that keeps every request body the target receives."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.bodies = inner, []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        text = body.decode()
        form = environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
        self.bodies.append(unquote_plus(text) if form else text)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.inner(environ, start_response)


def webhook_receiver(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"id": "wh-1"}']


def target_app(kind: str, tmp_path) -> tuple[Any, dict[str, str]]:
    if kind == "open311":
        return create_central_app(tmp_path / "central.sqlite"), {}
    if kind == "lapor":
        return FakeLapor("t").app, {"forward_api_key": "t", "path": "/api/stream/addstream"}
    return webhook_receiver, {"forward_api_key": "hmac-secret"}


@pytest.mark.parametrize("target", ["open311", "lapor", "webhook"])
@pytest.mark.parametrize("privacy", ["anonymous", "confidential"])
def test_identity_goes_nowhere_it_should_not(
    target, privacy, make_settings, live_gateway, fake_twilio, tmp_path, gateway_log
):
    url, _ = live_gateway
    twilio, twilio_server = fake_twilio
    citizen = TwilioSender(url, TWILIO_TOKEN, PHONE, whatsapp=True)
    for said in (TEXT, "Kantor Samsat Kota Bandung", "LEWATI"):
        citizen.say(said, ProfileName=NAME)  # WhatsApp names the sender every time
    citizen.say("3" if privacy == "anonymous" else "2", ProfileName=NAME)
    [submitted] = citizen.say("KIRIM", ProfileName=NAME)
    code = CODE.search(submitted).group()
    app, extra = target_app(target, tmp_path)
    capture = Capture(app)
    with ServerThread(capture) as server:
        runtime = Runtime(
            make_settings(
                forward_target=target,
                forward_url=server.url + extra.pop("path", ""),
                twilio_api_url=twilio_server.url,
                public_url=url,
                status_poll_seconds=0,
                **extra,
            )
        )
        make_worker(runtime, poll_seconds=0.02).run(max_idle_polls=3)
        runtime.close()
    public = requests.get(f"{url}/api/v1/complaints/{code}", timeout=5).text
    logs = gateway_log()
    [payload] = capture.bodies
    assert "samsat" in payload.lower()  # the complaint itself went
    for value in IDENTITY_IN_TEXT:
        assert value not in logs, value
        assert value not in public, value
        if privacy == "anonymous":
            assert value not in payload, value
    for who in (PHONE, PHONE.lstrip("+"), "081377770001", NAME):
        assert who not in public and who not in logs
        if privacy == "anonymous":
            assert who not in payload, who
    if privacy == "confidential":
        # the agency gets the identity; nobody else does
        assert NAME.split()[0] in payload and ("81377770001" in payload)
    assert json.loads(public)["title"] is None  # not public: not even the title
    # the notice went out through Twilio's client, which would log it in ten lines
    assert twilio.requests_seen and "Twilio API Request" not in logs
