"""A stand-in for the Telegram Bot API on a local port, close enough to the real one for
python-telegram-bot: ``/bot<token>/<method>`` answering ``{"ok": …, "result": …}``,
``/file/bot<token>/<path>`` serving files, ``getUpdates`` long polling, webhooks
delivered with the secret-token header. It records every method call.

``fail_next[method]`` queues errors to answer with instead, as Telegram words them
(429 with ``retry_after``, 403 "bot was blocked by the user"…).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from typing import Any

import requests
from flask import Flask, Response, jsonify, request

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "LAPOR!",
    "username": "lapor_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
ERRORS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
}


def _value(raw: str) -> Any:
    """python-telegram-bot sends form fields JSON-encoded, strings as they are."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class FakeBotAPI:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_next: dict[str, deque[tuple[int, int | None]]] = defaultdict(deque)
        self.files: dict[str, tuple[bytes, str]] = {}  # file_id -> (bytes, file_path)
        self.updates: deque[dict[str, Any]] = deque()
        self.webhook: dict[str, Any] = {}
        self._message_ids = itertools.count(1001)
        self._file_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._new_update = threading.Condition(self._lock)
        self.app = self._make_app()

    # -- helpers for tests and the demo ----------------------------------------------
    def add_file(self, content: bytes, file_path: str) -> str:
        file_id = f"AgACAgUAAxkBAAI{next(self._file_ids):06d}"
        self.files[file_id] = (content, file_path)
        return file_id

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[dict[str, Any]]:
        return [
            p
            for m, p in self.calls
            if m == method and (chat_id is None or int(p.get("chat_id", 0)) == chat_id)
        ]

    def queue_update(self, update: dict[str, Any]) -> None:
        with self._new_update:
            self.updates.append(update)
            self._new_update.notify_all()

    def post_webhook(
        self, url: str, secret: str | None, update: dict[str, Any]
    ) -> requests.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return requests.post(url, json=update, headers=headers, timeout=10)

    # -- the API ------------------------------------------------------------------------
    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.route("/bot<token>/<method>", methods=["GET", "POST"])
        def call(token: str, method: str) -> tuple[Response, int]:
            if token != self.token:
                return jsonify(ok=False, error_code=401, description="Unauthorized"), 401
            params = {k: _value(v) for k, v in request.values.items()}
            if request.is_json:
                params.update(request.get_json(silent=True) or {})
            with self._lock:
                self.calls.append((method, params))
                failure = self.fail_next[method].popleft() if self.fail_next[method] else None
            if failure:
                code, retry_after = failure
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": code,
                    "description": ERRORS.get(code, "Error").format(retry_after=retry_after),
                }
                if retry_after is not None:
                    body["parameters"] = {"retry_after": retry_after}
                return jsonify(body), code
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                return jsonify(ok=False, error_code=404, description="Not Found"), 404
            return jsonify(ok=True, result=handler(params)), 200

        @app.get("/file/bot<token>/<path:file_path>")
        def download(token: str, file_path: str) -> Response:
            for content, path in self.files.values():
                if token == self.token and path == file_path:
                    return Response(content, content_type="application/octet-stream")
            return Response("Not Found", status=404)

        return app

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params)

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        content, path = self.files[params["file_id"]]
        return {
            "file_id": params["file_id"],
            "file_unique_id": params["file_id"][-8:],
            "file_size": len(content),
            "file_path": path,
        }

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {
            "url": params.get("url"),
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._new_update:
            while True:
                while self.updates and self.updates[0]["update_id"] < offset:
                    self.updates.popleft()  # confirmed by the offset, as Telegram forgets them
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)[: int(params.get("limit") or 100)]
                self._new_update.wait(timeout=max(0.0, deadline - time.monotonic()))
