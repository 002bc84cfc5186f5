"""The intake benchmark's ceilings, served with the gateway's own gunicorn settings:

* ``bare``: a Flask endpoint that answers a Twilio webhook with constant TwiML (and the
  Telegram, Meta and X webhook paths with a constant 200, for ``--channels mixed``).
* ``insert``: the same plus one durable insert (and commit) per request on the same
  database, through the gateway's own engine setup (SQLite WAL + synchronous=FULL +
  BEGIN IMMEDIATE; PostgreSQL defaults).
* ``reply``: the chat yardstick, ``insert`` plus, for the chat platforms' paths (whose
  replies are API calls; Twilio's ride in the answer), one outbound POST to a loopback
  stand-in (``BENCH_REPLY_URL``) per message, on kept-alive connections, after the
  commit, with the gateway's own HTTP client (forwarder.httpclient).
* ``reply-requests``: ``reply`` with the POST made by ``requests``, the client the
  issue's yardstick was measured with.
* ``reply-durable``: the least a reply sent exactly when its message is kept costs: the
  message and the reply (its outbox row) inserted and committed together before the
  answer, the POST, then the send recorded (an UPDATE and a second commit).

    python bench/ceiling.py bare|insert|reply|reply-requests|reply-durable \
        --bind 127.0.0.1:9000 \
        --workers 4 --threads 1
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
from flask import Flask, Response, request  # noqa: E402
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, insert, update  # noqa: E402

from forwarder.httpclient import HttpClient  # noqa: E402
from gateway.store.db import make_engine  # noqa: E402
from gateway.web.serve import WSGIServer, gunicorn_options  # noqa: E402

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'
metadata = MetaData()
bench_rows = Table(
    "bench_ceiling_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(200), unique=True),
    Column("payload", JSON),
)


REPLY_MODES = ("reply", "reply-requests", "reply-durable")


def create_ceiling_app(mode: str, database_url: str) -> Flask:
    app = Flask(__name__)
    engine = make_engine(database_url) if mode in ("insert", *REPLY_MODES) else None
    reply_url = os.environ.get("BENCH_REPLY_URL", "") if mode in REPLY_MODES else ""
    # the gateway's own HTTP client, so the yardstick's POST costs what the gateway's
    # does; or requests, the client the yardstick was measured with
    http: Any = (
        requests.Session() if mode == "reply-requests" else HttpClient(reply_url or "http://x")
    )

    def keep(external_id: str, payload: Any) -> None:
        if engine is not None:
            with engine.begin() as conn:
                conn.execute(insert(bench_rows).values(external_id=external_id, payload=payload))

    def durable_reply(external_id: str, payload: Any) -> None:
        """The least a reply sent exactly when its message is kept costs: the message and
        the reply committed together before the answer, the send recorded after it."""
        assert engine is not None
        with engine.begin() as conn:
            conn.execute(insert(bench_rows).values(external_id=external_id, payload=payload))
            reply = conn.execute(
                insert(bench_rows)
                .values(external_id=f"reply:{external_id}", payload={"text": "ok"})
                .returning(bench_rows.c.id)
            ).scalar_one()
        answer = http.post(reply_url, json_body={"chat_id": 1, "text": "ok"}, timeout=10)
        assert answer.status_code == 200, answer.status_code
        with engine.begin() as conn:
            conn.execute(
                update(bench_rows).where(bench_rows.c.id == reply).values(payload={"sent": True})
            )

    @app.post("/webhooks/twilio/messages")
    def webhook() -> Response:
        form = request.form.to_dict()
        keep(form.get("MessageSid", ""), form)
        return Response(TWIML, content_type="application/xml")

    @app.post("/webhooks/<platform>")
    def json_webhook(platform: str) -> Response:
        payload = request.get_json()
        if mode == "reply-durable":
            durable_reply(f"{platform}:{uuid.uuid4()}", payload)
            return Response("ok", content_type="text/plain")
        keep(f"{platform}:{uuid.uuid4()}", payload)
        if reply_url:
            body = {"chat_id": 1, "text": "ok"}
            if mode == "reply-requests":
                http.post(reply_url, json=body, timeout=10).raise_for_status()
            else:
                answer = http.post(reply_url, json_body=body, timeout=10)
                assert answer.status_code == 200, answer.status_code
        return Response("ok", content_type="text/plain")

    return app


def prepare(database_url: str) -> None:
    engine = make_engine(database_url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "insert", *REPLY_MODES])
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    url = os.environ.get("GATEWAY_DATABASE_URL", "")

    def loader() -> Any:
        return create_ceiling_app(args.mode, url)

    WSGIServer(loader, gunicorn_options(args.bind, args.workers, args.threads)).run()


if __name__ == "__main__":
    main()
