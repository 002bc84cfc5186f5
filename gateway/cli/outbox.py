"""``outbox``: dead letters, read and retried."""

from __future__ import annotations

import sys

import click

from gateway.cli.common import open_runtime


@click.group()
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

    with open_runtime() as runtime, runtime.sessions() as session:
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

    failed = 0
    with open_runtime() as runtime, runtime.sessions() as session:
        for job_id in job_ids:
            if retry_dead_letter(session, job_id):
                click.echo(f"job {job_id} queued again")
            else:
                failed += 1
                click.echo(f"job {job_id} is not a dead letter", err=True)
        session.commit()
    sys.exit(1 if failed else 0)
