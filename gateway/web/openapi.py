"""The OpenAPI 3.1 document of ``/api/v1``, served at ``/api/v1/openapi.json``.

Built from the schemas the gateway validates with — the complaint's published JSON
Schema file and the call model — so the document cannot drift from the code.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

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
    secured = [{"bearer": []}, {"apiKey": []}]
    unauthorized = _error_response("missing or unknown API key")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lapor-gateway API",
            "version": "1",
            "description": "Intake for call-center systems and regional apps, and the "
            f"status of a complaint for whoever holds its tracking code ({SCHEMA_ID}).",
        },
        "paths": {
            "/api/v1/calls": {
                "post": {
                    "summary": "One call transcript from a call-center system",
                    "operationId": "createCall",
                    "security": secured,
                    "requestBody": _json_body("Call"),
                    "responses": {
                        "201": _created("CallAccepted", "taken; submitted or waiting for review"),
                        "200": _created("CallAccepted", "this call_id was taken before"),
                        "400": _error_response("not a JSON object"),
                        "401": unauthorized,
                        "413": _error_response("body too large"),
                        "422": _error_response("does not match lapor-gateway/call@1"),
                    },
                }
            },
            "/api/v1/complaints": {
                "post": {
                    "summary": "One complaint in the normalized format",
                    "operationId": "createComplaint",
                    "security": secured,
                    "requestBody": _json_body("Complaint"),
                    "responses": {
                        "201": _created("ComplaintAccepted", "stored and queued"),
                        "200": _created("ComplaintAccepted", "this id was stored before"),
                        "400": _error_response("not a JSON object"),
                        "401": unauthorized,
                        "409": _error_response("tracking_code already in use"),
                        "413": _error_response("body too large"),
                        "422": _error_response("does not match lapor-gateway/complaint@1"),
                    },
                }
            },
            "/api/v1/complaints/{tracking_code}": {
                "get": {
                    "summary": "Status and timeline, never the reporter's identity",
                    "operationId": "complaintStatus",
                    "parameters": [
                        {
                            "name": "tracking_code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _created("ComplaintStatus", "the complaint's status"),
                        "404": _error_response("no complaint with that code"),
                        "429": _error_response(
                            "too many lookups from this address (`Retry-After`); requests "
                            "with an API key are not counted"
                        ),
                    },
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
