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
            "more only with paid broadcasts); a chat also gets at most 3 a second and 10 in 10 "
            "seconds"
        ),
    )

    @field_validator("telegram_send_limit")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '30 per 1 second': {value!r}") from exc
        return value
