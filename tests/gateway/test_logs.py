"""What the gateway's log handler lets through: no credential, whichever library wrote
the line and in whichever format (the citizen's identity: tests/gateway/test_privacy_run.py)."""

from __future__ import annotations

import logging

import pytest

from gateway.logs import configure_logging

BOT_TOKEN = "7000000001:AAHsecret-Token_42"
GRAPH_TOKEN = "EAAGsecretPageToken123"
URL = f"https://api.telegram.org/bot{BOT_TOKEN}/sendMessage"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_credentials_in_urls_are_masked_in_lines_and_tracebacks(fmt, gateway_log):
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "_lapor", False)]
    configure_logging(fmt=fmt)
    logging.getLogger("httpx").warning('HTTP Request: POST %s "HTTP/1.1 502 Bad Gateway"', URL)
    try:
        raise ConnectionError(f"GET https://graph.facebook.com/v21.0/me?access_token={GRAPH_TOKEN}")
    except ConnectionError:
        logging.getLogger("channels.meta").exception("sending failed")
    logs = gateway_log()
    assert "502 Bad Gateway" in logs and "sending failed" in logs and "ConnectionError" in logs
    assert "7000000001:***" in logs and "access_token=***" in logs
    assert "AAHsecret" not in logs and GRAPH_TOKEN not in logs


def test_api_clients_log_their_calls_only_when_something_is_wrong(gateway_log):
    for name in ("httpx", "twilio.http_client"):
        logging.getLogger(name).info("HTTP Request: POST %s", URL)
        logging.getLogger(name).warning("retrying %s", name)
    logs = gateway_log()
    assert "HTTP Request" not in logs
    assert "retrying httpx" in logs and "retrying twilio.http_client" in logs
