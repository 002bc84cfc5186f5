"""HTTP calls to a target, with every failure sorted into retryable or permanent."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from forwarder.errors import PermanentError, RetryableError, TargetRefused
from forwarder.targets import OutgoingRequest

# The other side refused the content itself; sending it again cannot succeed.
PERMANENT_STATUSES = frozenset({400, 404, 405, 410, 413, 415, 422})
# The other side does not accept our credentials: whatever we send, until the key is fixed.
REFUSED_STATUSES = frozenset({401, 403})
# An answer that refuses the key although its status says otherwise (Open311's 400).
KeyRefused = Callable[[requests.Response], bool]
# Credentials a target may take in a query string (Open311's api_key on reads, where a
# server insists): the errors below quote URLs and answers, and end up in logs and in
# the outbox's last_error.
SECRET_PARAMS = re.compile(r"((?:api_key|access_token|token)=)[^&\s\"'<>]+")


def redact(text: str) -> str:
    """``text`` with the value of every credential parameter masked."""
    return SECRET_PARAMS.sub(r"\1***", text)


def client(url: str) -> requests.Session:
    """A ``requests`` session for a peer at ``url`` (a central system, a messaging
    platform's API). With ``trust_env`` requests reads
    the environment on every call (proxies and their exceptions, a CA bundle, ~/.netrc):
    ~3 % of a delivery's CPU, the same answer each time. It is read once, here: the CA
    bundle it names becomes the session's. Where a proxy applies to ``url`` or a netrc
    file exists, requests keeps reading them itself on each call, as before."""
    session = requests.Session()
    netrc = os.environ.get("NETRC")
    netrc_files = [Path(netrc)] if netrc else [Path.home() / ".netrc", Path.home() / "_netrc"]
    if requests.utils.get_environ_proxies(url) or any(f.exists() for f in netrc_files):
        return session
    session.trust_env = False
    # what requests would take from the environment on each call (it asks for no other)
    session.verify = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    )
    return session


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    key_refused: KeyRefused | None = None,
    **kwargs: Any,
) -> requests.Response:
    """``session.request`` that returns only a 2xx response, else raises a DeliveryError:
    TargetRefused for 401/403 (and for an answer ``key_refused`` recognises), a
    RetryableError marked ``outage`` when the target failed (no connection, a timeout,
    a 5xx), PermanentError when it refused the content."""
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise RetryableError(
            redact(f"{method} {url}: {type(exc).__name__}: {exc}"), outage=True
        ) from None
    except requests.RequestException as exc:
        raise PermanentError(redact(f"{method} {url}: {exc}")) from None
    if 200 <= response.status_code < 300:
        return response
    status = response.status_code
    detail = redact(f"{method} {url}: HTTP {status}: {response.text[:300]}")
    if status in REFUSED_STATUSES or (key_refused is not None and key_refused(response)):
        raise TargetRefused(detail)
    if status in PERMANENT_STATUSES:
        raise PermanentError(detail)
    raise RetryableError(detail, retry_after=_retry_after(response), outage=status >= 500)


def post(
    session: requests.Session,
    outgoing: OutgoingRequest,
    *,
    timeout: float,
    key_refused: KeyRefused | None = None,
) -> requests.Response:
    return request(
        session,
        "POST",
        outgoing.url,
        timeout=timeout,
        key_refused=key_refused,
        data=outgoing.body,
        headers=outgoing.headers,
    )
