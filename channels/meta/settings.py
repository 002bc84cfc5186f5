"""Messenger, Instagram, WhatsApp Cloud (``GATEWAY_META_*``).

The gateway's settings (gateway.config.Settings) include these fields, read from
``GATEWAY_<FIELD>``; each description is what docs/configuration.md says of it."""

from __future__ import annotations

from pydantic import Field, SecretStr

from channels.base import ChannelSettings


class MetaSettings(ChannelSettings):
    meta_app_secret: SecretStr = Field(
        default=SecretStr(""),
        description="checks `X-Hub-Signature-256` on Meta webhooks",
    )
    meta_verify_token: SecretStr = Field(
        default=SecretStr(""),
        description="the `hub.verify_token` of the subscription handshake",
    )
    meta_page_token: SecretStr = Field(
        default=SecretStr(""),
        description="Graph token for the Send API and WhatsApp Cloud",
    )
    meta_graph_url: str = Field(
        default="https://graph.facebook.com",
        description="Graph API base",
    )
    meta_graph_version: str = Field(
        default="v19.0",
        description="Graph API version",
    )
    meta_whatsapp_template: str = Field(
        default="",
        description=(
            "approved WhatsApp template for messages outside the 24-hour window (empty: such "
            "messages are recorded as not sendable)"
        ),
    )
    meta_whatsapp_template_language: str = Field(
        default="id",
        description="that template's language code",
    )
    meta_message_tag: str = Field(
        default="ACCOUNT_UPDATE",
        description="Messenger message tag outside the 24-hour window",
    )
