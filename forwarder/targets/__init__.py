"""Delivery targets: where a complaint goes once the gateway has it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


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


@dataclass(frozen=True)
class Capabilities:
    """What a target can do beyond delivering, declared so the gateway need not guess
    (tests/forwarder/test_target_registry.py checks each against the methods it has).

    ``status_feed``: ``fetch_updates(start, end)``, a feed of changes (FixMyStreet's
    ``servicerequestupdates``); ``status_poll``: ``fetch_statuses(ids)``, the current
    state of given complaints; ``updates``: ``send_update(central_id, update, key)``, the
    reporter's later updates (whether a given deployment's server takes them is the
    target's ``takes_updates(config)``); ``receipt_token``: what the central system's
    provisional reference is called to an operator."""

    status_feed: bool = False
    status_poll: bool = False
    updates: bool = False
    receipt_token: str = "token"


class DeliveryTarget(Protocol):
    name: str
    capabilities: ClassVar[Capabilities]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DeliveryTarget:
        """The target the gateway's settings describe (plain values, secrets unwrapped)."""
        ...

    @classmethod
    def takes_updates(cls, config: Mapping[str, Any]) -> bool:
        """Whether the configured server takes the reporter's updates, from configuration
        alone (never a network call on a citizen's request)."""
        ...

    def encode(self, document: dict[str, Any], idempotency_key: str) -> OutgoingRequest:
        """The request that delivers ``document``, without sending it."""
        ...

    def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        """Deliver one outbound complaint document; raise RetryableError or
        PermanentError when it did not go through."""
        ...

    # With ``capabilities.updates``:
    #
    #     def send_update(self, central_id: str, update: dict[str, Any],
    #                     idempotency_key: str) -> str | None
    #
    # which returns the central system's id for the update, if it gives one, and raises
    # forwarder.targets.open311.UpdatesNotSupported when the other side has no place
    # for them.


# How an update is named to people reading it at the central system (and in the console).
UPDATE_LABELS = {
    "followup": "Tindak lanjut dari pelapor",
    "feedback": "Umpan balik pelapor",
    "reopen": "Permintaan buka kembali",
}
RATING_LABELS = {"satisfied": "puas", "not_satisfied": "tidak puas"}


def update_heading(kind: str, rating: str | None = None) -> str:
    """An update's heading: "Umpan balik pelapor: puas", "Permintaan buka kembali"…"""
    heading = UPDATE_LABELS.get(kind, kind)
    if rating:
        heading += f": {RATING_LABELS.get(rating, rating)}"
    return heading


def update_text(update: dict[str, Any]) -> str:
    """An update as one text for central systems with a single free-text field: its
    heading, then what the reporter wrote."""
    heading = update_heading(update["kind"], update.get("rating"))
    text = (update.get("text") or "").strip()
    return f"{heading}\n\n{text}" if text else heading
