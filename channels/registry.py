"""Every channel the gateway serves: one line each, no directory scanning."""

from __future__ import annotations

from channels.base import ChannelAdapter
from channels.meta import MetaAdapter
from channels.telegram import TelegramAdapter
from channels.twilio import TwilioAdapter
from channels.x import XAdapter

CHANNELS: dict[str, type[ChannelAdapter]] = {
    "twilio": TwilioAdapter,
    "telegram": TelegramAdapter,
    "meta": MetaAdapter,
    "x": XAdapter,
}
