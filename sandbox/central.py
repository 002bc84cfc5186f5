"""A small Open311 GeoReport v2 server with its own SQLite file: a central system to
try the gateway against (``lapor-gateway sandbox-central``).

It answers like a realtime GeoReport v2 endpoint (``[{"service_request_id": …}]``,
errors as ``[{"code": …, "description": …}]``), honours ``Idempotency-Key`` so a
redelivered complaint maps to the request it already created, and counts every POST
it receives so tests can tell deliveries from duplicates. Statuses go beyond Open311's
open/closed in the FixMyStreet way (``in_progress``, ``action_scheduled``…), set with
``lapor-gateway sandbox-central set-status``.

It takes the reporter's updates too, as FixMyStreet's Open311 extension does
(``POST servicerequestupdates.json``: service_request_id, update_id, status,
updated_datetime, description, …), keeping each once per (request, update_id) and
counting repeats; ``offer_updates=False`` makes it a plain GeoReport v2 server that
answers 404 there. ``require_point=True`` refuses a request without lat/long (400), as
many Open311 servers do although the standard lets ``address_string`` stand alone.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

DEFAULT_SERVICES = {
    "INFRA": "Infrastruktur / Jalan",
    "HEALTH": "Kesehatan",
    "EDU": "Pendidikan",
    "SOCIAL": "Bantuan Sosial",
    "ADMINDUK": "Kependudukan",
    "ENV": "Lingkungan Hidup",
    "ORDER": "Ketertiban Umum",
    "TRANSPORT": "Perhubungan",
    "WATER": "Air Bersih",
    "POWER": "Listrik",
    "PUBLICSVC": "Pelayanan Publik",
    "OTHER": "Lainnya",
}
STATUSES = (
    "open",
    "investigating",
    "action_scheduled",
    "in_progress",
    "closed",
    "fixed",
    "duplicate",
    "not_councils_responsibility",
    "no_further_action",
)
STANDARD = {"open", "closed"}

metadata = MetaData()
requests_table = Table(
    "requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), unique=True),
    Column("service_code", String(50)),
    Column("description", Text),
    Column("fields", JSON),
    Column("status", String(40)),
    Column("status_notes", Text),
    Column("requested_datetime", String(40)),
    Column("updated_datetime", String(40)),
)
updates_table = Table(
    "updates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer),
    Column("status", String(40)),
    Column("description", Text),
    Column("updated_datetime", String(40)),
)
# What reporters said about their requests (POST servicerequestupdates), once each.
citizen_updates_table = Table(
    "citizen_updates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer),
    Column("update_id", String(200)),  # the client's own id for the update
    Column("status", String(40)),
    Column("description", Text),
    Column("fields", JSON),
    Column("updated_datetime", String(40)),
    Column("received_at", String(40)),
    Column("posts", Integer),  # how many times it arrived
    UniqueConstraint("request_id", "update_id", name="uq_citizen_updates_request_update"),
)
UPDATE_STATUSES = frozenset(
    {
        "OPEN",
        "CLOSED",
        "FIXED",
        "IN_PROGRESS",
        "ACTION_SCHEDULED",
        "INVESTIGATING",
        "DUPLICATE",
        "NOT_COUNCILS_RESPONSIBILITY",
        "NO_FURTHER_ACTION",
        "INTERNAL_REFERRAL",
        "REOPEN",
    }
)
posts_table = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200)),
    Column("received_at", String(40)),
)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def open_store(path: str | Path) -> Engine:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    metadata.create_all(engine)
    return engine


def _request_view(row: Mapping[str, Any], services: Mapping[str, str]) -> dict[str, Any]:
    fields = row["fields"] or {}
    status = row["status"]
    return {
        "service_request_id": str(row["id"]),
        "status": status
        if status in STANDARD
        else (
            "closed"
            if status in ("fixed", "duplicate", "not_councils_responsibility", "no_further_action")
            else "open"
        ),
        "extended_status": status,
        "status_notes": row["status_notes"],
        "service_name": services.get(row["service_code"], row["service_code"]),
        "service_code": row["service_code"],
        "description": row["description"],
        "agency_responsible": "Sandbox Central",
        "requested_datetime": row["requested_datetime"],
        "updated_datetime": row["updated_datetime"],
        "address": fields.get("address_string"),
        "lat": float(fields["lat"]) if fields.get("lat") else None,
        "long": float(fields["long"]) if fields.get("long") else None,
        "media_url": fields.get("media_url"),
    }


def create_central_app(
    db_path: str | Path,
    *,
    api_key: str = "",
    delay: float = 0.0,
    services: Mapping[str, str] | None = None,
    offer_updates: bool = True,
    require_point: bool = False,
) -> Flask:
    services = dict(services or DEFAULT_SERVICES)
    engine = open_store(db_path)
    lock = threading.Lock()  # one writer at a time keeps SQLite simple here
    app = Flask(__name__)
    app.extensions["central_engine"] = engine

    def error(status: int, description: str) -> tuple[Response, int]:
        return jsonify([{"code": status, "description": description}]), status

    @app.get("/services.json")
    def list_services() -> Response:
        return jsonify(
            [
                {
                    "service_code": code,
                    "service_name": name,
                    "description": name,
                    "metadata": False,
                    "type": "realtime",
                    "keywords": "",
                    "group": "SP4N-LAPOR!",
                }
                for code, name in services.items()
            ]
        )

    @app.post("/requests.json")
    def post_request() -> tuple[Response, int]:
        form = request.form
        key = request.headers.get("Idempotency-Key") or None
        with lock, engine.begin() as conn:
            conn.execute(insert(posts_table).values(idempotency_key=key, received_at=_now()))
        if delay:
            time.sleep(delay)
        if api_key and form.get("api_key") != api_key:
            return error(403, "api_key is missing or wrong")
        if form.get("service_code") not in services:
            return error(400, f"service_code {form.get('service_code')!r} not found")
        if not (form.get("description") or form.get("media_url")):
            return error(400, "description is required")
        if require_point and not (form.get("lat") and form.get("long")):
            return error(400, "lat and long are required")
        fields = {k: v for k, v in form.items() if k not in ("api_key", "description")}
        now = _now()
        with lock, engine.begin() as conn:
            if key:
                existing = conn.execute(
                    select(requests_table.c.id).where(requests_table.c.idempotency_key == key)
                ).scalar()
                if existing:
                    return jsonify(
                        [
                            {
                                "service_request_id": str(existing),
                                "service_notice": "already received",
                            }
                        ]
                    ), 201
            try:
                new_id = conn.execute(
                    insert(requests_table).values(
                        idempotency_key=key,
                        service_code=form["service_code"],
                        description=form.get("description", ""),
                        fields=fields,
                        status="open",
                        status_notes=None,
                        requested_datetime=now,
                        updated_datetime=now,
                    )
                ).inserted_primary_key[0]
            except IntegrityError:
                return error(409, "conflict")
        return jsonify(
            [
                {
                    "service_request_id": str(new_id),
                    "service_notice": "Laporan diterima oleh sandbox central.",
                    "account_id": None,
                }
            ]
        ), 201

    @app.get("/requests/<request_id>.json")
    def get_request(request_id: str) -> tuple[Response, int]:
        with engine.connect() as conn:
            row = (
                conn.execute(select(requests_table).where(requests_table.c.id == _int(request_id)))
                .mappings()
                .first()
            )
        if row is None:
            return error(404, f"service request {request_id} not found")
        return jsonify([_request_view(row, services)]), 200

    @app.get("/requests.json")
    def list_requests() -> Response:
        ids = [_int(i) for i in request.args.get("service_request_id", "").split(",") if i]
        query = select(requests_table).order_by(requests_table.c.id)
        if ids:
            query = query.where(requests_table.c.id.in_(ids))
        with engine.connect() as conn:
            rows = conn.execute(query.limit(1000)).mappings().all()
        return jsonify([_request_view(r, services) for r in rows])

    @app.post("/servicerequestupdates.json")
    def post_update() -> tuple[Response, int]:
        """FixMyStreet's extension: the reporter's update of a request, kept once per
        (request, update_id); a repeat gets the id the first one got."""
        if not offer_updates:
            return error(404, "not found")
        form = request.form
        if api_key and form.get("api_key") != api_key:
            return error(403, "api_key is missing or wrong")
        missing = [
            k
            for k in ("service_request_id", "update_id", "status", "updated_datetime")
            if not form.get(k)
        ]
        if missing or "description" not in form:
            return error(400, f"required: {', '.join(missing or ['description'])}")
        if form["status"] not in UPDATE_STATUSES:
            return error(400, f"status {form['status']!r} is not one of the extended statuses")
        request_id = _int(form["service_request_id"])
        fields = {k: v for k, v in form.items() if k not in ("api_key", "description")}
        with lock, engine.begin() as conn:
            if (
                conn.execute(
                    select(requests_table.c.id).where(requests_table.c.id == request_id)
                ).scalar()
                is None
            ):
                return error(400, f"service_request_id {form['service_request_id']} not found")
            key = (
                citizen_updates_table.c.request_id == request_id,
                citizen_updates_table.c.update_id == form["update_id"],
            )
            existing = conn.execute(select(citizen_updates_table.c.id).where(*key)).scalar()
            if existing:
                conn.execute(
                    update(citizen_updates_table)
                    .where(*key)
                    .values(posts=citizen_updates_table.c.posts + 1)
                )
                new_id = existing
            else:
                new_id = conn.execute(
                    insert(citizen_updates_table).values(
                        request_id=request_id,
                        update_id=form["update_id"],
                        status=form["status"],
                        description=form["description"],
                        fields=fields,
                        updated_datetime=form["updated_datetime"],
                        received_at=_now(),
                        posts=1,
                    )
                ).inserted_primary_key[0]
        return jsonify([{"update_id": f"U{new_id}"}]), 201

    @app.get("/_sandbox/citizen-updates")
    def citizen_updates() -> Response:
        return jsonify(list_citizen_updates(engine))

    @app.get("/servicerequestupdates.json")
    def list_updates() -> tuple[Response, int]:
        """FixMyStreet's extension: every update between start_date and end_date."""
        if not offer_updates:
            return error(404, "not found")
        try:
            start = _utc(request.args["start_date"])
            end = _utc(request.args["end_date"])
        except (KeyError, ValueError):
            return error(400, "start_date and end_date (ISO 8601) are required")
        with engine.connect() as conn:
            rows = conn.execute(select(updates_table).order_by(updates_table.c.id)).mappings()
            found = [r for r in rows if start <= _utc(r["updated_datetime"]) <= end]
        return jsonify(
            [
                {
                    "update_id": str(r["id"]),
                    "service_request_id": str(r["request_id"]),
                    "status": r["status"],
                    "description": r["description"] or "",
                    "updated_datetime": r["updated_datetime"],
                    "media_url": "",
                }
                for r in found
            ]
        ), 200

    @app.get("/_sandbox/stats")
    def stats() -> Response:
        return jsonify(central_stats(engine))

    return app


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1


