"""The normalized complaint, schema ``lapor-gateway/complaint@1``.

The typed model below and the published JSON Schema file
(``normalizer/schema/complaint-1.schema.json``) describe the same document; a test
keeps them in step. Everything that leaves the gateway is built from this model.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "lapor-gateway/complaint@1"
# Kemendagri: province 32, kabupaten/kota 32.17, kecamatan 32.17.01, desa 32.17.01.2005
REGION_CODE = r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    X = "x"
    CALLCENTER = "callcenter"
    API = "api"


class Privacy(StrEnum):
    PUBLIC = "public"
    # rahasia: the complaint is not public; identity goes only to the agency.
    CONFIDENTIAL = "confidential"
    # anonim: identity never leaves the gateway.
    ANONYMOUS = "anonymous"


class Classification(StrEnum):
    PENGADUAN = "pengaduan"
    ASPIRASI = "aspirasi"
    PERMINTAAN_INFORMASI = "permintaan_informasi"


class RegionSource(StrEnum):
    LOCATION = "location"
    DESCRIPTION = "description"
    COORDINATES = "coordinates"


class Precision(StrEnum):
    DEVICE = "device"
    DESA = "desa"
    KECAMATAN = "kecamatan"
    KABUPATEN_KOTA = "kabupaten_kota"
    PROVINSI = "provinsi"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class Reporter(_Model):
    privacy: Privacy
    name: str | None = None
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")
    email: str | None = None
    channel_user_id: str | None = None


class Category(_Model):
    code: str
    label: str
    confidence: float = Field(ge=0.0, le=1.0)


class Location(_Model):
    text: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    region_code: str | None = Field(
        default=None, pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"
    )
    region_name: str | None = None
    # Where the region was read: the location's text, the complaint's description (no
    # place given), or the coordinates.
    region_source: RegionSource | None = None
    # How precise lat/lon is: "device" (shared by the citizen or the agent's system) or
    # the level whose centroid it is when drawn from a place ("desa", "kecamatan",
    # "kabupaten_kota", "provinsi").
    precision: Precision | None = None


class Attachment(_Model):
    url: str
    content_type: str | None = None
    size: int | None = Field(default=None, ge=0)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class Complaint(_Model):
    schema_: str = Field(default=SCHEMA_ID, alias="schema")
    id: str
    tracking_code: str = Field(pattern=r"^LPR-[0-9A-HJKMNP-TV-Z]{8}$")
    channel: Channel
    received_at: datetime
    submitted_at: datetime | None = None
    reporter: Reporter
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=20000)
    language: str = "id"
    classification: Classification = Classification.PENGADUAN
    category: Category | None = None
    location: Location | None = None
    incident_date: date | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    source_messages: list[str] = Field(default_factory=list)
    duplicate_of: str | None = None

    model_config = ConfigDict(extra="forbid", use_enum_values=True, populate_by_name=True)

    def to_document(self) -> dict[str, Any]:
        """The JSON-ready document, exactly as the schema describes it."""
        return self.model_dump(mode="json", by_alias=True)


def outbound_document(document: dict[str, Any]) -> dict[str, Any]:
    """The copy of a complaint document that may leave the gateway.

    For an anonymous reporter every identity field is null, whatever was stored,
    identity values the citizen typed into the text (a phone number, a NIK, an e-mail
    address, a bank account) are masked, and ``source_messages`` is empty: the
    platforms' message ids carry identity (a WhatsApp ``wamid.`` encodes the number, an
    X mention's id names a public post and its author, an Instagram mid the
    conversation), and a hash of them could be checked against a guess.
    """
    from normalizer.privacy import mask_identity

    doc = dict(document)
    reporter = dict(doc.get("reporter") or {})
    if reporter.get("privacy") == Privacy.ANONYMOUS:
        reporter.update(name=None, phone=None, email=None, channel_user_id=None)
        doc["source_messages"] = []
        doc["description"] = mask_identity(doc.get("description"))
        doc["title"] = mask_identity(doc.get("title"))
        if doc.get("location"):
            doc["location"] = {
                **doc["location"],
                "text": mask_identity(doc["location"].get("text")),
            }
    doc["reporter"] = reporter
    return doc


def public_view(document: dict[str, Any]) -> dict[str, Any]:
    """What anyone holding the tracking code may see: never the reporter's identity,
    and for a non-public complaint not its text either."""
    public = (document.get("reporter") or {}).get("privacy") == Privacy.PUBLIC
    view = {
        "tracking_code": document["tracking_code"],
        "channel": document["channel"],
        "received_at": document["received_at"],
        "submitted_at": document.get("submitted_at"),
        "classification": document.get("classification"),
        "category": document.get("category"),
        "title": document.get("title") if public else None,
    }
    return view
