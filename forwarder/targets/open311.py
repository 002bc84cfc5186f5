"""Open311 GeoReport v2 (``POST {url}/requests.json``, form-encoded).

Reporter fields are sent only when the complaint's privacy lets identity reach the
agency (public, confidential); everything the standard has no field for goes in
``attribute[…]``. The answer is ``[{"service_request_id": …}]`` for realtime services
or ``[{"token": …}]`` for batch ones, whose id is looked up later.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from forwarder.errors import PermanentError, RetryableError
from forwarder.httpclient import Answer, HttpClient
from forwarder.targets import Capabilities, DeliveryReceipt, OutgoingRequest, update_text
from forwarder.targets.http import post, request

log = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 4000  # GeoReport v2: "free form text limited to 4,000 characters"


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """Indonesian names are often a single word: that goes in first_name alone."""
    parts = (name or "").split()
    if not parts:
        return None, None
    if len(parts) == 1:
        return parts[0], None
    return " ".join(parts[:-1]), parts[-1]


def request_form(
    document: dict[str, Any], service_codes: Mapping[str, str], api_key: str
) -> list[tuple[str, str]]:
    """The form fields for one complaint document (already privacy-filtered)."""
    category = (document.get("category") or {}).get("code") or "lainnya"
    service_code = service_codes.get(category) or service_codes.get("lainnya") or category
    description = document["description"]
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1] + "…"
    form: list[tuple[str, str]] = [("service_code", service_code), ("description", description)]
    if api_key:
        form.append(("api_key", api_key))
    location = document.get("location") or {}
    precision = location.get("precision")
    if location.get("lat") is not None and location.get("lon") is not None:
        form += [("lat", str(location["lat"])), ("long", str(location["lon"]))]
        # A point drawn from a place the citizen named (the centroid of its desa,
        # kecamatan or kabupaten/kota) goes with that place as the address: servers that
        # need lat/long get one, and nobody takes the centroid for the spot itself.
        if location.get("text") and precision not in (None, "device"):
            form.append(("address_string", location["text"]))
        elif location.get("text"):
            form.append(("attribute[location_text]", location["text"]))
        if precision:
            form.append(("attribute[location_precision]", precision))
    elif location.get("text"):
        form.append(("address_string", location["text"]))
    attachments = document.get("attachments") or []
    if attachments:
        form.append(("media_url", attachments[0]["url"]))
        for i, extra in enumerate(attachments[1:], start=2):
            form.append((f"attribute[media_url_{i}]", extra["url"]))
    reporter = document.get("reporter") or {}
    if reporter.get("privacy") in ("public", "confidential"):
        first, last = split_name(reporter.get("name"))
        for key, value in (
            ("first_name", first),
            ("last_name", last),
            ("phone", reporter.get("phone")),
            ("email", reporter.get("email")),
        ):
            if value:
                form.append((key, value))
    for key in ("tracking_code", "channel", "title", "classification", "language", "incident_date"):
        if document.get(key):
            form.append((f"attribute[{key}]", str(document[key])))
    form.append(("attribute[privacy]", reporter.get("privacy", "confidential")))
    if location.get("region_code"):
        form.append(("attribute[region_code]", location["region_code"]))
    return form


def update_form(central_id: str, update: dict[str, Any], api_key: str) -> list[tuple[str, str]]:
    """The form fields of FixMyStreet's ``POST servicerequestupdates`` for one update of
    the reporter's (as FixMyStreet's own client sends them, perllib/Open311.pm
    ``_populate_service_request_update_params``; required by mySociety's open311-adapter:
    api_key, service_request_id, update_id, status, updated_datetime, description).

    ``status`` is the state the reporter leaves the request in: OPEN for a reopen request
    and on an open request, CLOSED for a remark on a closed one. Identity goes only
    where the complaint's privacy lets it reach the agency, as for the request itself."""
    closed = update.get("complaint_status") == "closed" and update["kind"] != "reopen"
    description = update_text(update)
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1] + "…"
    form: list[tuple[str, str]] = [
        ("service_request_id", central_id),
        ("update_id", str(update["update_id"])),
        ("updated_datetime", update["occurred_at"]),
        ("status", "CLOSED" if closed else "OPEN"),
        ("description", description),
    ]
    if api_key:
        form.append(("api_key", api_key))
    privacy = update.get("privacy", "confidential")
    if privacy in ("public", "confidential"):
        reporter = update.get("reporter") or {}
        first, last = split_name(reporter.get("name"))
        for key, value in (
            ("first_name", first),
            ("last_name", last),
            ("phone", reporter.get("phone")),
            ("email", reporter.get("email")),
        ):
            if value:
                form.append((key, value))
    form.append(("public_anonymity_required", "FALSE" if privacy == "public" else "TRUE"))
    return form


