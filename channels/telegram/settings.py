"""The Telegram bot's settings (``GATEWAY_TELEGRAM_*``).

The gateway's settings (gateway.config.Settings) include these fields, read from
``GATEWAY_<FIELD>``; each description is what docs/configuration.md says of it."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from channels.base import ChannelSettings


class TelegramSettings(ChannelSettings):
    telegram_bot_token: SecretStr = Field(
        default=SecretStr(""),
        description="Telegram bot token",
    )
    telegram_secret_token: SecretStr = Field(
        default=SecretStr(""),
        description="the webhook secret (`X-Telegram-Bot-Api-Secret-Token`)",
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API base (a self-hosted Bot API server, or a test server)",
    )
    telegram_send_limit: str = Field(
        default="30 per 1 second",
        description=(
            "messages the bot sends, every process and node together (counted where "
            "`GATEWAY_RATELIMIT_STORAGE_URL` says), e.g. `30 per 1 second` (Telegram's limit; "
            "more only with paid broadcasts)"
        ),
    )
    telegram_chat_send_limit: str = Field(
        default="3 per 1 second; 10 per 10 seconds",
        description=(
            "messages the bot sends to one chat, counted as the bot-wide limit is; Telegram "
            "asks for about one a second with short bursts. A reply past it waits its turn "
            "in the outbox (never a dead letter for it)"
        ),
    )

    @field_validator("telegram_send_limit", "telegram_chat_send_limit")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '30 per 1 second': {value!r}") from exc
        return value
