"""The Telegram side for tests: the stand-in Bot API and real-shaped updates."""

from sandbox import telegram_updates as updates
from sandbox.telegram_api import FakeBotAPI

__all__ = ["FakeBotAPI", "updates"]