def read_update_id(response: Answer) -> str | None:
    """The server's id for a posted update: ``[{"update_id": …}]`` (FixMyStreet) or
    ``{"service_request_updates": [{"update_id": …}]}`` (open311-adapter); None when
    the answer names none."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        body = body.get("service_request_updates") or [body]
    item = body[0] if isinstance(body, list) and body else None
    found = item.get("update_id") if isinstance(item, dict) else None
    return str(found) if found not in (None, "") else None


# An answer that says the server has no update endpoint, not that the update is wrong.
NO_UPDATES = re.compile(r"HTTP (404|405|501):")
# A read refused for want of the api_key.
KEY_REFUSED = re.compile(r"HTTP (401|403):")
# What a GeoReport v2 error says when the api_key is the problem: the standard gives no
# code of its own for it, so servers answer 400 (or 401/403) with an error list
# ``[{"code": 400, "description": "Invalid api_key"}]`` (XML: ``<errors><error>
# <code/><description/></error></errors>``) naming the key.
API_KEY_WORDS = re.compile(r"api[\s_-]?key", re.IGNORECASE)
REFUSAL_WORDS = re.compile(
    r"invalid|wrong|missing|not\s+(?:provided|valid|found|recogni[sz]ed|authori[sz]ed)|"
    r"unknown|expired|revoked|disabled|denied|unauthori[sz]ed|required|tidak\s+valid",
    re.IGNORECASE,
)


def error_descriptions(response: Answer) -> list[str]:
    """The descriptions of a GeoReport v2 error answer, JSON or XML; the whole text when
    it has neither shape."""
    text = response.text[:4000]
    try:
        body = response.json()
    except ValueError:
        body = None
    if body is not None:
        items = body if isinstance(body, list) else [body]
        found = [
            str(item.get("description") or item.get("message") or "")
            for item in items
            if isinstance(item, dict)
        ]
        return [d for d in found if d] or [text]
    found = re.findall(r"<description>(.*?)</description>", text, re.DOTALL | re.IGNORECASE)
    return found or [text]


def refuses_key(response: Answer) -> bool:
    """Whether a 400 is the server refusing our api_key rather than the complaint (a
    wrong service_code, no description): an error description that names the api_key
    and says it is invalid, missing, expired…"""
    if response.status_code != 400:
        return False
    return any(
        API_KEY_WORDS.search(d) and REFUSAL_WORDS.search(d) for d in error_descriptions(response)
    )


# Open311 has open/closed; FixMyStreet-style servers say more in extended_status.
STATUS_MAP: dict[str, tuple[str, str | None]] = {
    "investigating": ("verified", None),
    "action_scheduled": ("dispositioned", None),
    "in_progress": ("in_progress", None),
    "fixed": ("closed", "resolved"),
    "closed": ("closed", "resolved"),
    "duplicate": ("closed", "duplicate"),
    "not_councils_responsibility": ("closed", "not_authority"),
    "no_further_action": ("closed", "archived"),
}


@dataclass(frozen=True)
class RemoteStatus:
    central_id: str
    status: str
    resolution: str | None
    note: str | None
    updated: str
    agency: str | None = None


@dataclass(frozen=True)
class RemoteUpdate:
    """One entry of a FixMyStreet-style ``servicerequestupdates`` feed."""

    update_id: str
    central_id: str
    status: str
    resolution: str | None
    note: str | None
    updated: str


class UpdatesNotSupported(Exception):
    """The server has no ``servicerequestupdates`` endpoint (plain GeoReport v2)."""


class Open311Target:
    name = "open311"
    capabilities = Capabilities(status_feed=True, status_poll=True, updates=True)
    # Servers (by URL) that answered they have no POST servicerequestupdates, as learned
    # by this process (``open311_updates = auto``).
    _no_updates: set[str] = set()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Open311Target:
        return cls(
            config["forward_url"],
            api_key=config["forward_api_key"],
            timeout=config["forward_timeout_seconds"],
            service_codes=config["open311_service_codes"],
        )

    @classmethod
    def takes_updates(cls, config: Mapping[str, Any]) -> bool:
        mode = config["open311_updates"]
        if mode == "off":
            return False
        return mode == "on" or config["forward_url"].rstrip("/") not in cls._no_updates

    @classmethod
    def lacks_updates(cls, url: str) -> None:
        """Remember that the server at ``url`` has no update endpoint."""
        cls._no_updates.add(url.rstrip("/"))

    def __init__(
        self,
        url: str,
        *,
        api_key: str = "",
        service_codes: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        http: HttpClient | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        # set once the server refused a read without the key (``_read``)
        self.reads_need_key = False
        self.service_codes = dict(service_codes or {})
        self.timeout = timeout
        self.http = http or HttpClient(self.url)

    def encode(self, document: dict[str, Any], idempotency_key: str) -> OutgoingRequest:
        return OutgoingRequest(
            url=f"{self.url}/requests.json",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": idempotency_key,
                "Accept": "application/json",
            },
            body=urlencode(request_form(document, self.service_codes, self.api_key)).encode(),
        )

    def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        response = post(
            self.http,
            self.encode(document, idempotency_key),
            timeout=self.timeout,
            key_refused=refuses_key,
        )
        try:
            body = response.json()
            item = body[0] if isinstance(body, list) else body
            central_id = item.get("service_request_id")
            token = item.get("token")
        except (ValueError, AttributeError, IndexError, KeyError) as exc:
            raise PermanentError(f"unreadable Open311 answer: {response.text[:300]}") from exc
        if not central_id and not token:
            raise PermanentError(f"Open311 answer has neither id nor token: {body!r}"[:500])
        return DeliveryReceipt(
            central_id=str(central_id) if central_id else None,
            token=str(token) if token else None,
            notice=item.get("service_notice") or None,
        )

    def encode_update(
        self, central_id: str, update: dict[str, Any], idempotency_key: str
    ) -> OutgoingRequest:
        return OutgoingRequest(
            url=f"{self.url}/servicerequestupdates.json",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": idempotency_key,
                "Accept": "application/json",
            },
            body=urlencode(update_form(central_id, update, self.api_key)).encode(),
        )

    def send_update(
        self, central_id: str, update: dict[str, Any], idempotency_key: str
    ) -> str | None:
        """Post one of the reporter's updates; the server's update id, if it says one.
        A server without the endpoint (404, 405, 501) raises UpdatesNotSupported."""
        outgoing = self.encode_update(central_id, update, idempotency_key)
        try:
            response = post(self.http, outgoing, timeout=self.timeout, key_refused=refuses_key)
        except (PermanentError, RetryableError) as exc:
            if NO_UPDATES.search(str(exc)):
                raise UpdatesNotSupported(str(exc)) from exc
            raise
        return read_update_id(response)

    def _read(self, path: str, params: dict[str, str]) -> Answer:
        """``GET {url}/{path}``. GeoReport v2 (GET requests) and FixMyStreet's update feed
        need no api_key for reads, and a query string ends up in the server's access log
        (and any proxy's), so the key is sent only to a server that refused a read
        without it (401/403), from then on; the standard has no other place for it in a
        GET. Error messages mask it (forwarder.targets.http)."""
        url = f"{self.url}/{path}"
        accept = {"Accept": "application/json"}
        if self.reads_need_key:
            params = {**params, "api_key": self.api_key}
        try:
            return request(
                self.http, "GET", url, params=params, headers=accept, timeout=self.timeout
            )
        except (PermanentError, RetryableError) as exc:
            if self.reads_need_key or not (self.api_key and KEY_REFUSED.search(str(exc))):
                raise
        log.info("%s refuses reads without the api_key; sending it with reads", self.url)
        self.reads_need_key = True
        return self._read(path, params)

    def fetch_statuses(self, central_ids: Sequence[str]) -> list[RemoteStatus]:
        """The current state of these requests, in one GET
        (``requests.json?service_request_id=a,b,…``); "open" without more is no news."""
        response = self._read("requests.json", {"service_request_id": ",".join(central_ids)})
        out = []
        for item in response.json():
            raw = item.get("extended_status") or item.get("status") or ""
            if raw not in STATUS_MAP:
                continue
            status, resolution = STATUS_MAP[raw]
            out.append(
                RemoteStatus(
                    str(item["service_request_id"]),
                    status,
                    resolution,
                    item.get("status_notes"),
                    str(item.get("updated_datetime")),
                    item.get("agency_responsible") or None,
                )
            )
        return out

    def fetch_updates(self, start: datetime, end: datetime) -> list[RemoteUpdate]:
        """Every status update in ``[start, end]`` from the FixMyStreet extension
        ``GET servicerequestupdates.json?start_date=…&end_date=…``: each change with its
        own ``update_id``, notes included, instead of the current state only."""
        try:
            response = self._read(
                "servicerequestupdates.json",
                {
                    "start_date": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "end_date": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )
        except PermanentError as exc:
            if "HTTP 404" in str(exc) or "HTTP 400" in str(exc):
                raise UpdatesNotSupported(str(exc)) from exc
            raise
        out = []
        for item in response.json():
            raw = item.get("external_status_code") or item.get("status") or ""
            status, resolution = STATUS_MAP.get(raw, ("", None))
            if not status or item.get("update_id") in (None, ""):
                continue  # "open" and unknown states move nothing
            out.append(
                RemoteUpdate(
                    str(item["update_id"]),
                    str(item["service_request_id"]),
                    status,
                    resolution,
                    item.get("description") or None,
                    str(item.get("updated_datetime")),
                )
            )
        return out
