"""The SP4N-LAPOR! target: delivering complaints to the national system itself.

What is publicly known, and where it comes from:

* A report carries judul (title), isi (the chronology), tanggal kejadian, lokasi,
  kategori, instansi tujuan, lampiran, the privacy options anonim (identity hidden from
  the public) and rahasia (report not public), and a classification pengaduan /
  aspirasi / permintaan informasi — the public complaint form at www.lapor.go.id and
  its published guide ("Tata Cara Penyampaian Laporan").
* Every published report gets a Tracking ID and a public page at
  ``https://www.lapor.go.id/pengaduan/<TrackingID>`` — the public site.
* An older integration interface, used by public chatbot clients, POSTs ``text/xml``
  to ``…/api/stream/addstream``::

      <lapor token="…"><pelapor><email/><telpon/><namadepan/><namabelakang/></pelapor>
      <laporan rahasia="0|1" anonim="0|1"><isi/></laporan></lapor>

  and reads ``trackingid`` and ``transaksiid`` from the answer — as described in this
  project's issue tracker from those clients; the exact shape of the answer is not
  public, so :func:`read_ids` looks for those names as elements, attributes or JSON keys.
* A newer JSON interface with a key token exists; its field names are not public, so
  they come from ``config/lapor.toml`` (:func:`json_body`).

The field mapping lives in this module (:func:`report_fields`) and each wire format
behind one function (:func:`xml_body`, :func:`json_body`); outbox, retries,
idempotency and dead letters are the same as for every target. The ``Idempotency-Key``
header is sent, but the public addstream format has no field for it: if the gateway
dies between LAPOR!'s answer and its own commit, the redelivery may create a second
report there. Ask the LAPOR! team whether their API deduplicates (``id_eksternal`` in
the JSON mapping carries our complaint id for that). LAPOR! offers no public
status pull: a delivered complaint stays ``submitted`` until a status event is pushed.

How LAPOR! takes a reporter's later word on a report (a follow-up, feedback, a reopen
request) is not public either: with an ``[update]`` section in ``config/lapor.toml``
(path and field names) updates are POSTed as JSON (:meth:`LaporTarget.send_update`);
without one they are kept in the gateway for operators to pass on.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET

from config import CONFIG_DIR
from forwarder.errors import PermanentError
from forwarder.httpclient import HttpClient
from forwarder.targets import Capabilities, DeliveryReceipt, OutgoingRequest, update_text
from forwarder.targets.http import post
from forwarder.targets.open311 import UpdatesNotSupported, split_name
from normalizer.phone import to_national

MAPPING_FILE = CONFIG_DIR / "lapor.toml"


@dataclass(frozen=True)
class LaporConfig:
    wire_format: str
    public_url: str
    json: dict[str, Any]
    # How the reporter's updates are sent ([update]: path and field names); empty: the
    # target takes no updates and they are kept for operators.
    update: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = MAPPING_FILE, wire_format: str | None = None) -> LaporConfig:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        fmt = wire_format or data.get("wire_format", "xml")
        if fmt not in ("xml", "json"):
            raise ValueError("lapor wire_format must be xml or json")
        return cls(fmt, data.get("public_url", ""), data.get("json", {}), data.get("update", {}))


def report_fields(document: dict[str, Any]) -> dict[str, Any]:
    """The complaint as LAPOR! sees a report, in one place: names here are ours, the
    wire formats rename them. Anonymous reports carry no identity field at all."""
    reporter = document.get("reporter") or {}
    privacy = reporter.get("privacy", "confidential")
    location = document.get("location") or {}
    place = location.get("text") or (
        f"{location['lat']}, {location['lon']}" if location.get("lat") is not None else None
    )
    fields: dict[str, Any] = {
        "title": document.get("title"),
        "description": document["description"],
        "incident_date": document.get("incident_date"),
        "location": place,
        "category": (document.get("category") or {}).get("label"),
        "agency": None,  # instansi tujuan: chosen by LAPOR!'s verifiers unless configured
        "attachments": [a["url"] for a in document.get("attachments") or []],
        "anonymous": privacy == "anonymous",
        "confidential": privacy == "confidential",
        "classification": document.get("classification", "pengaduan"),
        "external_id": document["id"],
        "tracking_code": document.get("tracking_code"),
    }
    if privacy != "anonymous":
        first, last = split_name(reporter.get("name"))
        phone = reporter.get("phone")
        fields.update(
            reporter_first_name=first,
            reporter_last_name=last,
            reporter_phone=to_national(phone) if phone and phone.startswith("+62") else phone,
            reporter_email=reporter.get("email"),
        )
    return fields


def chronology(fields: Mapping[str, Any]) -> str:
    """``isi`` for the XML format, which has no other field: the text, then what the
    JSON format would carry separately."""
    lines = [fields["description"]]
    for label, key in (
        ("Lokasi", "location"),
        ("Tanggal kejadian", "incident_date"),
        ("Kategori", "category"),
        ("Kode gateway", "tracking_code"),
    ):
        if fields.get(key):
            lines.append(f"{label}: {fields[key]}")
    for url in fields.get("attachments") or []:
        lines.append(f"Lampiran: {url}")
    return "\n".join(lines)


def xml_body(fields: Mapping[str, Any], token: str) -> bytes:
    root = Element("lapor", token=token)
    pelapor = SubElement(root, "pelapor")
    if not fields["anonymous"]:
        for tag, key in (
            ("email", "reporter_email"),
            ("telpon", "reporter_phone"),
            ("namadepan", "reporter_first_name"),
            ("namabelakang", "reporter_last_name"),
        ):
            SubElement(pelapor, tag).text = fields.get(key) or ""
    laporan = SubElement(
        root,
        "laporan",
        rahasia="1" if fields["confidential"] else "0",
        anonim="1" if fields["anonymous"] else "0",
    )
    SubElement(laporan, "isi").text = chronology(fields)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def json_body(fields: Mapping[str, Any], mapping: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    yes, no = mapping.get("true_value", 1), mapping.get("false_value", 0)
    for ours, theirs in (mapping.get("fields") or {}).items():
        if ours not in fields:
            continue  # identity fields of an anonymous report do not exist
        value = fields[ours]
        if isinstance(value, bool):
            value = yes if value else no
        if value is None:
            continue
        node = body
        *parents, leaf = theirs.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return body


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def read_ids(
    body: bytes, content_type: str, json_paths: tuple[str, str] | None = None
) -> tuple[str | None, str | None]:
    """(trackingid, transaksiid) from an answer in XML or JSON, whichever it is."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith(("{", "[")) or "json" in content_type:
        try:
            data = json.loads(text)
        except ValueError:
            return None, None
        if json_paths:
            found = _dig(data, json_paths[0]), _dig(data, json_paths[1])
            if found[0]:
                return str(found[0]), str(found[1]) if found[1] else None
        flat = data if isinstance(data, dict) else {}
        nested = flat.get("data") if isinstance(flat.get("data"), dict) else {}
        merged = {k.lower(): v for k, v in {**flat, **nested}.items()}
        tid = merged.get("trackingid") or merged.get("tracking_id")
        xid = merged.get("transaksiid") or merged.get("transaksi_id")
        return (str(tid) if tid else None), (str(xid) if xid else None)
    try:
        root = SafeET.fromstring(text)
    except Exception:  # noqa: BLE001 - any unparsable answer is simply "no ids"
        return None, None
    found: dict[str, str] = {}
    for node in root.iter():
        for name, value in [(node.tag, node.text), *node.attrib.items()]:
            key = str(name).lower()
            if key in ("trackingid", "transaksiid") and value and value.strip():
                found.setdefault(key, value.strip())
    return found.get("trackingid"), found.get("transaksiid")


def update_fields(central_id: str, update: Mapping[str, Any]) -> dict[str, Any]:
    """An update as LAPOR! would see a reply to a report (names ours; the ``[update]``
    mapping renames them). The reporter's identity is not repeated: LAPOR! has it with
    the report, or, for an anonymous one, must not."""
    return {
        "tracking_id": central_id,
        "external_id": update["complaint_id"],
        "tracking_code": update.get("tracking_code"),
        "update_id": str(update["update_id"]),
        "kind": update["kind"],
        "text": update.get("text") or "",
        "rating": update.get("rating"),
        "reopen": update["kind"] == "reopen",
        "occurred_at": update["occurred_at"],
        # everything in one text, for an interface with a single text field
        "summary": update_text(dict(update)),
    }


def update_body(fields: Mapping[str, Any], mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of one update: ``kinds`` and ``ratings`` rename those values, then
    ``fields`` names (and nests) the fields as :func:`json_body` does for reports."""
    renamed = dict(fields)
    for key, table in (("kind", "kinds"), ("rating", "ratings")):
        if renamed.get(key) is not None:
            renamed[key] = (mapping.get(table) or {}).get(renamed[key], renamed[key])
    return json_body(renamed, mapping)


class LaporTarget:
    name = "lapor"
    # LAPOR! offers no status pull; its provisional reference is a "transaksi"
    capabilities = Capabilities(updates=True, receipt_token="transaksi")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LaporTarget:
        mapping = LaporConfig.load(
            config["lapor_config_file"] or MAPPING_FILE, config["lapor_wire_format"] or None
        )
        return cls(
            config["forward_url"],
            token=config["forward_api_key"],
            config=mapping,
            timeout=config["forward_timeout_seconds"],
        )

    @classmethod
    def takes_updates(cls, config: Mapping[str, Any]) -> bool:
        """Only when the mapping file has an ``[update]`` section."""
        return bool(_update_mapping(config["lapor_config_file"] or MAPPING_FILE))

    def __init__(
        self,
        url: str,
        *,
        token: str,
        config: LaporConfig | None = None,
        timeout: float = 10.0,
        http: HttpClient | None = None,
    ) -> None:
        self.url = url
        self.token = token
        self.config = config or LaporConfig.load()
        self.timeout = timeout
        self.http = http or HttpClient(self.url)

    def public_link(self, central_id: str) -> str | None:
        return f"{self.config.public_url}{central_id}" if self.config.public_url else None

    def encode(self, document: dict[str, Any], idempotency_key: str) -> OutgoingRequest:
        fields = report_fields(document)
        headers = {"Idempotency-Key": idempotency_key}
        if self.config.wire_format == "xml":
            headers["Content-Type"] = "text/xml; charset=utf-8"
            return OutgoingRequest(self.url, headers, xml_body(fields, self.token))
        mapping = self.config.json
        headers["Content-Type"] = "application/json"
        scheme = mapping.get("auth_scheme", "")
        headers[mapping.get("auth_header", "Authorization")] = f"{scheme} {self.token}".strip()
        body = json.dumps(json_body(fields, mapping), ensure_ascii=False).encode()
        return OutgoingRequest(self.url, headers, body)

    def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        response = post(self.http, self.encode(document, idempotency_key), timeout=self.timeout)
        json_paths = None
        if self.config.wire_format == "json":
            json_paths = (
                self.config.json.get("tracking_id_path", "tracking_id"),
                self.config.json.get("transaction_id_path", "transaction_id"),
            )
        tracking_id, transaction_id = read_ids(
            response.content, response.headers.get("Content-Type", ""), json_paths
        )
        if not tracking_id:
            # A 2xx without a Tracking ID is not an acceptance; an operator must look.
            raise PermanentError(f"LAPOR! answered without a tracking id: {response.text[:300]}")
        return DeliveryReceipt(
            central_id=tracking_id,
            token=transaction_id,
            extra={"transaction_id": transaction_id, "public_url": self.public_link(tracking_id)},
        )

    def update_url(self) -> str:
        """``[update] path`` read against the report URL: an absolute path keeps the
        host, a full URL stands as it is."""
        return urljoin(self.url, self.config.update["path"])

    def encode_update(
        self, central_id: str, update: dict[str, Any], idempotency_key: str
    ) -> OutgoingRequest:
        mapping = self.config.update
        auth = {**self.config.json, **mapping}  # [update] may name its own auth header
        scheme = auth.get("auth_scheme", "")
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            auth.get("auth_header", "Authorization"): f"{scheme} {self.token}".strip(),
        }
        flags = {k: v for k, v in self.config.json.items() if k in ("true_value", "false_value")}
        body = update_body(update_fields(central_id, update), {**flags, **mapping})
        return OutgoingRequest(
            self.update_url(), headers, json.dumps(body, ensure_ascii=False).encode()
        )

    def send_update(
        self, central_id: str, update: dict[str, Any], idempotency_key: str
    ) -> str | None:
        """POST one of the reporter's updates as the mapping's ``[update]`` section says;
        LAPOR!'s id for it (``update_id_path`` in a JSON answer) if it gives one. Without
        that section there is nowhere to send it: UpdatesNotSupported."""
        if not self.config.update.get("path"):
            raise UpdatesNotSupported("the LAPOR! mapping has no [update] section")
        outgoing = self.encode_update(central_id, update, idempotency_key)
        response = post(self.http, outgoing, timeout=self.timeout)
        try:
            answer = response.json()
        except ValueError:
            return None
        found = _dig(answer, self.config.update.get("update_id_path", "data.id"))
        return str(found) if found not in (None, "") else None


@lru_cache(maxsize=8)
def _update_mapping(path: Path) -> dict[str, Any]:
    """The ``[update]`` section of a LAPOR! mapping file; empty when it has none."""
    return LaporConfig.load(path).update
