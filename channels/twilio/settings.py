"""SMS and WhatsApp through Twilio (``GATEWAY_TWILIO_*``).

The gateway's settings (gateway.config.Settings) include these fields, read from
``GATEWAY_<FIELD>``; each description is what docs/configuration.md says of it."""

from __future__ import annotations

from pydantic import Field, SecretStr

from channels.base import ChannelSettings


class TwilioSettings(ChannelSettings):
    twilio_account_sid: str = Field(
        default="",
        description="Twilio account SID",
    )
    twilio_auth_token: SecretStr = Field(
        default=SecretStr(""),
        description="Twilio auth token; also checks `X-Twilio-Signature`",
    )
    twilio_sms_from: str = Field(
        default="",
        description="sender number for SMS the gateway starts",
    )
    twilio_whatsapp_from: str = Field(
        default="",
        description="sender for WhatsApp messages the gateway starts (`whatsapp:+62…`)",
    )
    twilio_api_url: str = Field(
        default="https://api.twilio.com",
        description="Twilio REST base",
    )
