"""X direct messages and mentions (``GATEWAY_X_*``).

The gateway's settings (gateway.config.Settings) include these fields, read from
``GATEWAY_<FIELD>``; each description is what docs/configuration.md says of it."""

from __future__ import annotations

from pydantic import Field, SecretStr

from channels.base import ChannelSettings


class XSettings(ChannelSettings):
    x_consumer_secret: SecretStr = Field(
        default=SecretStr(""),
        description="X CRC answers and `x-twitter-webhooks-signature` checks",
    )
    x_bearer_token: SecretStr = Field(
        default=SecretStr(""),
        description="X token for DMs and public replies",
    )
    x_api_url: str = Field(
        default="https://api.x.com",
        description="X API base",
    )
