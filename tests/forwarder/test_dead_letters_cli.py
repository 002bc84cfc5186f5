"""``lapor-gateway outbox dead`` whatever the peer answered: one line per job, the HTTP
status and the server's message never cut (a long URL shortened to its host), and
``--json`` for scripts. Real deliveries to a real HTTP stand-in."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flask import Flask, Response

from gateway.cli import main
from gateway.jobs.dead_letters import error_summary
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from sandbox.server import ServerThread
from tests.forwarder.test_worker_processes import queue_complaints

LONG = "/api/v2/integrasi/pemerintah-daerah/kabupaten-bandung-barat/layanan/pengaduan/open311"
PAGE = """<!DOCTYPE html>
<html>
<head><title>400 Bad Request</title>
<style>
body { font-family: sans-serif; }
</style></head>
<body>
<h1>Permintaan ditolak</h1>
<p>service_code &quot;INFRA&quot; tidak dikenal
oleh sistem\ttujuan</p>
</body>
</html>
"""


def peer() -> Flask:
    app = Flask(__name__)

    @app.post(f"{LONG}/requests.json")
    def refuse() -> Response:
        return Response(PAGE, status=400, content_type="text/html")

    return app


def test_outbox_dead_prints_one_whole_line_per_job_and_json(
    make_settings, database_url, monkeypatch
):
    with ServerThread(peer()) as server:
        runtime = Runtime(make_settings(forward_url=server.url + LONG))
        queue_complaints(runtime, 2)
        make_worker(runtime, poll_seconds=0.02).run(max_idle_polls=3)
        runtime.close()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    runner = CliRunner()
    listed = runner.invoke(main, ["outbox", "dead"])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert len(lines) == 2  # one line per job, though the answer had eleven
    for line in lines:
        job_id, kind, key, attempts, reason = line.split("\t")
        assert kind == "deliver_complaint" and attempts == "1"
        # the status and the server's own words, whole; the URL is its host and the end
        assert reason.startswith("permanent: POST 127.0.0.1:")
        assert "/…/requests.json: HTTP 400: " in reason
        assert 'Permintaan ditolak service_code "INFRA" tidak dikenal oleh sistem tujuan' in reason
        assert "<" not in reason and "font-family" not in reason
    assert "2 dead letter(s)" in listed.stderr

    as_json = runner.invoke(main, ["outbox", "dead", "--json"])
    assert as_json.exit_code == 0
    rows = json.loads(as_json.stdout)
    assert [r["http_status"] for r in rows] == [400, 400]
    assert all(r["kind"] == "deliver_complaint" and r["complaint_id"] for r in rows)
    assert all(LONG in r["error"] and "\n" in r["error"] for r in rows)  # the whole reason
    assert rows[0]["summary"] == lines[0].split("\t")[4]


def test_error_summary_keeps_any_reason_on_one_line():
    assert error_summary(None) == ""
    assert error_summary("gave up after 10 attempts: boom\r\n\x1b[31mred\x1b[0m") == (
        "gave up after 10 attempts: boom [31mred [0m"
    )
    assert (
        error_summary("permanent: POST https://h.example/open311/requests.json?x=1: HTTP 422: no")
        == "permanent: POST h.example/…/requests.json: HTTP 422: no"
    )
    assert error_summary("GET http://h/: HTTP 503: down") == "GET h: HTTP 503: down"
