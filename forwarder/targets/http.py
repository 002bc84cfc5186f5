"""HTTP calls to a target, with every failure sorted into retryable or permanent."""

from __future__ import annotations

import re
from typing import Any

import requests

from forwarder.errors import PermanentError, RetryableError
from forwarder.targets import OutgoingRequest

# The other side refused the content itself; sending it again cannot succeed.
PERMANENT_STATUSES = frozenset({400, 404, 405, 410, 413, 415, 422})
# Credentials a target may take in a query string (Open311's api_key on reads, where a
# server insists): the errors below quote URLs and answers, and end up in logs and in
# the outbox's last_error.
SECRET_PARAMS = re.compile(r"((?:api_key|access_token|token)=)[^&\s\"'<>]+")


def redact(text: str) -> str:
    """``text`` with the value of every credential parameter masked."""
    return SECRET_PARAMS.sub(r"\1***", text)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


def request(
    session: requests.Session, method: str, url: str, *, timeout: float, **kwargs: Any
) -> requests.Response:
    """``session.request`` that returns only a 2xx response, else raises a DeliveryError."""
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise RetryableError(redact(f"{method} {url}: {type(exc).__name__}: {exc}")) from None
    except requests.RequestException as exc:
        raise PermanentError(redact(f"{method} {url}: {exc}")) from None
    if 200 <= response.status_code < 300:
        return response
    detail = redact(f"{method} {url}: HTTP {response.status_code}: {response.text[:300]}")
    if response.status_code in PERMANENT_STATUSES:
        raise PermanentError(detail)
    raise RetryableError(detail, retry_after=_retry_after(response))


def post(
    session: requests.Session, outgoing: OutgoingRequest, *, timeout: float
) -> requests.Response:
    return request(
        session, "POST", outgoing.url, timeout=timeout, data=outgoing.body, headers=outgoing.headers
    )
