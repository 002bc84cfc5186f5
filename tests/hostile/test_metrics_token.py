"""/metrics kept to whoever holds its token when one is set (GATEWAY_METRICS_TOKEN)."""

from __future__ import annotations

import pytest

from gateway.web.app import create_app


def test_metrics_are_open_without_a_token(client):
    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer wrong", "Basic c2NyYXBlOnNjcmFwZQ==", "scrape-me"],
)
def test_metrics_need_the_bearer_token_when_one_is_set(make_settings, authorization):
    app = create_app(make_settings(metrics_token="scrape-me"))
    client = app.test_client()
    headers = {"Authorization": authorization} if authorization is not None else {}
    refused = client.get("/metrics", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "lapor_" not in refused.text
    allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert allowed.status_code == 200 and "lapor_outbox_jobs" in allowed.text
    assert client.get("/healthz").status_code == 200  # the probes stay open
    app.extensions["lapor"].close()
