"""``telegram``: the bot's webhook and polling."""

from __future__ import annotations

import signal

import click

from gateway.cli.common import open_runtime
from gateway.config import Settings, load_settings


@click.group()
def telegram() -> None:
    """The Telegram bot."""


def _bot_settings() -> Settings:
    settings = load_settings()
    if not settings.telegram_bot_token.get_secret_value():
        raise click.ClickException("set GATEWAY_TELEGRAM_BOT_TOKEN first")
    return settings


@telegram.command("set-webhook")
def telegram_set_webhook() -> None:
    """Point the bot at GATEWAY_PUBLIC_URL/webhooks/telegram, with the secret token."""
    settings = _bot_settings()
    base = settings.public_url.rstrip("/")
    if not base.startswith("https://") and not base.startswith("http://127.0.0.1"):
        raise click.ClickException("GATEWAY_PUBLIC_URL must be the public https:// address")
    if not settings.telegram_secret_token.get_secret_value():
        raise click.ClickException("set GATEWAY_TELEGRAM_SECRET_TOKEN first")
    with open_runtime(settings) as runtime:
        runtime.adapters["telegram"].set_webhook(f"{base}/webhooks/telegram")
    click.echo(f"webhook set to {base}/webhooks/telegram")


@telegram.command("poll")
@click.option("--timeout", type=int, default=30, show_default=True, help="Long-poll seconds.")
@click.option("--rounds", type=int, default=None, help="Stop after this many getUpdates calls.")
def telegram_poll(timeout: int, rounds: int | None) -> None:
    """Take updates with getUpdates instead of a webhook (a bot with no public URL)."""
    import threading

    from gateway.intake.telegram_poll import poll

    settings = _bot_settings()
    with open_runtime(settings, logs=True) as runtime:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        poll(runtime, runtime.adapters["telegram"], timeout=timeout, stop=stop, rounds=rounds)
