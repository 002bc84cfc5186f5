"""``config``: the effective settings and their reference."""

from __future__ import annotations

import click

from gateway.config import load_settings


@click.group("config")
def config_group() -> None:
    """Configuration."""


@config_group.command("reference")
def config_reference() -> None:
    """Print the configuration reference (Markdown), as in docs/configuration.md."""
    from gateway.config import reference

    click.echo(reference(), nl=False)


@config_group.command("show")
def config_show() -> None:
    """Print the effective configuration, secrets masked."""
    for key, value in load_settings().masked().items():
        click.echo(f"{key} = {value}")