def central_stats(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        requests_count = conn.execute(select(func.count()).select_from(requests_table)).scalar()
        posts = conn.execute(select(func.count()).select_from(posts_table)).scalar()
        keys = conn.execute(
            select(func.count(func.distinct(posts_table.c.idempotency_key)))
        ).scalar()
    return {"requests": requests_count or 0, "posts": posts or 0, "distinct_keys": keys or 0}


def list_all(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(requests_table).order_by(requests_table.c.id)).mappings().all()
    return [dict(r) for r in rows]


def list_citizen_updates(engine: Engine) -> list[dict[str, Any]]:
    """The reporters' updates the sandbox received, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(citizen_updates_table).order_by(citizen_updates_table.c.id)
        ).mappings()
        return [{**r, "request_id": str(r["request_id"])} for r in rows]


def set_status(engine: Engine, request_id: int, status: str, note: str | None = None) -> bool:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    now = _now()
    with engine.begin() as conn:
        result = conn.execute(
            update(requests_table)
            .where(requests_table.c.id == request_id)
            .values(status=status, status_notes=note, updated_datetime=now)
        )
        if result.rowcount == 1:
            conn.execute(
                insert(updates_table).values(
                    request_id=request_id, status=status, description=note, updated_datetime=now
                )
            )
    return result.rowcount == 1


def dumps(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False, default=str)
