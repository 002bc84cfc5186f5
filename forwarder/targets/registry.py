"""Every delivery target by the name ``GATEWAY_FORWARD_TARGET`` gives it. A new target
is one module in this folder and one line here."""

from __future__ import annotations

from forwarder.targets import DeliveryTarget
from forwarder.targets.lapor import LaporTarget
from forwarder.targets.open311 import Open311Target
from forwarder.targets.webhook import WebhookTarget

TARGETS: dict[str, type[DeliveryTarget]] = {
    "open311": Open311Target,
    "lapor": LaporTarget,
    "webhook": WebhookTarget,
}
