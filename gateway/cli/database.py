"""``db``: the database schema."""

from __future__ import annotations

import click

from gateway.config import load_settings


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations to GATEWAY_DATABASE_URL."""
    from gateway.store.db import upgrade

    url = load_settings().resolved_database_url
    upgrade(url, revision)
    click.echo(f"database at {revision}")
