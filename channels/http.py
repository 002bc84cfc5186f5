"""The one way channel adapters call a platform's JSON API with a bearer token."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote

from channels.base import SendError
from forwarder.httpclient import Answer, HttpClient, Unreachable

TIMEOUT = 10.0


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison; an unset secret matches nothing."""
    return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())


def path_segment(value: str) -> str:
    """``value`` as exactly one segment of a URL path: '/', '?', '#' and '%' are quoted,
    and a dot segment (which a server would resolve) is refused, so an id can never
    steer a request elsewhere on the platform's API."""
    if value in ("", ".", ".."):
        raise SendError(f"{value!r} is no path segment", permanent=True)
    return quote(value, safe="")


def post_json(
    http: HttpClient,
    url: str,
    token: str,
    body: dict[str, Any],
    *,
    platform: str,
    token_setting: str,
) -> Answer:
    """POST ``body``; a missing token is permanent, an unreachable platform retryable.
    The caller reads the status of what comes back."""
    if not token:
        raise SendError(f"{token_setting} is not configured", permanent=True)
    try:
        return http.post(
            url, json_body=body, timeout=TIMEOUT, headers={"Authorization": f"Bearer {token}"}
        )
    except Unreachable as exc:
        raise SendError(f"{platform} unreachable: {exc}", permanent=False) from exc
