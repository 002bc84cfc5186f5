"""A stand-in SP4N-LAPOR! on 127.0.0.1 for both wire formats: the XML ``addstream``
interface and a JSON interface. It keeps what it received, honours
``Idempotency-Key``, and misbehaves on cue (``script``: an HTTP status, ``"noid"`` for
a 200 without a tracking id, ``"garbage"`` for an unreadable 200)."""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from typing import Any

import defusedxml.ElementTree as SafeET
from flask import Flask, Response, request


class FakeLapor:
    def __init__(self, token: str) -> None:
        self.token = token
        self.reports: list[dict[str, Any]] = []  # one per accepted report
        self.updates: list[dict[str, Any]] = []  # one per accepted update (JSON body)
        self.raw: list[bytes] = []  # every body received
        self.script: deque[Any] = deque()
        self._by_key: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(4_000_001)
        self._lock = threading.Lock()
        self.app = self._make_app()

    def _scripted(self) -> Response | None:
        with self._lock:
            step = self.script.popleft() if self.script else None
        if step == "noid":
            return Response(
                "<response><status>gagal</status><pesan>token kedaluwarsa</pesan></response>",
                content_type="text/xml",
            )
        if step == "garbage":
            return Response("<html>maintenance", content_type="text/html")
        if isinstance(step, int):
            return Response("error", status=step)
        return None

    def _accept(self, kind: str, report: dict[str, Any]) -> dict[str, str]:
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            if key and key in self._by_key:
                return self._by_key[key]
            n = next(self._ids)
            ids = {"trackingid": str(n), "transaksiid": f"TRX-{n}"}
            self.reports.append({"format": kind, **report, **ids})
            if key:
                self._by_key[key] = ids
        return ids

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.post("/api/stream/addstream")
        def addstream() -> Response:
            body = request.get_data()
            self.raw.append(body)
            if scripted := self._scripted():
                return scripted
            if not request.mimetype.endswith("xml"):
                return Response("content type must be text/xml", status=415)
            try:
                root = SafeET.fromstring(body)
            except Exception:  # noqa: BLE001
                return Response("malformed xml", status=400)
            if root.get("token") != self.token:
                return Response(
                    "<response><status>gagal</status></response>",
                    status=401,
                    content_type="text/xml",
                )
            laporan = root.find("laporan")
            if laporan is None or not (laporan.findtext("isi") or "").strip():
                return Response("isi wajib diisi", status=400)
            pelapor = {child.tag: child.text for child in root.find("pelapor") or []}
            ids = self._accept(
                "xml",
                {
                    "pelapor": pelapor,
                    "isi": laporan.findtext("isi"),
                    "rahasia": laporan.get("rahasia"),
                    "anonim": laporan.get("anonim"),
                },
            )
            return Response(
                f'<?xml version="1.0"?><response><status>sukses</status>'
                f"<trackingid>{ids['trackingid']}</trackingid>"
                f"<transaksiid>{ids['transaksiid']}</transaksiid></response>",
                content_type="text/xml",
            )

        @app.post("/api/v1/laporan")
        def json_api() -> tuple[Response, int] | Response:
            self.raw.append(request.get_data())
            if scripted := self._scripted():
                return scripted
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return Response(
                    json.dumps({"status": "unauthorized"}),
                    status=401,
                    content_type="application/json",
                )
            data = request.get_json(silent=True)
            if not isinstance(data, dict) or not data.get("isi"):
                return Response(
                    json.dumps({"status": "isi wajib"}), status=422, content_type="application/json"
                )
            ids = self._accept("json", data)
            answer = {
                "status": "success",
                "data": {"tracking_id": ids["trackingid"], "transaction_id": ids["transaksiid"]},
            }
            return Response(json.dumps(answer), content_type="application/json")

        @app.post("/api/v1/laporan/tanggapan")
        def update_api() -> tuple[Response, int] | Response:
            """A reporter's update of a report, in the shape the test's mapping gives
            it; a repeat (same Idempotency-Key) gets the id the first one got."""
            self.raw.append(request.get_data())
            if scripted := self._scripted():
                return scripted
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return Response("unauthorized", status=401)
            data = request.get_json(silent=True)
            if not isinstance(data, dict) or not data.get("tracking_id"):
                return Response("tracking_id wajib", status=422)
            key = request.headers.get("Idempotency-Key") or ""
            with self._lock:
                known = next((u for u in self.updates if u["key"] == key), None)
                if known is None:
                    known = {"key": key, "id": f"T-{len(self.updates) + 1}", **data}
                    self.updates.append(known)
            return Response(
                json.dumps({"status": "success", "data": {"id": known["id"]}}),
                content_type="application/json",
            )

        return app
