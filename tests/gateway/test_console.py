"""The operator console through Flask's test client: every route's login, role and CSRF
rule (table-driven over the URL map), sessions, throttled logins, and the review queue.
The browser tests in tests/browser drive the same pages in chromium."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.console.accounts import save_operator
from gateway.store.models import CallRecord, Complaint
from gateway.web.app import create_app

KEY = {"Authorization": "Bearer key-one"}
PASSWORD = "kata-sandi-panjang"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUPERVISOR_ONLY = {
    "operator.dashboard",
    "operator.dashboard_csv",
    "operator.dashboard_complaints",
    "operator.dead_letter_list",
    "operator.dead_letter_retry",
    "operator.dead_letter_retry_all",
}
PUBLIC = {"operator.login", "operator.static"}
ARGS = {
    "record_id": 1,
    "job_id": 1,
    "conv_id": 1,
    "code": "LPR-00000000",
    "filename": "console.css",
}


# What an operator types for a call: the review tests and the operator-action tests share it
CALL_FORM = {
    "phone": "0812 3456 7890",
    "description": "Jalan rusak berlubang di depan SDN 1 Mekarsari, sudah dua minggu.",
    "location_text": "Desa Mekarsari, Kabupaten Cianjur",
    "category": "infrastruktur",
    "privacy": "public",
    "incident_date": "2026-11-10",
}


def add(app: Flask, username: str, role: str) -> None:
    with app.extensions["lapor"].sessions() as s:
        save_operator(s, username, PASSWORD, role)
        s.commit()


def token(client: FlaskClient, path: str = "/operator/login") -> str:
    return TOKEN.search(client.get(path).text).group(1)


def login(
    client: FlaskClient,
    username: str,
    password: str = PASSWORD,
    environ_base: dict[str, str] | None = None,
    **query: str,
):
    return client.post(
        "/operator/login" + (f"?next={query['next']}" if "next" in query else ""),
        data={"username": username, "password": password, "csrf_token": token(client)},
        environ_base=environ_base or {},
    )


@pytest.fixture
def console(app: Flask) -> Flask:
    add(app, "ani", "operator")
    add(app, "sari", "supervisor")
    return app


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """Every console URL with the methods it answers, built with sample arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("operator.") or rule.endpoint in PUBLIC:
            continue
        path = "/operator" + rule.rule.removeprefix("/operator")
        for name, value in ARGS.items():
            path = re.sub(rf"<(\w+:)?{name}>", str(value), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return found


def test_every_route_needs_a_login(console):
    client = console.test_client()
    seen = 0
    for endpoint, method, path in routes(console):
        response = client.open(path, method=method)
        if method == "GET":
            assert response.status_code == 302, endpoint
            assert response.headers["Location"].startswith("/operator/login?next="), endpoint
        else:
            assert response.status_code == 401, endpoint
        seen += 1
    assert seen >= 14


def test_every_role_rule(console):
    operator, supervisor = console.test_client(), console.test_client()
    login(operator, "ani")
    login(supervisor, "sari")
    for endpoint, method, path in routes(console):
        if endpoint == "operator.logout":
            continue  # would end the session the rest of the loop needs
        data = {"csrf_token": token(operator, "/operator/calls/new")} if method == "POST" else {}
        as_operator = operator.open(path, method=method, data=data)
        if endpoint in SUPERVISOR_ONLY:
            assert as_operator.status_code == 403, endpoint
            assert "hanya untuk supervisor" in as_operator.text
        else:
            assert as_operator.status_code != 403, endpoint
        if method == "GET":
            assert supervisor.open(path).status_code in (200, 302, 404), endpoint


def test_every_form_needs_its_csrf_token(console):
    client = console.test_client()
    login(client, "sari")
    posts = [(e, p) for e, m, p in routes(console) if m == "POST"]
    assert {e for e, _ in posts} >= {
        "operator.logout",
        "operator.call_new",
        "operator.review_detail",
        "operator.dead_letter_retry",
        "operator.dead_letter_retry_all",
    }
    for endpoint, path in posts:
        response = client.post(path, data={"description": "x" * 40, "privacy": "public"})
        assert response.status_code == 400, endpoint
        assert "Formulir kedaluwarsa" in response.text
        forged = client.post(path, data={"csrf_token": "forged"})
        assert forged.status_code == 400, endpoint
    # the login form too: no logging a victim in as someone else
    fresh = console.test_client()
    refused = fresh.post("/operator/login", data={"username": "ani", "password": PASSWORD})
    assert refused.status_code == 400
    with console.extensions["lapor"].sessions() as s:
        assert s.scalar(select(func.count()).select_from(CallRecord)) == 0


def test_security_headers_on_every_page(console):
    client = console.test_client()
    for response in (client.get("/operator/login"), login(client, "ani")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    cookie = client.get_cookie("lapor_operator")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_wrong_passwords_lock_the_account_for_a_while(console):
    client = console.test_client()
    for _ in range(5):
        assert login(client, "ani", "salah-salah-salah").status_code == 200
    # the right password no longer helps until the lock runs out
    assert login(client, "ani").status_code == 200
    assert client.get("/operator/review").status_code == 302
    assert login(client, "nobody").status_code == 200  # unknown names fail the same way


def test_failed_logins_from_one_address_are_throttled_whatever_the_name(make_settings):
    app = create_app(make_settings(operator_ip_failed_logins=3, proxies=1))
    add(app, "ani", "operator")
    client = app.test_client()
    spray = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for name in ("ani", "budi", "citra"):  # one wrong password per name: no account locks
        assert login(client, name, "tebak-tebak", environ_base=spray).status_code == 200
    blocked = login(client, "ani", environ_base=spray)  # even the right password waits
    assert blocked.status_code == 429 and "Terlalu banyak percobaan" in blocked.text
    # another address behind the same proxy is not punished for it
    other = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    assert login(client, "ani", environ_base=other).status_code == 302
    app.extensions["lapor"].close()


def test_login_clears_the_old_session_and_only_redirects_inside(console):
    client = console.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = login(client, "ani", next="https://evil.example/")
    assert response.headers["Location"] == "/operator/calls/new"
    with client.session_transaction() as session:
        assert "planted" not in session
    assert login(client, "ani", next="/operator/review").headers["Location"] == "/operator/review"


def test_sessions_end_after_the_absolute_limit(console):
    client = console.test_client()
    login(client, "ani")
    assert client.get("/operator/review").status_code == 200
    with client.session_transaction() as session:
        session["login_at"] -= 11 * 3600
    assert client.get("/operator/review").status_code == 302


def test_idle_sessions_expire(make_settings):
    app = create_app(make_settings(operator_idle_minutes=1 / 60))
    add(app, "ani", "operator")
    client = app.test_client()
    login(client, "ani")
    assert client.get("/operator/review").status_code == 200
    time.sleep(2.2)
    assert client.get("/operator/review").status_code == 302
    app.extensions["lapor"].close()


def test_logout_ends_the_session(console):
    client = console.test_client()
    login(client, "ani")
    client.post("/operator/logout", data={"csrf_token": token(client, "/operator/review")})
    assert client.get("/operator/review").status_code == 302


def test_review_fix_and_submit_a_call_draft(console):
    api = console.test_client()
    call = {
        "call_id": "review-1",
        "caller_number": "081234567890",
        "turns": [{"speaker": "caller", "text": "Jalan rusak pak."}],
    }
    taken = api.post("/api/v1/calls", json=call, headers=KEY).json
    client = console.test_client()
    login(client, "ani")
    queue = client.get("/operator/review").text
    assert taken["tracking_code"] in queue and "Laporan terlalu singkat" in queue
    with console.extensions["lapor"].sessions() as s:
        record_id = s.scalars(select(CallRecord.id)).one()
    page = client.get(f"/operator/review/{record_id}").text
    assert 'value="+6281234567890"' in page and "Jalan rusak pak." in page
    form = {"csrf_token": TOKEN.search(page).group(1), **CALL_FORM}
    done = client.post(f"/operator/review/{record_id}", data={**form, "submit": "1"})
    assert done.status_code == 302
    logged = client.get(done.headers["Location"]).text
    assert taken["tracking_code"] in logged and "Laporan terkirim" in logged
    with console.extensions["lapor"].sessions() as s:
        complaint = s.scalars(select(Complaint)).one()
        record = s.get(CallRecord, record_id)
        assert complaint.tracking_code == taken["tracking_code"]
        assert complaint.document["location"]["text"] == "Desa Mekarsari, Kabupaten Cianjur"
        assert complaint.document["category"]["code"] == "infrastruktur"
        assert complaint.document["incident_date"] == "2026-11-10"
        assert (record.status, record.reviewed_by) == ("submitted", "ani")
    again = client.post(f"/operator/review/{record_id}", data={**form, "submit": "1"})
    assert "tidak bisa diubah lagi: sudah dikirim" in again.text
    with console.extensions["lapor"].sessions() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 1


def test_discard_and_an_empty_submit(console):
    api = console.test_client()
    call = {"call_id": "prank", "turns": [{"speaker": "caller", "text": "Halo halo."}]}
    taken = api.post("/api/v1/calls", json=call, headers=KEY).json
    client = console.test_client()
    login(client, "ani")
    with console.extensions["lapor"].sessions() as s:
        record_id = s.scalars(select(CallRecord.id)).one()
    tok = token(client, f"/operator/review/{record_id}")
    empty = client.post(
        f"/operator/review/{record_id}",
        data={"csrf_token": tok, "description": "", "privacy": "public", "submit": "1"},
    )
    assert empty.status_code == 200 and "Isi laporan wajib diisi." in empty.text
    client.post(f"/operator/review/{record_id}", data={"csrf_token": tok, "discard": "1"})
    queue = client.get("/operator/review").text
    assert f"Draf {taken['tracking_code']} dibuang." in queue and "queue-empty" in queue
    status = api.get(taken["links"]["status"]).json
    assert (status["status"], status["resolution"]) == ("closed", "archived")


def test_search_never_unmasks_an_anonymous_reporter(console):
    api = console.test_client()
    for call_id, privacy in (("open-1", "public"), ("anon-1", "anonymous")):
        call = {
            "call_id": call_id,
            "caller_number": "+6281299998888",
            "privacy": privacy,
            "location": "Kota Bogor",
            "turns": [
                {
                    "speaker": "caller",
                    "text": "Sampah menumpuk di pinggir jalan sudah seminggu tidak diangkut.",
                }
            ],
        }
        assert api.post("/api/v1/calls", json=call, headers=KEY).json["status"] == "submitted"
    client = console.test_client()
    login(client, "ani")
    found = client.get("/operator/complaints?q=0812-9999-8888").text
    assert len(re.findall(r"/operator/complaints/LPR-", found)) == 1  # only the public one
    with console.extensions["lapor"].sessions() as s:
        anon = s.scalars(select(Complaint).where(Complaint.privacy == "anonymous")).one()
    page = client.get(f"/operator/complaints/{anon.tracking_code}").text
    assert "anonim" in page and "+6281299998888" not in page


def test_logout_ends_every_copy_of_the_session(console):
    client = console.test_client()
    login(client, "ani")
    stolen = client.get_cookie("lapor_operator").value
    thief = console.test_client()
    thief.set_cookie("lapor_operator", stolen)
    assert thief.get("/operator/review").status_code == 200
    client.post("/operator/logout", data={"csrf_token": token(client, "/operator/review")})
    assert thief.get("/operator/review").status_code == 302  # the copy is dead too


def test_a_new_password_ends_existing_sessions(console):
    client = console.test_client()
    login(client, "ani")
    assert client.get("/operator/review").status_code == 200
    with console.extensions["lapor"].sessions() as s:
        save_operator(s, "ani", "kata-sandi-baru-sekali", "operator", update=True)
        s.commit()
    assert client.get("/operator/review").status_code == 302
    login(client, "ani", "kata-sandi-baru-sekali")
    assert client.get("/operator/review").status_code == 200
