"""HTTP calls to a target, with every failure sorted into retryable or permanent."""

from __future__ import annotations

import re
from collections.abc import Callable

from forwarder.errors import PermanentError, RetryableError, TargetRefused
from forwarder.httpclient import Answer, HttpClient, Unreachable
from forwarder.targets import OutgoingRequest

# The other side refused the content itself; sending it again cannot succeed.
PERMANENT_STATUSES = frozenset({400, 404, 405, 410, 413, 415, 422})
# The other side does not accept our credentials: whatever we send, until the key is fixed.
REFUSED_STATUSES = frozenset({401, 403})
# An answer that refuses the key although its status says otherwise (Open311's 400).
KeyRefused = Callable[[Answer], bool]
# Credentials a target may take in a query string (Open311's api_key on reads, where a
# server insists): the errors below quote URLs and answers, and end up in logs and in
# the outbox's last_error.
SECRET_PARAMS = re.compile(r"((?:api_key|access_token|token)=)[^&\s\"'<>]+")


def redact(text: str) -> str:
    """``text`` with the value of every credential parameter masked."""
    return SECRET_PARAMS.sub(r"\1***", text)


def _retry_after(response: Answer) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


def request(
    http: HttpClient,
    method: str,
    url: str,
    *,
    timeout: float,
    key_refused: KeyRefused | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Answer:
    """``http.request`` that returns only a 2xx answer, else raises a DeliveryError:
    TargetRefused for 401/403 (and for an answer ``key_refused`` recognises) and for a
    redirect of a POST (the target moved: its URL is a setting to fix), a RetryableError
    marked ``outage`` when the target failed (no connection, a timeout, a 5xx),
    PermanentError when it refused the content or the URL is unusable."""
    try:
        response = http.request(
            method, url, timeout=timeout, body=body, headers=headers, params=params
        )
    except Unreachable as exc:
        detail = redact(f"{method} {url}: {exc}")
        if exc.bad_url:
            raise PermanentError(detail) from None
        raise RetryableError(detail, outage=True) from None
    if 200 <= response.status_code < 300:
        return response
    status = response.status_code
    if 300 <= status < 400:
        moved = response.headers.get("Location", "")[:300] or "an address not given"
        raise TargetRefused(redact(f"{method} {url}: HTTP {status}: moved to {moved}"))
    detail = redact(f"{method} {url}: HTTP {status}: {response.text[:300]}")
    if status in REFUSED_STATUSES or (key_refused is not None and key_refused(response)):
        raise TargetRefused(detail)
    if status in PERMANENT_STATUSES:
        raise PermanentError(detail)
    raise RetryableError(detail, retry_after=_retry_after(response), outage=status >= 500)


def post(
    http: HttpClient,
    outgoing: OutgoingRequest,
    *,
    timeout: float,
    key_refused: KeyRefused | None = None,
) -> Answer:
    return request(
        http,
        "POST",
        outgoing.url,
        timeout=timeout,
        key_refused=key_refused,
        body=outgoing.body,
        headers=outgoing.headers,
    )
