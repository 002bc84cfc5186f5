"""The OpenAPI 3.1 document of ``/api/v1``, served at ``/api/v1/openapi.json``.

Built from a table of operations (every route of the ``/api/v1`` blueprint has one; a test
fails otherwise) and the schemas the gateway validates with — the complaint's published
JSON Schema file, the call model, the status events' limits — so it cannot drift from
the code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from gateway.complaints.status import CentralEventBody
from gateway.store.models import CallStatus
from normalizer.calls import Call, ReviewReason
from normalizer.complaint import SCHEMA_ID
from normalizer.validation import SCHEMA_FILE

COMPONENTS = "#/components/schemas/"


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": COMPONENTS + schema}}}


def _json_body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": _json(schema)}


def _created(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": _json(schema)}


def _error_response(description: str) -> dict[str, Any]:
    return _created("Error", description)


SECURED = [{"bearer": []}, {"apiKey": []}]
UNAUTHORIZED = _error_response("missing or unknown API key")
TRACKING_CODE = {
    "name": "tracking_code",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}


@dataclass(frozen=True)
class Operation:
    """One ``/api/v1`` operation: its Flask rule and method, and what the document says.
    Every route of the blueprint must have one (tests/gateway/test_api.py)."""

    method: str
    rule: str
    operation_id: str
    summary: str
    responses: dict[str, dict[str, Any]]
    body: str | None = None
    security: list[dict[str, list[str]]] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"summary": self.summary, "operationId": self.operation_id}
        if self.security:
            doc["security"] = self.security
        if self.parameters:
            doc["parameters"] = self.parameters
        if self.body:
            doc["requestBody"] = _json_body(self.body)
        doc["responses"] = self.responses
        return doc


OPERATIONS = (
    Operation(
        "post",
        "/api/v1/calls",
        "createCall",
        "One call transcript from a call-center system",
        body="Call",
        security=SECURED,
        responses={
            "201": _created("CallAccepted", "taken; submitted or waiting for review"),
            "200": _created("CallAccepted", "this call_id was taken before"),
            "400": _error_response("not a JSON object"),
            "401": UNAUTHORIZED,
            "413": _error_response("body too large"),
            "422": _error_response("does not match lapor-gateway/call@1"),
        },
    ),
    Operation(
        "post",
        "/api/v1/complaints",
        "createComplaint",
        "One complaint in the normalized format",
        body="Complaint",
        security=SECURED,
        responses={
            "201": _created("ComplaintAccepted", "stored and queued"),
            "200": _created("ComplaintAccepted", "this id was stored before"),
            "400": _error_response("not a JSON object"),
            "401": UNAUTHORIZED,
            "409": _error_response("tracking_code already in use"),
            "413": _error_response("body too large"),
            "422": _error_response("does not match lapor-gateway/complaint@1"),
        },
    ),
    Operation(
        "get",
        "/api/v1/complaints/<tracking_code>",
        "complaintStatus",
        "Status and timeline, never the reporter's identity",
        parameters=[TRACKING_CODE],
        responses={
            "200": _created("ComplaintStatus", "the complaint's status"),
            "404": _error_response("no complaint with that code"),
            "429": _error_response(
                "too many lookups from this address (`Retry-After`); requests with an API "
                "key are not counted"
            ),
        },
    ),
    Operation(
        "post",
        "/api/v1/central/events",
        "centralEvents",
        "Status events pushed by a central system, signed `X-Gateway-Signature: "
        "sha256=<hex HMAC-SHA256 of the body>` with GATEWAY_CENTRAL_EVENTS_SECRET",
        body="CentralEvents",
        parameters=[
            {
                "name": "X-Gateway-Signature",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
            }
        ],
        responses={
            "200": _created("EventsRecorded", "each event recorded once"),
            "400": _error_response("not JSON, or no events"),
            "403": _error_response("signature check failed"),
            "409": _error_response("an event cannot follow its complaint's status"),
            "413": _error_response("body too large"),
            "422": _error_response("invalid events; nothing was recorded"),
        },
    ),
    Operation(
        "get",
        "/api/v1/openapi.json",
        "openapi",
        "This document",
        responses={"200": {"description": "the OpenAPI 3.1 document"}},
    ),
)


def central_event_schema() -> dict[str, Any]:
    """One status event: the JSON Schema of the model the gateway reads it with."""
    schema = CentralEventBody.model_json_schema()
    schema["description"] = "tracking_code or central_id names the complaint"
    return schema


@cache
def openapi_document() -> dict[str, Any]:
    call = Call.model_json_schema(ref_template=COMPONENTS + "{model}")
    schemas: dict[str, Any] = call.pop("$defs", {})
    schemas["Call"] = call
    complaint = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    complaint.pop("$schema", None)
    complaint.pop("$id", None)
    # Left out, the gateway fills them in; the schema file describes the stored document.
    complaint["required"] = [
        f
        for f in complaint["required"]
        if f not in ("id", "tracking_code", "channel", "received_at")
    ]
    schemas["Complaint"] = complaint
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }
    schemas["CallAccepted"] = {
        "type": "object",
        "required": ["call_id", "status", "tracking_code", "review_reasons"],
        "properties": {
            "call_id": {"type": "string"},
            "status": {"enum": [str(s) for s in CallStatus]},
            "tracking_code": {"type": "string", "pattern": "^LPR-[0-9A-HJKMNP-TV-Z]{8}$"},
            "review_reasons": {
                "type": "array",
                "items": {"enum": [str(r) for r in ReviewReason]},
            },
            "links": {"type": "object"},
        },
    }
    schemas["ComplaintAccepted"] = {
        "type": "object",
        "required": ["id", "tracking_code", "status"],
        "properties": {
            "id": {"type": "string"},
            "tracking_code": {"type": "string"},
            "status": {"type": "string"},
            "links": {"type": "object"},
        },
    }
    schemas["ComplaintStatus"] = {
        "type": "object",
        "required": ["tracking_code", "status", "timeline"],
        "properties": {
            "tracking_code": {"type": "string"},
            "status": {"type": "string"},
            "resolution": {"type": ["string", "null"]},
            "timeline": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"status": {"type": "string"}, "at": {"type": "string"}},
                },
            },
            "updates": {
                "description": "what the reporter said after filing, without its text",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"enum": ["followup", "feedback", "reopen"]},
                        "at": {"type": "string"},
                    },
                },
            },
        },
    }
    schemas["CentralEvent"] = central_event_schema()
    schemas["CentralEvents"] = {
        "oneOf": [
            {"$ref": COMPONENTS + "CentralEvent"},
            {"type": "array", "minItems": 1, "items": {"$ref": COMPONENTS + "CentralEvent"}},
            {
                "type": "object",
                "required": ["events"],
                "properties": {
                    "events": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"$ref": COMPONENTS + "CentralEvent"},
                    }
                },
            },
        ]
    }
    schemas["EventsRecorded"] = {
        "type": "object",
        "required": ["recorded", "duplicates", "unknown"],
        "properties": {k: {"type": "integer"} for k in ("recorded", "duplicates", "unknown")},
    }
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = op.document()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lapor-gateway API",
            "version": "1",
            "description": "Intake for call-center systems and regional apps, the status of "
            "a complaint for whoever holds its tracking code, and status events pushed by "
            f"a central system ({SCHEMA_ID}).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
