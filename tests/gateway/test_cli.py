"""The command line, including the README's first command, ``lapor-gateway demo``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from gateway.cli import main
from sandbox.central import create_central_app, list_all, open_store

ROOT = Path(__file__).resolve().parents[2]


def test_db_upgrade_creates_the_schema(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"complaints", "outbox_jobs", "conversations", "inbound_messages"} <= tables


def test_sandbox_central_set_status_and_list(tmp_path):
    db = tmp_path / "central.sqlite"
    app = create_central_app(db)
    client = app.test_client()
    created = client.post(
        "/requests.json", data={"service_code": "INFRA", "description": "Jalan rusak"}
    )
    request_id = created.json[0]["service_request_id"]
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "sandbox-central",
            "set-status",
            "--db",
            str(db),
            request_id,
            "in_progress",
            "--note",
            "Petugas menuju lokasi",
        ],
    )
    assert result.exit_code == 0, result.output
    [view] = client.get(f"/requests/{request_id}.json").json
    assert view["status"] == "open" and view["extended_status"] == "in_progress"
    assert view["status_notes"] == "Petugas menuju lokasi"
    assert (
        runner.invoke(
            main, ["sandbox-central", "set-status", "--db", str(db), request_id, "bogus"]
        ).exit_code
        != 0
    )
    assert (
        runner.invoke(
            main, ["sandbox-central", "set-status", "--db", str(db), "999", "closed"]
        ).exit_code
        != 0
    )
    listed = runner.invoke(main, ["sandbox-central", "list", "--db", str(db)])
    assert '"status": "in_progress"' in listed.output
    assert list_all(open_store(db))[0]["status"] == "in_progress"


def test_outbox_dead_and_retry(runtime, monkeypatch, database_url):
    from forwarder import outbox
    from forwarder.outbox import JobStatus, OutboxJob

    with runtime.sessions() as s:
        outbox.enqueue(s, "deliver_complaint", "k", {"complaint_id": "none"}, max_attempts=1)
        s.commit()
        [job] = outbox.claim(s, "w", 1, 60)
        outbox.mark_dead(s, job.id, "w", "permanent: HTTP 400")
        s.commit()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    runner = CliRunner()
    listed = runner.invoke(main, ["outbox", "dead"])
    assert listed.exit_code == 0 and "HTTP 400" in listed.output
    assert runner.invoke(main, ["outbox", "retry", str(job.id)]).exit_code == 0
    assert runner.invoke(main, ["outbox", "retry", "12345"]).exit_code == 1
    with runtime.sessions() as s:
        assert s.get(OutboxJob, job.id).status == JobStatus.PENDING


def test_config_show_masks_secrets(monkeypatch):
    monkeypatch.setenv("GATEWAY_TWILIO_AUTH_TOKEN", "super-secret-value")
    result = CliRunner().invoke(main, ["config", "show"])
    assert result.exit_code == 0
    assert "super-secret-value" not in result.output
    assert "twilio_auth_token = (set)" in result.output


def test_demo_runs_the_whole_pipeline_from_a_fresh_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "Demo succeeded" in out
    assert "Central system: 10 service requests from 10 POSTs" in out
    assert "follow-ups delivered as updates of their complaints: 1" in out
    assert "forged signature -> HTTP 403" in out and "malformed request -> HTTP 400" in out
    assert out.count("submitted") >= 10 and "same bytes" in out
    assert "callcenter" in out and "1 draft(s) waiting for review" in out
    assert (tmp_path / "instance" / "demo" / "gateway.sqlite").exists()
    # it ends with what to run next, since its own servers are gone by then
    assert out.rstrip().endswith("log in as admin.")
    assert "lapor-gateway operator add admin" in out


def test_the_demos_next_steps_name_commands_that_exist():
    from gateway.cli import main
    from sandbox.demo import NEXT_STEPS

    runner = CliRunner()
    commands = re.findall(r"lapor-gateway ([a-z-]+(?: [a-z][a-z-]*)*)", NEXT_STEPS)
    assert {"sandbox-central serve", "operator add admin", "serve", "worker"} <= set(commands)
    for command in commands:
        words = [w for w in command.split() if w != "admin"]
        result = runner.invoke(main, [*words, "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_forward_preview_shows_the_wire_body_with_secrets_masked(monkeypatch):
    monkeypatch.setenv("GATEWAY_FORWARD_TARGET", "lapor")
    monkeypatch.setenv("GATEWAY_FORWARD_API_KEY", "token-rahasia")
    monkeypatch.setenv("GATEWAY_FORWARD_URL", "https://lapor.example/api/stream/addstream")
    runner = CliRunner()
    anonymous = runner.invoke(main, ["forward", "preview", "--privacy", "anonymous"])
    assert anonymous.exit_code == 0, anonymous.output
    assert 'token="***"' in anonymous.output and "token-rahasia" not in anonymous.output
    assert 'anonim="1"' in anonymous.output and "Siti" not in anonymous.output
    monkeypatch.setenv("GATEWAY_LAPOR_WIRE_FORMAT", "json")
    confidential = runner.invoke(main, ["forward", "preview"])
    assert "Authorization: Bearer ***" in confidential.output
    assert '"nama_depan": "Siti"' in confidential.output and '"rahasia": 1' in confidential.output
    monkeypatch.setenv("GATEWAY_FORWARD_TARGET", "open311")
    open311 = runner.invoke(main, ["forward", "preview"])
    assert "requests.json" in open311.output and "service_code=INFRA" in open311.output


def test_serve_says_where_it_listens_and_how_to_make_the_first_operator(tmp_path):
    from tests.conftest import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.sqlite'}",
        "GATEWAY_INSTANCE_PATH": str(tmp_path),
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # log lines (JSON) may come first, such as the warning about per-process throttles
        for _ in range(20):
            first = serve.stdout.readline()
            if first.startswith("lapor-gateway") or not first:
                break
        said = [first, serve.stdout.readline(), serve.stdout.readline()]
    finally:
        serve.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        serve.wait(timeout=30)
    assert said[0].startswith(f"lapor-gateway listening on http://127.0.0.1:{port} ")
    assert said[1].strip() == f"operator console: http://127.0.0.1:{port}/operator/"
    assert "lapor-gateway operator add NAME --role supervisor" in said[2]
