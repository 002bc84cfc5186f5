"""Configuration, loaded once into a typed object.

Defaults come from ``config/gateway.toml`` (and ``GATEWAY_CONFIG_FILE``, an operator's
own TOML, when set); every key can be overridden by ``GATEWAY_<KEY>`` in the
environment. Secrets have no default and come from the environment only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from config import DEFAULTS_FILE

FORWARD_TARGETS = ("open311", "lapor", "webhook")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = ""
    public_url: str = ""
    secret_key: SecretStr = SecretStr("")
    instance_path: Path = Path("instance")
    # Where fetched attachments are kept; default <instance_path>/media
    media_dir: Path | None = None

    max_body_bytes: int = 65536
    # A call transcript may be long: an hour of conversation is some 60 KB of text.
    max_call_bytes: int = 1048576
    conversation_timeout_hours: float = 48
    default_language: str = "id"
    default_privacy: str = "confidential"
    notify_on_submitted: bool = True
    # Messages one citizen may send in a minute before the dialog stops answering (0: off)
    flood_messages_per_minute: int = Field(default=20, ge=0)
    # The same reporter sending the same complaint again within this many hours is told
    # the code they already have instead of filing a second one.
    duplicate_window_hours: float = Field(default=72, ge=0)

    # SLA in working days (public LAPOR! rules): verified and forwarded after receipt,
    # followed up after disposition, closed after the follow-up when nobody answers.
    sla_forward_working_days: int = Field(default=3, ge=1)
    sla_follow_up_working_days: int = Field(default=5, ge=1)
    sla_close_working_days: int = Field(default=10, ge=1)

    # Call center: submit a confident call draft at once (else an operator does), and
    # follow a caller up by SMS on the number they called from.
    calls_auto_submit: bool = True
    calls_notify_sms: bool = True
    # Operator console: a session ends after this long idle, and in any case this long
    # after login; this many failed logins in a row lock the account for a while.
    operator_idle_minutes: float = Field(default=30, gt=0)
    operator_session_hours: float = Field(default=10, gt=0)
    operator_max_failed_logins: int = Field(default=5, ge=1)
    operator_lockout_minutes: float = Field(default=15, ge=0)

    telegram_bot_token: SecretStr = SecretStr("")
    telegram_secret_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org"

    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_sms_from: str = ""
    twilio_whatsapp_from: str = ""
    twilio_api_url: str = "https://api.twilio.com"

    meta_app_secret: SecretStr = SecretStr("")
    meta_verify_token: SecretStr = SecretStr("")
    meta_page_token: SecretStr = SecretStr("")
    meta_graph_url: str = "https://graph.facebook.com"
    meta_graph_version: str = "v19.0"
    # Outside Meta's 24-hour window: an approved WhatsApp template (one body parameter,
    # the message text) and a Messenger message tag; empty = such messages are not sent.
    meta_whatsapp_template: str = ""
    meta_whatsapp_template_language: str = "id"
    meta_message_tag: str = "ACCOUNT_UPDATE"

    x_consumer_secret: SecretStr = SecretStr("")
    x_bearer_token: SecretStr = SecretStr("")
    x_api_url: str = "https://api.x.com"

    api_keys: SecretStr = SecretStr("")
    # HMAC secret of status events pushed to /api/v1/central/events (X-Gateway-Signature)
    central_events_secret: SecretStr = SecretStr("")

    forward_target: str = "open311"
    forward_url: str = "http://127.0.0.1:8311"
    forward_api_key: SecretStr = SecretStr("")
    forward_timeout_seconds: float = 10.0
    forward_max_attempts: int = Field(default=10, ge=1)
    forward_backoff_base_seconds: float = 2.0
    forward_backoff_max_seconds: float = 3600.0
    open311_service_codes: dict[str, str] = Field(default_factory=dict)
    # SP4N-LAPOR!: field mapping file, and its wire format ("" = as the file says)
    lapor_config_file: Path | None = None
    lapor_wire_format: str = ""

    worker_poll_seconds: float = 0.5
    worker_batch_size: int = Field(default=20, ge=1)
    worker_lease_seconds: float = 120.0
    # How often a worker asks the target about open complaints (0: never).
    status_poll_seconds: float = 300.0
    # How to pull: "updates" (FixMyStreet's servicerequestupdates feed), "requests"
    # (the current state of open complaints, in batches) or "auto" (the feed if the
    # server has one).
    status_pull_mode: str = Field(default="auto", pattern="^(auto|updates|requests)$")

    @field_validator("forward_target")
    @classmethod
    def _known_target(cls, value: str) -> str:
        if value not in FORWARD_TARGETS:
            raise ValueError(f"forward_target must be one of {', '.join(FORWARD_TARGETS)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files: list[Path] = [DEFAULTS_FILE]
        if extra := os.environ.get("GATEWAY_CONFIG_FILE"):
            files.append(Path(extra))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, files))

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        path = (self.instance_path / "gateway.sqlite").resolve()
        return f"sqlite:///{path}"

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.get_secret_value().split(",") if k.strip()]

    def masked(self) -> dict[str, Any]:
        """The settings as printable data; secrets shown only as set / not set."""
        out: dict[str, Any] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                out[name] = "(set)" if value.get_secret_value() else "(not set)"
            else:
                out[name] = value
        return out


def load_settings(**overrides: Any) -> Settings:
    """Settings from the defaults, the environment and explicit overrides (tests)."""
    return Settings(**overrides)
