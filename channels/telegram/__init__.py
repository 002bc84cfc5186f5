"""Telegram Bot API: the citizen's bot."""

from channels.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
