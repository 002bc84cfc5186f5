"""A generic webhook: the outbound complaint document as JSON, signed.

``X-Gateway-Signature: sha256=<hex>`` is HMAC-SHA256 of the exact body with the shared
secret (``GATEWAY_FORWARD_API_KEY``); ``Idempotency-Key`` lets the receiver drop a
redelivery. A JSON answer with ``id`` (or ``central_id``) names the receiver's id.

The reporter's later updates (follow-up, feedback, reopen request) go to the same URL,
signed the same way, as ``{"event": "complaint.update", …}`` with the header
``X-Gateway-Event: complaint.update`` (:meth:`WebhookTarget.send_update`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from forwarder.httpclient import HttpClient
from forwarder.targets import Capabilities, DeliveryReceipt, OutgoingRequest
from forwarder.targets.http import post

UPDATE_EVENT = "complaint.update"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookTarget:
    name = "webhook"
    capabilities = Capabilities(updates=True)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebhookTarget:
        return cls(
            config["forward_url"],
            secret=config["forward_api_key"],
            timeout=config["forward_timeout_seconds"],
        )

    @classmethod
    def takes_updates(cls, config: Mapping[str, Any]) -> bool:
        return True  # a signed complaint.update event, whatever the receiver does with it

    def __init__(
        self,
        url: str,
        *,
        secret: str,
        timeout: float = 10.0,
        http: HttpClient | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.http = http or HttpClient(self.url)

    def encode(self, document: dict[str, Any], idempotency_key: str) -> OutgoingRequest:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return OutgoingRequest(
            url=self.url,
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": idempotency_key,
                "X-Gateway-Signature": sign(self.secret, body),
                "X-Gateway-Schema": str(document.get("schema", "")),
            },
            body=body,
        )

    def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        response = post(self.http, self.encode(document, idempotency_key), timeout=self.timeout)
        central_id = None
        try:
            answer = response.json()
            if isinstance(answer, dict):
                central_id = answer.get("id") or answer.get("central_id")
        except ValueError:
            pass  # a bare 2xx is an acceptance without an id
        return DeliveryReceipt(central_id=str(central_id) if central_id else None)

    def encode_update(
        self, central_id: str | None, update: dict[str, Any], idempotency_key: str
    ) -> OutgoingRequest:
        event = {
            "event": UPDATE_EVENT,
            "complaint_id": update["complaint_id"],
            "tracking_code": update["tracking_code"],
            "central_id": central_id or None,
            "kind": update["kind"],
            "text": update.get("text") or "",
            "rating": update.get("rating"),
            "occurred_at": update["occurred_at"],
            "update_id": str(update["update_id"]),
        }
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        return OutgoingRequest(
            url=self.url,
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": idempotency_key,
                "X-Gateway-Signature": sign(self.secret, body),
                "X-Gateway-Event": UPDATE_EVENT,
            },
            body=body,
        )

    def send_update(
        self, central_id: str | None, update: dict[str, Any], idempotency_key: str
    ) -> str | None:
        """POST one of the reporter's updates; the receiver's id for it if its JSON
        answer has ``id`` (or ``update_id``)."""
        outgoing = self.encode_update(central_id, update, idempotency_key)
        response = post(self.http, outgoing, timeout=self.timeout)
        try:
            answer = response.json()
        except ValueError:
            return None  # a bare 2xx is an acceptance without an id
        found = (answer.get("id") or answer.get("update_id")) if isinstance(answer, dict) else None
        return str(found) if found else None
