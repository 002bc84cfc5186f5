"""An anonymous complaint leaves the gateway with nothing derived from who sent it.

``source_messages`` holds the platforms' own message ids, and those carry identity: a
WhatsApp ``wamid.`` is base64 of a record that holds the citizen's number, an X mention's
id names a public post and so its author, an Instagram mid names the conversation. The
worker delivers real complaints to a stand-in central system for every target (signed
webhook, Open311, SP4N-LAPOR!); every byte it receives (request line, headers, body) is
searched for the reporter's ids, number, name and message ids."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask, jsonify
from sqlalchemy import select

from gateway.complaints.records import create_complaint
from gateway.jobs.worker import make_worker
from gateway.store.models import Complaint
from gateway.web.app import create_app
from sandbox.central import create_central_app
from sandbox.lapor_api import FakeLapor
from sandbox.server import ServerThread

LAPOR_TOKEN = "lapor-token-123"
WA_ID = "6281234500077"
# What WhatsApp's ids look like: "wamid." + base64 of a record holding the number.
WAMIDS = [
    "wamid." + base64.b64encode(b"\x1c\x18\r" + WA_ID.encode() + tail).decode()
    for tail in (b"\x15\x02\x00\x12\x18\x16" + b"3EB0C0FFEE12345678", b"\x15\x02\x00\x12\x18\x14AB")
]
REPORTERS = {
    "whatsapp": dict(
        channel="whatsapp",
        sender=f"wa:{WA_ID}",
        reply_from="106540352242922",
        phone=f"+{WA_ID}",
        name="Siti Rahayu",
        source_messages=WAMIDS,
        secrets=[WA_ID, WA_ID[2:], *WAMIDS, "Siti", "Rahayu", "106540352242922"],
    ),
    "x": dict(
        channel="x",
        sender="3300000077",
        reply_from="2244994945",
        phone=None,
        name="Warga Anonim X",
        source_messages=["1800000000000000077", "1800000000000000078"],
        secrets=["3300000077", "1800000000000000077", "1800000000000000078", "Warga Anonim"],
    ),
    "instagram": dict(
        channel="instagram",
        sender="24000000000077",
        reply_from="17841400000000001",
        phone=None,
        name="Budi",
        source_messages=["aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx"],
        secrets=[
            "24000000000077",
            "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx",
            "17841400000000001",
        ],
    ),
}


class Capture:
    """WSGI middleware keeping every byte of every request before passing it on."""

    def __init__(self, app: Any) -> None:
        self.app, self.requests = app, []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        line = f"{environ['REQUEST_METHOD']} {environ.get('RAW_URI') or environ['PATH_INFO']}"
        query = environ.get("QUERY_STRING", "")
        headers = "".join(f"{k}: {v}\n" for k, v in environ.items() if k.startswith("HTTP_"))
        self.requests.append(f"{line}?{query}\n{headers}\n".encode() + body)
        return self.app(environ, start_response)


def _webhook_central() -> Flask:
    app = Flask(__name__)

    @app.post("/complaints")
    def take():
        return jsonify({"id": "WH-1"})

    return app


@pytest.fixture(params=["webhook", "open311", "lapor"])
def central(request, tmp_path):
    target = request.param
    if target == "webhook":
        inner, path = _webhook_central(), "/complaints"
    elif target == "open311":
        inner, path = create_central_app(tmp_path / "central.sqlite"), ""
    else:
        inner, path = FakeLapor(LAPOR_TOKEN).app, "/api/stream/addstream"
    capture = Capture(inner)
    with ServerThread(capture) as server:
        yield target, server.url + path, capture


def _deliver(make_settings, central, reporter: dict[str, Any], privacy: str) -> bytes:
    target, url, capture = central
    app = create_app(
        make_settings(
            forward_target=target,
            forward_url=url,
            forward_api_key=LAPOR_TOKEN,
            notify_on_submitted=False,
        )
    )
    runtime = app.extensions["lapor"]
    try:
        with runtime.sessions() as s:
            create_complaint(
                s,
                channel=reporter["channel"],
                description="Jalan di depan SDN 3 Sukamaju berlubang besar sejak banjir bulan lalu",
                privacy=privacy,
                language="id",
                max_attempts=3,
                received_at=datetime.now(UTC),
                sender=reporter["sender"],
                reply_from=reporter["reply_from"],
                phone=reporter["phone"],
                name=reporter["name"],
                location_text="depan SDN 3 Sukamaju",
                source_messages=reporter["source_messages"],
            )
            s.commit()
        make_worker(runtime, poll_seconds=0.02).run(max_idle_polls=3)
        with runtime.sessions() as s:
            assert s.scalars(select(Complaint.status)).one() == "submitted"
    finally:
        runtime.close()
    assert capture.requests
    return b"\n".join(capture.requests)


@pytest.mark.parametrize("who", list(REPORTERS))
def test_nothing_of_an_anonymous_reporter_reaches_the_central_system(make_settings, central, who):
    reporter = REPORTERS[who]
    sent = _deliver(make_settings, central, reporter, "anonymous")
    for secret in reporter["secrets"]:
        assert secret.encode() not in sent, (central[0], secret)


def test_a_confidential_reporter_s_message_ids_still_travel(make_settings, central):
    """The control: the same search does see what a non-anonymous complaint carries."""
    target, _, _ = central
    sent = _deliver(make_settings, central, REPORTERS["whatsapp"], "confidential")
    if target == "webhook":  # the only target that carries the whole document
        assert WAMIDS[0].encode() in sent
    assert WA_ID[2:].encode() in sent  # the number, as each format writes it
