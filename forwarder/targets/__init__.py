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


class DeliveryTarget(Protocol):
    name: str

    def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        """Deliver one outbound complaint document; raise RetryableError or
        PermanentError when it did not go through."""
        ...
