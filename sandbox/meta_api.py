"""A stand-in for Meta's Graph API: the Messenger/Instagram Send API
(``POST /{version}/me/messages``), the WhatsApp Cloud API
(``POST /{version}/{phone-number-id}/messages``, media lookup and download), answering
with the platforms' JSON shapes, recording every call. ``fail_next`` queues errors."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections import deque
from typing import Any

import requests
from flask import Flask, Response, jsonify, request


def sign(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class FakeGraphAPI:
    def __init__(self, token: str, version: str = "v19.0") -> None:
        self.token = token
        self.version = version
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.fail_next: deque[tuple[int, dict[str, Any]]] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.url = ""  # set by whoever serves it, for media download links
        self.app = self._make_app()

    def add_media(self, content: bytes, mime_type: str) -> str:
        media_id = f"{next(self._ids) + 990000000000000}"
        self.media[media_id] = (content, mime_type)
        return media_id

    def sent(self, path_part: str = "messages") -> list[dict[str, Any]]:
        return [body for path, body in self.calls if path_part in path]

    def post_webhook(self, url: str, app_secret: str, payload: dict[str, Any]) -> requests.Response:
        body = json.dumps(payload).encode()
        return requests.post(
            url,
            data=body,
            timeout=10,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(app_secret, body),
            },
        )

    def _authorized(self) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        def error(code: int, body: dict[str, Any]) -> tuple[Response, int]:
            return jsonify({"error": body}), code

        @app.post("/<version>/<path:path>")
        def post(version: str, path: str) -> tuple[Response, int]:
            if not self._authorized():
                return error(
                    401,
                    {
                        "message": "Invalid OAuth access token.",
                        "code": 190,
                        "type": "OAuthException",
                    },
                )
            body = request.get_json(silent=True) or {}
            with self._lock:
                self.calls.append((path, body))
                failure = self.fail_next.popleft() if self.fail_next else None
            if failure:
                return error(*failure)
            n = next(self._ids)
            if path == "me/messages":
                return jsonify(
                    {"recipient_id": body["recipient"]["id"], "message_id": f"m_{n:020d}"}
                ), 200
            if path.endswith("/messages"):
                return jsonify(
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                        "messages": [{"id": f"wamid.HBgN{n:016d}"}],
                    }
                ), 200
            return error(404, {"message": "Unknown path", "code": 803})

        @app.get("/<version>/<media_id>")
        def media_info(version: str, media_id: str) -> tuple[Response, int]:
            if not self._authorized() or media_id not in self.media:
                return error(404, {"message": "Unsupported get request.", "code": 100})
            content, mime = self.media[media_id]
            return jsonify(
                {
                    "messaging_product": "whatsapp",
                    "id": media_id,
                    "mime_type": mime,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "file_size": len(content),
                    "url": f"{self.url}/download/{media_id}",
                }
            ), 200

        @app.get("/download/<media_id>")
        def download(media_id: str) -> Response:
            if not self._authorized() or media_id not in self.media:
                return Response("Unauthorized", status=401)
            content, mime = self.media[media_id]
            return Response(content, content_type=mime)

        return app
