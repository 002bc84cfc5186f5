"""A stand-in for Twilio's Messages REST API (``POST /2010-04-01/Accounts/{sid}/
Messages.json``), answering with the same JSON shape as Twilio so the real ``twilio``
client library can talk to it. When a message names a ``StatusCallback`` it reports
``sent`` then ``delivered`` there, signed with the auth token as Twilio signs.

``fail_next`` queues HTTP statuses to answer with instead (429, 500, 400…), to show
how the gateway copes.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import requests
from flask import Flask, Response, jsonify, request

from sandbox.citizens import twilio_signature

ERRORS = {
    400: (21211, "The 'To' number is not a valid phone number."),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


# How long after its API's answer the stand-in posts the first delivery report
REPORT_AFTER_SECONDS = 0.5


class FakeTwilio:
    def __init__(self, auth_token: str, *, callbacks: bool = True) -> None:
        self.auth_token = auth_token
        self.callbacks = callbacks
        self.messages: list[dict[str, Any]] = []
        self.fail_next: deque[int] = deque()
        self.requests_seen = 0
        self._lock = threading.Lock()
        self.app = self._make_app()

    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.post("/2010-04-01/Accounts/<account_sid>/Messages.json")
        def create_message(account_sid: str) -> tuple[Response, int]:
            with self._lock:
                self.requests_seen += 1
                failure = self.fail_next.popleft() if self.fail_next else None
            if failure:
                code, message = ERRORS.get(failure, (20500, "Error"))
                return jsonify(
                    {
                        "code": code,
                        "message": message,
                        "status": failure,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    }
                ), failure
            form = request.form
            if not form.get("To") or not (form.get("From") or form.get("MessagingServiceSid")):
                return jsonify(
                    {
                        "code": 21604,
                        "message": "A 'To' phone number is required.",
                        "status": 400,
                        "more_info": "",
                    }
                ), 400
            now = format_datetime(datetime.now(UTC))
            sid = "SM" + secrets.token_hex(16)
            resource = {
                "account_sid": account_sid,
                "api_version": "2010-04-01",
                "body": form.get("Body", ""),
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form.get("From"),
                "messaging_service_sid": None,
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "queued",
                "to": form["To"],
                "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
                "subresource_uris": {
                    "media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"
                },
            }
            with self._lock:
                self.messages.append({**resource, "status_callback": form.get("StatusCallback")})
            if self.callbacks and form.get("StatusCallback"):
                threading.Thread(
                    target=self._report,
                    daemon=True,
                    args=(form["StatusCallback"], account_sid, resource),
                ).start()
            return jsonify(resource), 201

        @app.get("/_sandbox/messages")
        def list_messages() -> Response:
            return jsonify(self.messages)

        return app

    def _report(self, url: str, account_sid: str, resource: dict[str, Any]) -> None:
        # Twilio reports once the carrier has the message, not before its API has
        # answered: a report racing the sender's own commit is not what Twilio does
        time.sleep(REPORT_AFTER_SECONDS)
        for status in ("sent", "delivered"):
            params = {
                "AccountSid": account_sid,
                "MessageSid": resource["sid"],
                "SmsSid": resource["sid"],
                "MessageStatus": status,
                "SmsStatus": status,
                "From": resource["from"],
                "To": resource["to"],
                "ApiVersion": "2010-04-01",
            }
            signature = twilio_signature(self.auth_token, url, params)
            try:
                requests.post(
                    url, data=params, headers={"X-Twilio-Signature": signature}, timeout=5
                )
            except requests.RequestException:
                return  # as Twilio does, a failed callback is not retried
