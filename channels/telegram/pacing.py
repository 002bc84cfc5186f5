"""Telegram's send limits, kept by every process that sends as the bot.

The Bot API answers 429 past about 30 messages a second for one bot, and past about one
a second in one chat, where it tolerates short bursts: a chat gets at most 3 in any
second and 10 in any 10 seconds (the dialog's few answers to a quick citizen leave at
once; a sustained stream is held to one a second). The counts live where
``GATEWAY_RATELIMIT_STORAGE_URL`` says (the ``limits`` library's storages, as for the
login throttles): ``memory://`` paces one process, ``redis://…`` every web process and
worker of every node, which together are still one bot.

A send that finds a window full waits for it when the wait is short (a second at most:
the lane it runs in holds only Telegram's sends), and otherwise is told how long to
wait, so the outbox tries it again then instead of holding the lane. A storage out of
reach paces nothing (logged): Telegram's own 429 still stops us, and replies must not
stop with Redis.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from limits import RateLimitItem, parse, parse_many, storage, strategies
from limits.errors import StorageError

from channels.telegram.settings import TelegramSettings

log = logging.getLogger(__name__)

# the bot-wide default is the setting's (GATEWAY_TELEGRAM_SEND_LIMIT), written once there
BOT_LIMIT: str = TelegramSettings.model_fields["telegram_send_limit"].default
CHAT_LIMIT: str = TelegramSettings.model_fields["telegram_chat_send_limit"].default
# Longest wait in the lane; a longer one is handed back to the outbox as retry_after.
MAX_WAIT = 1.0


class SendPacing:
    def __init__(
        self,
        storage_url: str,
        bot: str,
        *,
        bot_limit: str = BOT_LIMIT,
        chat_limit: str = CHAT_LIMIT,
        max_wait: float = MAX_WAIT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bot = bot  # the bot's id (the token's first part): two bots count apart
        self.bot_limit: RateLimitItem = parse(bot_limit)
        self.chat_limits: list[RateLimitItem] = parse_many(chat_limit)
        self.max_wait = max_wait
        self.sleep = sleep
        self.window = strategies.MovingWindowRateLimiter(
            storage.storage_from_string(storage_url, wrap_exceptions=True)
        )
        self._logged = threading.Event()

    def acquire(self, chat: str) -> float:
        """Count one send to ``chat`` when both windows have room, waiting up to
        ``max_wait`` for it: 0.0. Otherwise nothing is counted and the seconds until
        there may be room come back."""
        deadline = time.monotonic() + self.max_wait
        while True:
            try:
                wait = self._try(chat)
            except StorageError as exc:
                if not self._logged.is_set():
                    self._logged.set()
                    log.error("Telegram sends not paced, the storage is out of reach: %s", exc)
                return 0.0
            if wait <= 0:
                return 0.0
            if time.monotonic() + wait > deadline:
                return wait
            self.sleep(wait)

    def _try(self, chat: str) -> float:
        # the chat first: a send refused there must not take one of the bot's 30
        for limit in self.chat_limits:
            if not self.window.test(limit, "telegram-chat", self.bot, chat):
                return self._reset_in(limit, "telegram-chat", self.bot, chat)
        if not self.window.hit(self.bot_limit, "telegram-bot", self.bot):
            return self._reset_in(self.bot_limit, "telegram-bot", self.bot)
        for limit in self.chat_limits:
            # another process may have taken the chat's turn meanwhile: then the bot's
            # count stands unused (one send fewer this second, never one too many)
            if not self.window.hit(limit, "telegram-chat", self.bot, chat):
                return self._reset_in(limit, "telegram-chat", self.bot, chat)
        return 0.0

    def _reset_in(self, item: RateLimitItem, *identifiers: str) -> float:
        reset = self.window.get_window_stats(item, *identifiers).reset_time
        return max(0.01, reset - time.time())
