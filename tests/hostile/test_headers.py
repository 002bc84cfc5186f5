"""Security headers on every answer the gateway gives, not only the console's pages."""

from __future__ import annotations

from tests.gateway.test_console import KEY, add, login

EVERY_KIND = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/complaints/LPR-00000000"),
    ("POST", "/api/v1/complaints"),  # no key: 401
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/webhooks/twilio/messages"),  # unsigned: 403
    ("POST", "/webhooks/telegram"),
    ("GET", "/media/no-such-token"),
    ("GET", "/no/such/page"),
    ("GET", "/operator/login"),
    ("GET", "/operator/review"),  # a redirect to the login
    ("GET", "/operator/static/console.css"),
]


def test_every_answer_carries_the_security_headers(client):
    for method, path in EVERY_KIND:
        response = client.open(path, method=method, headers=KEY if "complaints/" in path else {})
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] in ("no-referrer", "same-origin"), path
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp, path
        if not path.startswith("/operator/"):
            assert "default-src 'none'" in csp, path  # JSON and files load nothing


def test_the_console_keeps_a_csp_its_pages_work_with(app):
    add(app, "ani", "operator")
    client = app.test_client()
    page = login(client, "ani")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert client.get("/operator/calls/new").headers["Cache-Control"] == "no-store"
