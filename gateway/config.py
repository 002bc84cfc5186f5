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

from config import DEFAULTS_FILE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = ""
    public_url: str = ""
    secret_key: SecretStr = SecretStr("")
    instance_path: Path = Path("instance")
    # Where fetched attachments are kept; default <instance_path>/media
    media_dir: Path | None = None

    max_body_bytes: int = 65536
    # Webhooks one web process receives at the same moment share one transaction, up to
    # this many (1: each its own). Needs `serve --threads` above 1 to have company.
    group_commit_limit: int = Field(default=64, ge=1)
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
    # A citizen's message within this many days of their complaint's last change is about
    # that complaint (follow-up, feedback, question) unless it clearly starts a new one.
    followup_window_days: float = Field(default=30, ge=0)
    # Kabupaten/kota borders (GeoJSON) for complaints that come with a shared location
    # and no place the text names; none shipped (see normalizer/boundaries.py).
    region_boundaries_file: Path | None = None
    region_boundaries_code_property: str = ""
    region_nearest_km: float = Field(default=25, ge=0)
    # Centroids of regions (CSV: code, lat, lon; any level) for complaints that name a
    # place but share no location; they win over normalizer/data/region_centroids.csv.
    region_centroids_file: Path | None = None

    # SLA in working days (public LAPOR! rules): verified and forwarded after receipt,
    # followed up after disposition, closed after the follow-up when nobody answers.
    sla_forward_working_days: int = Field(default=3, ge=1)
    sla_follow_up_working_days: int = Field(default=5, ge=1)
    sla_close_working_days: int = Field(default=10, ge=1)
    # The one time zone the console and the public status page show times in (an IANA
    # name in Indonesia: Asia/Jakarta WIB, Asia/Makassar WITA, Asia/Jayapura WIT).
    timezone: str = "Asia/Jakarta"

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
    # Failed logins from one address (any account) in the window before it must wait:
    # the per-account lock does not stop one address trying many names.
    operator_ip_failed_logins: int = Field(default=20, ge=1)
    operator_ip_window_minutes: int = Field(default=10, ge=1)
    # Where those counts live: memory:// is per process; redis://… shares them between
    # processes and nodes (the storage URLs of the limits library).
    ratelimit_storage_url: str = "memory://"
    # Reverse proxies in front whose X-Forwarded-For to trust for the client's address
    # (1 behind the nginx of docs/deploy); 0: the address the connection came from.
    proxies: int = Field(default=0, ge=0)
    # Public lookups by tracking code one client address may make a minute before 429
    # (0: off): the codes are short, an address must not walk through them. Clients with
    # an API key are not counted (a regional app asks for all its citizens).
    status_lookups_per_minute: int = Field(default=30, ge=0)

    telegram_bot_token: SecretStr = SecretStr("")
    telegram_secret_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org"
    # Messages the bot may send, all processes and nodes together (in the throttles'
    # storage below: shared with redis://); Telegram answers 429 past about 30 a second.
    telegram_send_limit: str = "30 per 1 second"

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
    # When set, /metrics answers only `Authorization: Bearer <this>` (else 401).
    metrics_token: SecretStr = SecretStr("")
    # HMAC secret of status events pushed to /api/v1/central/events (X-Gateway-Signature)
    central_events_secret: SecretStr = SecretStr("")

    forward_target: str = "open311"
    forward_url: str = "http://127.0.0.1:8311"
    forward_api_key: SecretStr = SecretStr("")
    forward_timeout_seconds: float = 10.0
    forward_max_attempts: int = Field(default=10, ge=1)
    forward_backoff_base_seconds: float = 2.0
    forward_backoff_max_seconds: float = 3600.0
    # A target that refuses our key, or fails every request, is paused (forwarder.circuit):
    # one of its jobs is tried this often, and this many outage failures in a row (or one
    # job failing this long) pause it.
    target_probe_seconds: float = Field(default=60.0, gt=0)
    target_circuit_failures: int = Field(default=5, ge=1)
    target_circuit_seconds: float = Field(default=300.0, gt=0)
    open311_service_codes: dict[str, str] = Field(default_factory=dict)
    # SP4N-LAPOR!: field mapping file, and its wire format ("" = as the file says)
    lapor_config_file: Path | None = None
    lapor_wire_format: str = ""

    # Who sends chat replies (Telegram, Meta, X; Twilio's ride in the webhook's answer):
    # "web", the process that took the message, right after its commit; or "workers",
    # woken by that commit on PostgreSQL (LISTEN/NOTIFY; elsewhere they poll), so a web
    # process spends its interpreter on requests alone.
    replies_sent_by: str = Field(default="web", pattern="^(web|workers)$")
    worker_poll_seconds: float = 0.5
    worker_batch_size: int = Field(default=20, ge=1)
    worker_concurrency: int = Field(default=4, ge=1)
    worker_lease_seconds: float = 120.0
    # How often a worker asks the target about open complaints (0: never).
    status_poll_seconds: float = 300.0
    # How to pull: "updates" (FixMyStreet's servicerequestupdates feed), "requests"
    # (the current state of open complaints, in batches) or "auto" (the feed if the
    # server has one).
    status_pull_mode: str = Field(default="auto", pattern="^(auto|updates|requests)$")
    # Passing the reporter's updates (follow-ups, feedback, reopen requests) on to an
    # Open311 server with FixMyStreet's POST servicerequestupdates: "auto" tries, and a
    # server without it (404/405/501) has them kept for operators; "on" or "off".
    open311_updates: str = Field(default="auto", pattern="^(auto|on|off)$")

    @field_validator("forward_target")
    @classmethod
    def _known_target(cls, value: str) -> str:
        from forwarder.targets.registry import TARGETS  # its HTTP clients, when first needed

        if value not in TARGETS:
            raise ValueError(f"forward_target must be one of {', '.join(TARGETS)}")
        return value

    @field_validator("telegram_send_limit")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '30 per 1 second': {value!r}") from exc
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
MEANINGS = {
    "region_boundaries_file": "GeoJSON of kabupaten/kota borders (e.g. BIG's Batas Wilayah "
    "Administrasi), each feature with its Kemendagri code; a shared location is then placed "
    "in its kabupaten/kota. Empty: only the location's text is read",
    "region_boundaries_code_property": "the feature property holding the Kemendagri code "
    "(`32.17` or `3217`); empty: the first of kode, code, kdpkab, kode_kab, region_code, "
    "kdbbps",
    "region_nearest_km": "a location outside every border (at sea, a border drawn short) "
    "gets the nearest kabupaten/kota within this many km, else none",
    "region_centroids_file": "CSV of region centroids (`code,lat,lon`, any level from "
    "province to desa, e.g. from BPS or BIG); a complaint whose place is read from text gets "
    "the point of the most specific region known, its precision recorded: at each level this "
    "file first, then the centre of the kabupaten/kota's border in the boundaries file, then "
    "the shipped table (the seat of every province, kabupaten/kota and kecamatan). Empty: "
    "the boundaries file and the shipped table",
    "database_url": "SQLAlchemy URL (`postgresql+psycopg://…` in production); empty: a SQLite "
    "file `<instance_path>/gateway.sqlite`",
    "public_url": "the public base URL; webhook signatures are checked against it (behind "
    "proxies) and media links are built on it",
    "secret_key": "signs operator console sessions; the same value on every web node (without "
    "it a random key is kept in `<instance_path>/secret_key`)",
    "instance_path": "folder for the SQLite file, the session key and fetched media",
    "media_dir": "where fetched attachments are kept (default `<instance_path>/media`)",
    "max_body_bytes": "larger webhook and API requests are refused with 413",
    "group_commit_limit": "webhooks a web process receives at the same moment share one "
    "transaction (each still committed before it is answered), up to this many; 1: each its "
    "own. Only `serve --threads` above 1 gives a process company",
    "max_call_bytes": "the same limit for one call transcript on `/api/v1/calls`",
    "conversation_timeout_hours": "an unfinished dialog older than this starts over",
    "default_language": "reply language until the citizen writes otherwise (`id` or `en`)",
    "default_privacy": "privacy when a citizen submits without choosing",
    "notify_on_submitted": "tell the citizen when the central system accepts the complaint",
    "flood_messages_per_minute": "messages one citizen may send a minute before the dialog "
    "stops answering (0: off)",
    "duplicate_window_hours": "the same complaint from the same reporter within this window "
    "gets its existing code",
    "followup_window_days": "a citizen's message within this many days of their complaint's "
    "last change is a follow-up to it, unless it clearly starts a new complaint",
    "sla_forward_working_days": "SLA: working days from receipt to verified and forwarded",
    "sla_follow_up_working_days": "SLA: working days from disposition to follow-up",
    "sla_close_working_days": "SLA: working days after the follow-up before closing without "
    "an answer",
    "timezone": "the time zone every time on the operator console and the public status page "
    "is shown in, with its abbreviation (`Asia/Jakarta` WIB, `Asia/Makassar` WITA, "
    "`Asia/Jayapura` WIT)",
    "calls_auto_submit": "submit a confident call draft at once (else it waits in the queue)",
    "calls_notify_sms": "tell callers about progress by SMS on the number they called from",
    "operator_idle_minutes": "a console session ends after this long without a request",
    "operator_session_hours": "a console session ends this long after login in any case",
    "operator_max_failed_logins": "wrong passwords in a row that lock an account",
    "operator_lockout_minutes": "how long a locked account waits",
    "operator_ip_failed_logins": "failed logins from one client address, whatever the account, "
    "before that address must wait out the window (429)",
    "operator_ip_window_minutes": "the window those failed logins are counted in",
    "ratelimit_storage_url": "where the throttles' counts live (failed logins, tracking-code "
    "lookups, Telegram's sends): `memory://` (each process its own), `redis://host:6379` "
    "(shared by every process and node: the setting for more than one process, "
    "docs/operations.md)",
    "proxies": "reverse proxies in front whose `X-Forwarded-For` is trusted for the client "
    "address (1 behind one nginx); 0 when clients connect directly",
    "status_lookups_per_minute": "public tracking-code lookups (`GET /api/v1/complaints/<code>`) "
    "one client address may make a minute, then 429 with `Retry-After` (0: off); requests "
    "with an API key are not counted",
    "telegram_bot_token": "Telegram bot token",
    "telegram_secret_token": "the webhook secret (`X-Telegram-Bot-Api-Secret-Token`)",
    "telegram_api_url": "Bot API base (a self-hosted Bot API server, or a test server)",
    "telegram_send_limit": "messages the bot sends, every process and node together (counted "
    "where `GATEWAY_RATELIMIT_STORAGE_URL` says), e.g. `30 per 1 second` (Telegram's limit; "
    "more only with paid broadcasts); a chat also gets at most 3 a second and 10 in 10 seconds",
    "twilio_account_sid": "Twilio account SID",
    "twilio_auth_token": "Twilio auth token; also checks `X-Twilio-Signature`",
    "twilio_sms_from": "sender number for SMS the gateway starts",
    "twilio_whatsapp_from": "sender for WhatsApp messages the gateway starts (`whatsapp:+62…`)",
    "twilio_api_url": "Twilio REST base",
    "meta_app_secret": "checks `X-Hub-Signature-256` on Meta webhooks",
    "meta_verify_token": "the `hub.verify_token` of the subscription handshake",
    "meta_page_token": "Graph token for the Send API and WhatsApp Cloud",
    "meta_graph_url": "Graph API base",
    "meta_graph_version": "Graph API version",
    "meta_whatsapp_template": "approved WhatsApp template for messages outside the 24-hour "
    "window (empty: such messages are recorded as not sendable)",
    "meta_whatsapp_template_language": "that template's language code",
    "meta_message_tag": "Messenger message tag outside the 24-hour window",
    "x_consumer_secret": "X CRC answers and `x-twitter-webhooks-signature` checks",
    "x_bearer_token": "X token for DMs and public replies",
    "x_api_url": "X API base",
    "api_keys": "comma-separated keys for `/api/v1` clients",
    "metrics_token": "when set, `/metrics` answers only `Authorization: Bearer <token>` (401 "
    "otherwise); unset, it is open to whoever reaches it: keep it to the monitoring network "
    "(docs/operations.md)",
    "central_events_secret": "HMAC secret of status events pushed to `/api/v1/central/events`",
    "forward_target": "`open311`, `lapor` or `webhook`",
    "forward_url": "where complaints are delivered",
    "forward_api_key": "Open311 `api_key`, LAPOR! token, or the webhook's HMAC secret",
    "forward_timeout_seconds": "timeout of one delivery request",
    "forward_max_attempts": "attempts before a delivery becomes a dead letter",
    "forward_backoff_base_seconds": "first retry delay (exponential, with jitter)",
    "forward_backoff_max_seconds": "longest retry delay",
    "target_probe_seconds": "while the central system is paused (it refused our key, or failed "
    "every request), one worker tries one of its jobs this often; the first answer resumes "
    "deliveries (docs/operations.md)",
    "target_circuit_failures": "outage failures in a row (no connection, a timeout, a 5xx), from "
    "at least two jobs, that pause the central system",
    "target_circuit_seconds": "…or one job failing that way for this long",
    "open311_service_codes": "Open311 `service_code` of each category",
    "lapor_config_file": "the LAPOR! field mapping file (default `config/lapor.toml`)",
    "lapor_wire_format": "`xml` or `json` (empty: as the mapping file says)",
    "replies_sent_by": "`web` (the process that took the message sends the reply right after "
    "its commit) or `workers` (woken by that commit on PostgreSQL; they poll elsewhere)",
    "worker_poll_seconds": "how often an idle worker looks for due jobs",
    "worker_batch_size": "jobs a worker claims at once",
    "worker_concurrency": "jobs a worker runs at once (a citizen's messages still leave in order)",
    "worker_lease_seconds": "how long a claimed job is a worker's before another may take it",
    "status_poll_seconds": "how often a worker pulls status updates (0: never)",
    "status_pull_mode": "`auto` (the `servicerequestupdates` feed when the server has one), "
    "`updates` or `requests`",
    "open311_updates": "the reporter's follow-ups, feedback and reopen requests go to an Open311 "
    "server as FixMyStreet's `POST servicerequestupdates`: `auto` (kept for operators once the "
    "server answers 404/405/501), `on` or `off` (always kept)",
}


def reference() -> str:
    """The configuration reference (docs/configuration.md), generated from the settings
    so it cannot fall behind the code."""
    rows = [
        "# Configuration reference",
        "",
        "Generated by `lapor-gateway config reference` from `gateway/config.py`; a test keeps",
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
        rows.append(f"| `GATEWAY_{name.upper()}` | {shown} | {MEANINGS.get(name, '')} |")
    return "\n".join(rows) + "\n"
