"""A stand-in for the X API v2 endpoints the gateway writes to (direct messages and
replies), recording every call, plus the webhook signing X does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
from collections import deque
from typing import Any

import requests
from flask import Flask, Response, jsonify, request


def sign(consumer_secret: str, body: bytes) -> str:
    digest = hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


class FakeXAPI:
    def __init__(self, bearer_token: str) -> None:
        self.bearer_token = bearer_token
        self.dms: list[dict[str, Any]] = []
        self.tweets: list[dict[str, Any]] = []
        self.fail_next: deque[int] = deque()
        self._ids = itertools.count(1_700_000_000_000_000_001)
        self._lock = threading.Lock()
        self.app = self._make_app()

    def post_webhook(
        self, url: str, consumer_secret: str, payload: dict[str, Any]
    ) -> requests.Response:
        body = json.dumps(payload).encode()
        return requests.post(
            url,
            data=body,
            timeout=10,
            headers={
                "Content-Type": "application/json",
                "x-twitter-webhooks-signature": sign(consumer_secret, body),
            },
        )

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        def check() -> tuple[Response, int] | None:
            if request.headers.get("Authorization") != f"Bearer {self.bearer_token}":
                return jsonify({"title": "Unauthorized", "status": 401}), 401
            with self._lock:
                failure = self.fail_next.popleft() if self.fail_next else None
            if failure:
                headers = {"x-rate-limit-reset": "0"} if failure == 429 else {}
                response = jsonify({"title": "Error", "status": failure})
                response.headers.update(headers)
                return response, failure
            return None

        @app.post("/2/dm_conversations/with/<participant_id>/messages")
        def dm(participant_id: str) -> tuple[Response, int]:
            if refused := check():
                return refused
            event_id = str(next(self._ids))
            self.dms.append({"to": participant_id, **(request.get_json() or {})})
            return jsonify(
                {"data": {"dm_conversation_id": f"1-{participant_id}", "dm_event_id": event_id}}
            ), 201

        @app.post("/2/tweets")
        def tweet() -> tuple[Response, int]:
            if refused := check():
                return refused
            body = request.get_json() or {}
            tweet_id = str(next(self._ids))
            self.tweets.append(body)
            return jsonify(
                {
                    "data": {
                        "id": tweet_id,
                        "text": body.get("text", ""),
                        "edit_history_tweet_ids": [tweet_id],
                    }
                }
            ), 201

        return app
