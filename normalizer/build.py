"""Turn what a dialog or an intake system gathered into a normalized complaint."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from normalizer.categories import guess_category, guess_classification
from normalizer.complaint import (
    Attachment,
    Category,
    Channel,
    Classification,
    Complaint,
    Location,
    Privacy,
    Reporter,
)
from normalizer.message import MediaRef

TITLE_MAX = 80
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def make_title(description: str) -> str:
    """The first sentence, cut at a word boundary to at most 80 characters."""
    text = " ".join(description.split())
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(first) <= TITLE_MAX:
        return first
    cut = first[: TITLE_MAX - 1].rsplit(" ", 1)[0]
    return (cut or first[: TITLE_MAX - 1]) + "…"


def build_complaint(
    *,
    id: str,
    tracking_code: str,
    channel: Channel | str,
    received_at: datetime,
    description: str,
    privacy: Privacy | str,
    language: str = "id",
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    channel_user_id: str | None = None,
    location_text: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    region: tuple[str, str] | None = None,
    media: Sequence[MediaRef] = (),
    source_messages: Sequence[str] = (),
    category: Category | None = None,
    classification: Classification | str | None = None,
    incident_date: date | None = None,
) -> Complaint:
    """A complete complaint from intake fields; category and classification guessed
    unless someone (a call-center agent) already chose them."""
    description = description.strip()
    location = None
    if location_text or lat is not None:
        region_code, region_name = region or (None, None)
        location = Location(
            text=location_text,
            lat=lat,
            lon=lon,
            region_code=region_code,
            region_name=region_name,
        )
    return Complaint(
        id=id,
        tracking_code=tracking_code,
        channel=Channel(channel),
        received_at=received_at,
        reporter=Reporter(
            privacy=Privacy(privacy),
            name=name,
            phone=phone,
            email=email,
            channel_user_id=channel_user_id,
        ),
        title=make_title(description),
        description=description,
        language=language,
        classification=classification or guess_classification(description),
        category=category or guess_category(f"{description} {location_text or ''}"),
        incident_date=incident_date,
        location=location,
        attachments=[
            Attachment(url=m.url, content_type=m.content_type, size=m.size, sha256=m.sha256)
            for m in media
        ],
        source_messages=list(source_messages),
    )
