"""``sandbox-central``: a local Open311 server to try the gateway against."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("sandbox-central")
def sandbox_central() -> None:
    """A local Open311 server standing in for the central complaint system."""


_CENTRAL_DB = click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=Path("instance/sandbox-central.sqlite"),
    show_default=True,
)


@sandbox_central.command("serve")
@_CENTRAL_DB
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8311, show_default=True)
@click.option("--api-key", default="", help="Require this Open311 api_key.")
@click.option("--delay", type=float, default=0.0, help="Seconds to wait before answering.")
@click.option(
    "--no-updates",
    is_flag=True,
    help="A plain GeoReport v2 server: no servicerequestupdates (404), so the gateway "
    "keeps reporters' updates for operators.",
)
@click.option(
    "--require-point",
    is_flag=True,
    help="Refuse a request without lat/long (400), as many Open311 servers do.",
)
def sandbox_central_serve(
    db_path: Path,
    host: str,
    port: int,
    api_key: str,
    delay: float,
    no_updates: bool,
    require_point: bool,
) -> None:
    """Serve the sandbox central system."""
    from werkzeug.serving import run_simple

    from sandbox.central import create_central_app

    app = create_central_app(
        db_path,
        api_key=api_key,
        delay=delay,
        offer_updates=not no_updates,
        require_point=require_point,
    )
    click.echo(f"sandbox central (Open311 GeoReport v2) at http://{host}:{port}")
    run_simple(host, port, app, threaded=True)


@sandbox_central.command("list")
@_CENTRAL_DB
def sandbox_central_list(db_path: Path) -> None:
    """Print every service request the sandbox central holds, as JSON."""
    from sandbox.central import dumps, list_all, open_store

    click.echo(dumps(list_all(open_store(db_path))))


@sandbox_central.command("updates")
@_CENTRAL_DB
def sandbox_central_updates(db_path: Path) -> None:
    """Print every update reporters sent (POST servicerequestupdates), as JSON."""
    from sandbox.central import dumps, list_citizen_updates, open_store

    click.echo(dumps(list_citizen_updates(open_store(db_path))))


@sandbox_central.command("set-status")
@_CENTRAL_DB
@click.argument("request_id", type=int)
@click.argument("status")
@click.option("--note", default=None, help="status_notes shown to the citizen.")
def sandbox_central_set_status(
    db_path: Path, request_id: int, status: str, note: str | None
) -> None:
    """Move a service request to STATUS (open, in_progress, closed, fixed, …)."""
    from sandbox.central import open_store, set_status

    try:
        found = set_status(open_store(db_path), request_id, status, note)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="STATUS") from exc
    if not found:
        raise click.ClickException(f"no service request {request_id}")
    click.echo(f"request {request_id}: {status}")


@click.group("config")
def config_group() -> None:
    """Configuration."""
