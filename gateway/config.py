"""Configuration, loaded once into a typed object.

Defaults come from ``config/gateway.toml`` (and ``GATEWAY_CONFIG_FILE``, an operator's
own TOML, when set); every key can be overridden by ``GATEWAY_<KEY>`` in the
environment. Secrets have no default and come from the environment only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from channels.meta.settings import MetaSettings
from channels.telegram.settings import TelegramSettings
from channels.twilio.settings import TwilioSettings
from channels.x.settings import XSettings
from config import DEFAULTS_FILE


class Settings(TelegramSettings, TwilioSettings, MetaSettings, XSettings, BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = Field(
        default="",
        description=(
            "SQLAlchemy URL (`postgresql+psycopg://…` in production); empty: a SQLite file "
            "`<instance_path>/gateway.sqlite`"
        ),
    )
    public_url: str = Field(
        default="",
        description=(
            "the public base URL; webhook signatures are checked against it (behind proxies) and "
            "media links are built on it"
        ),
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description=(
            "signs operator console sessions; the same value on every web node (without it a "
            "random key is kept in `<instance_path>/secret_key`)"
        ),
    )
    instance_path: Path = Field(
        default=Path("instance"),
        description="folder for the SQLite file, the session key and fetched media",
    )
    media_dir: Path | None = Field(
        default=None,
        description="where fetched attachments are kept (default `<instance_path>/media`)",
    )
    max_body_bytes: int = Field(
        default=65536,
        description="larger webhook and API requests are refused with 413",
    )
    group_commit_limit: int = Field(
        default=64,
        ge=1,
        description=(
            "webhooks a web process receives at the same moment share one transaction (each still "
            "committed before it is answered), up to this many; 1: each its own. Only `serve "
            "--threads` above 1 gives a process company"
        ),
    )
    max_call_bytes: int = Field(
        default=1048576,
        description="the same limit for one call transcript on `/api/v1/calls`",
    )
    conversation_timeout_hours: float = Field(
        default=48,
        description="an unfinished dialog older than this starts over",
    )
    default_language: str = Field(
        default="id",
        description="reply language until the citizen writes otherwise (`id` or `en`)",
    )
    default_privacy: str = Field(
        default="confidential",
        description="privacy when a citizen submits without choosing",
    )
    notify_on_submitted: bool = Field(
        default=True,
        description="tell the citizen when the central system accepts the complaint",
    )
    flood_messages_per_minute: int = Field(
        default=20,
        ge=0,
        description=(
            "messages one citizen may send a minute before the dialog stops answering (0: off)"
        ),
    )
    duplicate_window_hours: float = Field(
        default=72,
        ge=0,
        description=(
            "the same complaint from the same reporter within this window gets its existing code"
        ),
    )
    followup_window_days: float = Field(
        default=30,
        ge=0,
        description=(
            "a citizen's message within this many days of their complaint's last change is a "
            "follow-up to it, unless it clearly starts a new complaint"
        ),
    )
    region_boundaries_file: Path | None = Field(
        default=None,
        description=(
            "GeoJSON of kabupaten/kota borders (e.g. BIG's Batas Wilayah Administrasi), each "
            "feature with its Kemendagri code; a shared location is then placed in its "
            "kabupaten/kota. Empty: only the location's text is read"
        ),
    )
    region_boundaries_code_property: str = Field(
        default="",
        description=(
            "the feature property holding the Kemendagri code (`32.17` or `3217`); empty: the "
            "first of kode, code, kdpkab, kode_kab, region_code, kdbbps"
        ),
    )
    region_nearest_km: float = Field(
        default=25,
        ge=0,
        description=(
            "a location outside every border (at sea, a border drawn short) gets the nearest "
            "kabupaten/kota within this many km, else none"
        ),
    )
    region_centroids_file: Path | None = Field(
        default=None,
        description=(
            "CSV of region centroids (`code,lat,lon`, any level from province to desa, e.g. from "
            "BPS or BIG); a complaint whose place is read from text gets the point of the most "
            "specific region known, its precision recorded: at each level this file first, then "
            "the centre of the kabupaten/kota's border in the boundaries file, then the shipped "
            "table (the seat of every province, kabupaten/kota and kecamatan). Empty: the "
            "boundaries file and the shipped table"
        ),
    )
    sla_forward_working_days: int = Field(
        default=3,
        ge=1,
        description="SLA: working days from receipt to verified and forwarded",
    )
    sla_follow_up_working_days: int = Field(
        default=5,
        ge=1,
        description="SLA: working days from disposition to follow-up",
    )
    sla_close_working_days: int = Field(
        default=10,
        ge=1,
        description="SLA: working days after the follow-up before closing without an answer",
    )
    timezone: str = Field(
        default="Asia/Jakarta",
        description=(
            "the time zone every time on the operator console and the public status page is shown "
            "in, with its abbreviation (`Asia/Jakarta` WIB, `Asia/Makassar` WITA, `Asia/Jayapura` "
            "WIT)"
        ),
    )
    calls_auto_submit: bool = Field(
        default=True,
        description="submit a confident call draft at once (else it waits in the queue)",
    )
    calls_notify_sms: bool = Field(
        default=True,
        description="tell callers about progress by SMS on the number they called from",
    )
    operator_idle_minutes: float = Field(
        default=30,
        gt=0,
        description="a console session ends after this long without a request",
    )
    operator_session_hours: float = Field(
        default=10,
        gt=0,
        description="a console session ends this long after login in any case",
    )
    operator_max_failed_logins: int = Field(
        default=5,
        ge=1,
        description="wrong passwords in a row that lock an account",
    )
    operator_lockout_minutes: float = Field(
        default=15,
        ge=0,
        description="how long a locked account waits",
    )
    operator_ip_failed_logins: int = Field(
        default=20,
        ge=1,
        description=(
            "failed logins from one client address, whatever the account, before that address "
            "must wait out the window (429)"
        ),
    )
    operator_ip_window_minutes: int = Field(
        default=10,
        ge=1,
        description="the window those failed logins are counted in",
    )
    ratelimit_storage_url: str = Field(
        default="memory://",
        description=(
            "where the throttles' counts live (failed logins, tracking-code lookups, Telegram's "
            "sends): `memory://` (each process its own), `redis://host:6379` (shared by every "
            "process and node: the setting for more than one process, docs/operations.md)"
        ),
    )
    proxies: int = Field(
        default=0,
        ge=0,
        description=(
            "reverse proxies in front whose `X-Forwarded-For` is trusted for the client address "
            "(1 behind one nginx); 0 when clients connect directly"
        ),
    )
    status_lookups_per_minute: int = Field(
        default=30,
        ge=0,
        description=(
            "public tracking-code lookups (`GET /api/v1/complaints/<code>`) one client address "
            "may make a minute, then 429 with `Retry-After` (0: off); requests with an API key "
            "are not counted"
        ),
    )
    api_keys: SecretStr = Field(
        default=SecretStr(""),
        description="comma-separated keys for `/api/v1` clients",
    )
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description=(
            "when set, `/metrics` answers only `Authorization: Bearer <token>` (401 otherwise); "
            "unset, it is open to whoever reaches it: keep it to the monitoring network "
            "(docs/operations.md)"
        ),
    )
    central_events_secret: SecretStr = Field(
        default=SecretStr(""),
        description="HMAC secret of status events pushed to `/api/v1/central/events`",
    )
    forward_target: str = Field(
        default="open311",
        description="`open311`, `lapor` or `webhook`",
    )
    forward_url: str = Field(
        default="http://127.0.0.1:8311",
        description="where complaints are delivered",
    )
    forward_api_key: SecretStr = Field(
        default=SecretStr(""),
        description="Open311 `api_key`, LAPOR! token, or the webhook's HMAC secret",
    )
    forward_timeout_seconds: float = Field(
        default=10.0,
        description="timeout of one delivery request",
    )
    forward_max_attempts: int = Field(
        default=10,
        ge=1,
        description="attempts before a delivery becomes a dead letter",
    )
    forward_backoff_base_seconds: float = Field(
        default=2.0,
        description="first retry delay (exponential, with jitter)",
    )
    forward_backoff_max_seconds: float = Field(
        default=3600.0,
        description="longest retry delay",
    )
    target_probe_seconds: float = Field(
        default=60.0,
        gt=0,
        description=(
            "while the central system is paused (it refused our key, or failed every request), "
            "one worker tries one of its jobs this often; the first answer resumes deliveries "
            "(docs/operations.md)"
        ),
    )
    target_circuit_failures: int = Field(
        default=5,
        ge=1,
        description=(
            "outage failures in a row (no connection, a timeout, a 5xx), from at least two jobs, "
            "that pause the central system"
        ),
    )
    target_circuit_seconds: float = Field(
        default=300.0,
        gt=0,
        description="…or one job failing that way for this long",
    )
    open311_service_codes: dict[str, str] = Field(
        default_factory=dict,
        description="Open311 `service_code` of each category",
    )
    lapor_config_file: Path | None = Field(
        default=None,
        description="the LAPOR! field mapping file (default `config/lapor.toml`)",
    )
    lapor_wire_format: str = Field(
        default="",
        description="`xml` or `json` (empty: as the mapping file says)",
    )
    replies_sent_by: str = Field(
        default="web",
        pattern="^(web|workers)$",
        description=(
            "`web` (the process that took the message sends the reply right after its commit) or "
            "`workers` (woken by that commit on PostgreSQL; they poll elsewhere)"
        ),
    )
    worker_poll_seconds: float = Field(
        default=0.5,
        description="how often an idle worker looks for due jobs",
    )
    worker_batch_size: int = Field(
        default=20,
        ge=1,
        description="jobs a worker claims at once",
    )
    worker_concurrency: int = Field(
        default=4,
        ge=1,
        description="jobs a worker runs at once (a citizen's messages still leave in order)",
    )
    worker_lease_seconds: float = Field(
        default=120.0,
        description="how long a claimed job is a worker's before another may take it",
    )
    status_poll_seconds: float = Field(
        default=300.0,
        description="how often a worker pulls status updates (0: never)",
    )
    status_pull_mode: str = Field(
        default="auto",
        pattern="^(auto|updates|requests)$",
        description=(
            "`auto` (the `servicerequestupdates` feed when the server has one), `updates` or "
            "`requests`"
        ),
    )
    open311_updates: str = Field(
        default="auto",
        pattern="^(auto|on|off)$",
        description=(
            "the reporter's follow-ups, feedback and reopen requests go to an Open311 server as "
            "FixMyStreet's `POST servicerequestupdates`: `auto` (kept for operators once the "
            "server answers 404/405/501), `on` or `off` (always kept)"
        ),
    )

    @field_validator("forward_target")
    @classmethod
    def _known_target(cls, value: str) -> str:
        from forwarder.targets.registry import TARGETS  # its HTTP clients, when first needed

        if value not in TARGETS:
            raise ValueError(f"forward_target must be one of {', '.join(TARGETS)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Jakarta)") from exc
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
    def cache_dir(self) -> Path:
        """What processes keep between starts (normalizer.lokal_tables)."""
        return self.instance_path / "cache"

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


def plain_config(settings: Settings) -> dict[str, Any]:
    """Settings as plain values (secrets unwrapped) for adapters and targets, which know
    no pydantic."""
    return {
        k: (v.get_secret_value() if isinstance(v, SecretStr) else v)
        for k, v in dict(settings).items()
    }


def load_settings(**overrides: Any) -> Settings:
    """Settings from the defaults, the environment and explicit overrides (tests)."""
    return Settings(**overrides)


# What each setting means, for docs/configuration.md; a test requires one per setting.


def reference() -> str:
    """The configuration reference (docs/configuration.md), generated from the settings
    so it cannot fall behind the code."""
    rows = [
        "# Configuration reference",
        "",
        "Generated by `lapor-gateway config reference` from the settings' descriptions in",
        "`gateway/config.py` and each channel's `channels/<name>/settings.py`; a test keeps",
        "this file equal to its output. Every setting is read from `config/gateway.toml`, then",
        "`GATEWAY_CONFIG_FILE` (a TOML file of your own), then the environment variable;",
        "secrets only from the environment.",
        "",
        "| environment variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default
        if field.annotation is SecretStr:
            shown = "secret, environment only"
        elif field.default_factory is not None:
            shown = "a table in `config/gateway.toml`"
        else:
            shown = f"`{default}`" if default not in ("", None) else "—"
        rows.append(f"| `GATEWAY_{name.upper()}` | {shown} | {field.description or ''} |")
    return "\n".join(rows) + "\n"
