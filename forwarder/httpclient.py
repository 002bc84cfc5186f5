"""The gateway's HTTP client for its peers: the central system and the messaging
platforms' APIs. urllib3, whose pools and connections ``requests`` itself runs on,
without ``requests``' per-call work (merging settings, hooks, cookies, the environment):
that was ~0.4 ms of each delivery's and each chat reply's CPU, as much as the POST
itself.

What ``requests`` read from the environment is read once, for the peer's address, when
the client is made: a proxy (``HTTPS_PROXY``/``HTTP_PROXY``, ``NO_PROXY``) and a CA
bundle (``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, else certifi's, as ``requests``).
A POST is never redirected: the answer is returned as it is, and the caller decides (a
central system that moved is a setting to fix, not a place to re-send a complaint to).
A GET follows up to five redirects, dropping the Authorization header when the host
changes (urllib3's default).
"""

from __future__ import annotations

import json
import os
import urllib.request
from email.message import Message
from typing import Any
from urllib.parse import urlencode, urlsplit

import certifi
import urllib3
from urllib3.exceptions import HTTPError, LocationValueError

# as requests: ten kept-alive connections a host (a worker's job threads, a lane's)
POOL_SIZE = 10
_NO_RETRY = urllib3.Retry(total=False, redirect=False)
USER_AGENT = "lapor-gateway"
_GET_RETRY = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5)


class Unreachable(Exception):
    """No answer came: no connection, a timeout, a broken connection or TLS, a proxy that
    failed, or too many redirects. ``bad_url`` when the address itself is unusable."""

    def __init__(self, message: str, *, bad_url: bool = False) -> None:
        super().__init__(message)
        self.bad_url = bad_url


class Answer:
    """A peer's answer, read whole: what callers read of it, named as ``requests``
    names it."""

    __slots__ = ("content", "headers", "reason", "status_code")

    def __init__(self, status_code: int, reason: str, headers: Any, content: bytes) -> None:
        self.status_code = status_code
        self.reason = reason
        self.headers = headers  # case-insensitive
        self.content = content

    @property
    def text(self) -> str:
        message = Message()
        message["Content-Type"] = self.headers.get("Content-Type", "")
        charset = message.get_content_charset() or "utf-8"
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.content)


# seconds, for connecting and for each read; or (connect, read), as requests takes them
Seconds = float | tuple[float, float]


def _timeout(seconds: Seconds) -> urllib3.Timeout:
    connect, read = seconds if isinstance(seconds, tuple) else (seconds, seconds)
    return urllib3.Timeout(connect=connect, read=read)


def _ca_bundle() -> dict[str, str]:
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and os.path.isdir(bundle):
        return {"ca_cert_dir": bundle}
    return {"ca_certs": bundle or certifi.where()}


def _proxy_for(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


class HttpClient:
    """Kept-alive connections to one peer (any URL may be asked; the environment was read
    for the one given). Safe to share between threads."""

    def __init__(self, url: str) -> None:
        options: dict[str, Any] = {
            "maxsize": POOL_SIZE,
            "retries": _NO_RETRY,
            **_ca_bundle(),
        }
        proxy = _proxy_for(url)
        self.pool: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        timeout: Seconds,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        try:
            response = self.pool.urlopen(
                method,
                url,
                body=body,
                headers={"User-Agent": USER_AGENT, **(headers or {})},
                timeout=_timeout(timeout),
                retries=_GET_RETRY if method == "GET" else _NO_RETRY,
                redirect=method == "GET",
                preload_content=True,
            )
        except LocationValueError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}", bad_url=True) from None
        except (HTTPError, OSError) as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from None
        return Answer(response.status, response.reason or "", response.headers, response.data)

    def post(
        self,
        url: str,
        *,
        timeout: Seconds,
        json_body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST ``data``, or ``json_body`` as JSON (its Content-Type set)."""
        headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        return self.request("POST", url, timeout=timeout, body=data, headers=headers)

    def get(
        self,
        url: str,
        *,
        timeout: Seconds,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        return self.request("GET", url, timeout=timeout, headers=headers, params=params)
