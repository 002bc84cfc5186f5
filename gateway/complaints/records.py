"""Creating complaints and reading their status: one transaction writes the complaint,
its first timeline entries and its outbox job together (transactional outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Executable, bindparam, insert, select, union_all
from sqlalchemy.orm import Session

from forwarder import outbox
from forwarder.sqltypes import utcnow
from gateway import metrics, texts
from gateway.store.models import CallRecord, CallStatus, Complaint, ComplaintEvent, ComplaintStatus
from normalizer.build import build_complaint
from normalizer.complaint import Category, Privacy
from normalizer.complaint import Complaint as ComplaintDoc
from normalizer.duplicates import WINDOW as DUPLICATE_WINDOW
from normalizer.duplicates import Reported, near_duplicate, same_complaint
from normalizer.message import MediaRef
from normalizer.tracking import new_tracking_code

# Built once: a statement object reused with new parameters skips SQLAlchemy's
# per-call construction and cache-key work on the intake hot path.
INSERT_COMPLAINT = insert(Complaint.__table__)
INSERT_EVENT = insert(ComplaintEvent.__table__)
DELIVER_JOB = "deliver_complaint"
SEND_JOB = "send_message"


def add_event(
    session: Session,
    complaint_id: str,
    status: str,
    note: str | None = None,
    source: str = "gateway",
    at: datetime | None = None,
    event_key: str | None = None,
) -> None:
    session.add(
        ComplaintEvent(
            complaint_id=complaint_id,
            status=status,
            note=note,
            source=source,
            created_at=at or utcnow(),
            event_key=event_key,
        )
    )


@dataclass(frozen=True)
class StoredComplaint:
    id: str
    tracking_code: str
    status: str


def store_complaint(
    session: Session,
    doc: ComplaintDoc,
    *,
    max_attempts: int,
    reply_to: str | None = None,
    reply_from: str | None = None,
    reply_channel: str | None = None,
) -> StoredComplaint:
    """Store a built complaint, its timeline start and its delivery job; no commit.

    Core statements on the session's connection: this runs inside every submitting
    webhook, where the ORM's unit of work costs more than the inserts themselves.
    """
    document = doc.to_document()
    now = utcnow()
    conn = session.connection()
    conn.execute(
        INSERT_COMPLAINT,
        {
            "id": doc.id,
            "tracking_code": doc.tracking_code,
            "channel": document["channel"],
            "status": ComplaintStatus.QUEUED,
            "privacy": document["reporter"]["privacy"],
            "document": document,
            "reply_to": reply_to,
            "reply_from": reply_from,
            "reply_channel": reply_channel,
            "category_code": (document.get("category") or {}).get("code"),
            "region_code": (document.get("location") or {}).get("region_code"),
            "region_name": (document.get("location") or {}).get("region_name"),
            "lat": (document.get("location") or {}).get("lat"),
            "lon": (document.get("location") or {}).get("lon"),
            "reporter_phone": None
            if document["reporter"]["privacy"] == Privacy.ANONYMOUS
            else document["reporter"]["phone"],
            # the language replies are written in; the document keeps the one it was
            # written in (a Javanese complaint is answered in Indonesian)
            "language": doc.language if doc.language in texts.LANGUAGES else "id",
            "received_at": doc.received_at,
            "created_at": now,
            "updated_at": now,
        },
    )
    event = {"complaint_id": doc.id, "note": None, "source": "gateway"}
    conn.execute(
        INSERT_EVENT,
        [
            {**event, "status": ComplaintStatus.RECEIVED, "created_at": doc.received_at},
            {**event, "status": ComplaintStatus.QUEUED, "created_at": now},
        ],
    )
    metrics.note_created(session, document["channel"])
    outbox.enqueue(
        session,
        DELIVER_JOB,
        f"complaint:{doc.id}",
        {"complaint_id": doc.id},
        max_attempts=max_attempts,
    )
    return StoredComplaint(doc.id, doc.tracking_code, ComplaintStatus.QUEUED)


def create_complaint(
    session: Session,
    *,
    channel: str,
    description: str,
    privacy: str,
    language: str,
    max_attempts: int,
    received_at: datetime,
    sender: str | None = None,
    reply_from: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    location_text: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    region: tuple[str, str] | None = None,
    media: Sequence[MediaRef] = (),
    source_messages: Sequence[str] = (),
    category: Category | None = None,
    incident_date: str | None = None,
) -> StoredComplaint:
    doc = build_complaint(
        id=str(uuid.uuid4()),
        tracking_code=new_tracking_code(),
        channel=channel,
        received_at=received_at,
        description=description,
        privacy=privacy,
        language=language,
        name=name,
        phone=phone,
        channel_user_id=sender,
        location_text=location_text,
        lat=lat,
        lon=lon,
        region=region,
        media=media,
        source_messages=source_messages,
        category=category,
        incident_date=date.fromisoformat(incident_date) if incident_date else None,
    )
    return store_complaint(
        session, doc, max_attempts=max_attempts, reply_to=sender, reply_from=reply_from
    )


_DESCRIPTION = Complaint.document["description"].as_string().label("description")


def _repeat_query(by_phone: bool) -> Executable:
    ways = [
        (Complaint.channel == bindparam("channel")) & (Complaint.reply_to == bindparam("sender"))
    ]
    if by_phone:
        ways.append(Complaint.reporter_phone == bindparam("phone"))
    columns = (Complaint.id, Complaint.received_at, _DESCRIPTION)
    branches = [
        select(*columns)
        .where(who, Complaint.received_at >= bindparam("since", type_=Complaint.received_at.type))
        .order_by(Complaint.received_at.desc())
        .limit(20)
        for who in ways
    ]
    if len(branches) == 1:
        return branches[0]
    return union_all(*(b.subquery().select() for b in branches))


# built once (every submitted complaint runs one): by sender, or by sender or phone
_REPEAT_QUERIES = {False: _repeat_query(False), True: _repeat_query(True)}


def repeat_of(
    session: Session,
    *,
    channel: str,
    sender: str,
    phone: str | None,
    description: str,
    since: datetime,
) -> Complaint | None:
    """The reporter's own earlier complaint saying the same, on this channel or (by the
    same phone number) another, received since ``since``; None if there is none.

    One indexed branch per way of being the same reporter, joined by UNION ALL, not one
    query with an OR: PostgreSQL's generic plan for the OR (psycopg prepares a statement
    after five runs) walked every complaint of the window by date — 100+ ms each once
    there were 70,000 of them. Only the columns compared are read; the complaint itself
    only when it is the one."""
    params = {"channel": channel, "sender": sender, "phone": phone, "since": since}
    query = _REPEAT_QUERIES[bool(phone)]
    session.flush()  # what the ORM's own execute would have done first
    earlier = sorted(
        set(session.connection().execute(query, params)), key=lambda c: c[1], reverse=True
    )
    found = next((c for c in earlier if same_complaint(c[2] or "", description)), None)
    return session.get(Complaint, found[0]) if found else None


def link_repeat(complaint: Complaint, message_ids: Sequence[str]) -> None:
    """Remember the messages that repeated ``complaint`` (its document, not the wire)."""
    seen = list(complaint.document.get("source_messages") or [])
    added = [m for m in message_ids if m not in seen]
    if added:
        complaint.document = {**complaint.document, "source_messages": seen + added}
        complaint.updated_at = utcnow()


# About 300 m of latitude (longitude shrinks towards the poles, not much in Indonesia):
# the box that holds every report within 250 m.
_BOX_DEGREES = 0.003
# The text comparison looks at this many recent reports of the region, newest first.
_TEXT_CANDIDATES = 30


def _same_reporter(a: Any, b: Any) -> bool:
    by_contact = a.reply_to is not None and (a.channel, a.reply_to) == (b.channel, b.reply_to)
    return by_contact or (a.reporter_phone is not None and a.reporter_phone == b.reporter_phone)


def _reported(c: Any, text: str) -> Reported:
    return Reported(
        text=text,
        received_at=c.received_at,
        category=c.category_code,
        region_code=c.region_code,
        lat=c.lat,
        lon=c.lon,
    )


@dataclass(frozen=True)
class ReportFacts:
    """What the duplicate check needs of the complaint being delivered."""

    id: str
    channel: str
    reply_to: str | None
    reporter_phone: str | None
    received_at: datetime
    category_code: str | None
    region_code: str | None
    lat: float | None
    lon: float | None
    description: str


_C = Complaint.__table__.c
# Built once, with parameters (this runs on every delivery): the candidates' columns, not
# whole complaints, since every delivery looks at up to 80 and their documents are the
# bulk of a row.
_CANDIDATE_COLUMNS = (
    _C.id,
    _C.channel,
    _C.reply_to,
    _C.reporter_phone,
    _C.received_at,
    _C.category_code,
    _C.region_code,
    _C.lat,
    _C.lon,
    _C.document["description"].as_string().label("description"),
)
_CANDIDATE_WINDOW = (
    _C.id != bindparam("id"),
    _C.received_at >= bindparam("since"),
    _C.received_at <= bindparam("until"),
)
_NEARBY = (
    select(*_CANDIDATE_COLUMNS)
    .where(
        *_CANDIDATE_WINDOW,
        _C.category_code == bindparam("category"),
        _C.lat.between(bindparam("lat_low"), bindparam("lat_high")),
        _C.lon.between(bindparam("lon_low"), bindparam("lon_high")),
    )
    .order_by(_C.received_at.desc())
    .limit(50)
)
_IN_REGION = (
    select(*_CANDIDATE_COLUMNS)
    .where(*_CANDIDATE_WINDOW, _C.region_code == bindparam("region"))
    .order_by(_C.received_at.desc())
    .limit(_TEXT_CANDIDATES)
)


def earlier_report(session: Session, complaint: ReportFacts) -> str | None:
    """The id of the most recent earlier complaint from someone else that may be the
    same problem: the same category within 250 m, or near-identical text in the same
    region, within 7 days. Asked when the complaint is delivered, once its region is
    known. Two small indexed queries: a bounding box for the place, the region's latest
    few for the text."""
    window = {
        "id": complaint.id,
        "since": complaint.received_at - DUPLICATE_WINDOW,
        "until": complaint.received_at,
    }
    queries: list[tuple[Any, dict[str, Any]]] = []
    if complaint.category_code and complaint.lat is not None and complaint.lon is not None:
        box = {
            "category": complaint.category_code,
            "lat_low": complaint.lat - _BOX_DEGREES,
            "lat_high": complaint.lat + _BOX_DEGREES,
            "lon_low": complaint.lon - _BOX_DEGREES,
            "lon_high": complaint.lon + _BOX_DEGREES,
        }
        queries.append((_NEARBY, window | box))
    if complaint.region_code:
        queries.append((_IN_REGION, window | {"region": complaint.region_code}))
    new = _reported(complaint, complaint.description)
    connection = session.connection()
    for query, params in queries:
        for candidate in connection.execute(query, params):
            if not _same_reporter(candidate, complaint) and near_duplicate(
                new, _reported(candidate, candidate.description or "")
            ):
                return candidate.id
    return None


def find_by_code(session: Session, code: str) -> Complaint | None:
    return session.scalar(select(Complaint).where(Complaint.tracking_code == code))


def timeline(session: Session, complaint_id: str) -> list[dict[str, Any]]:
    events = session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint_id)
        .order_by(ComplaintEvent.created_at, ComplaintEvent.id)
    )
    return [{"status": e.status, "at": e.created_at.isoformat(), "note": e.note} for e in events]


@dataclass(frozen=True)
class PendingCall:
    """What a call's tracking code says before its complaint exists."""

    status: str  # received while it waits for an operator; closed once discarded
    resolution: str | None
    received_at: datetime
    updated_at: datetime


def pending_call(session: Session, code: str) -> PendingCall | None:
    """The call holding ``code`` that has no complaint yet: waiting for review reads as
    received, discarded by an operator as closed and archived."""
    record = session.scalar(select(CallRecord).where(CallRecord.tracking_code == code))
    if record is None or record.status == CallStatus.SUBMITTED:
        return None
    if record.status == CallStatus.DISCARDED:
        return PendingCall(ComplaintStatus.CLOSED, "archived", record.created_at, record.updated_at)
    return PendingCall(ComplaintStatus.RECEIVED, None, record.created_at, record.updated_at)
