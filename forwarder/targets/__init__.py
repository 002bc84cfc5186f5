"""Delivery targets: where a complaint goes once the gateway has it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class DeliveryReceipt:
    """What the central system said: its id for the complaint (or a token that resolves
    to one later), and anything else worth keeping."""

    central_id: str | None
    token: str | None = None
    notice: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingRequest:
    """Exactly what a target POSTs for one complaint (also shown by ``forward preview``)."""

    url: str
    headers: dict[str, str]
    body: bytes


class DeliveryTarget(Protocol):
    name: str

    def encode(self, document: dict[str, Any], idempotency_key: str) -> OutgoingRequest:
        """The request that delivers ``document``, without sending it."""
        ...

    def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        """Deliver one outbound complaint document; raise RetryableError or
        PermanentError when it did not go through."""
        ...
