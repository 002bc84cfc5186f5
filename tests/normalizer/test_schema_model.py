"""The complaint format is written twice — the published JSON Schema file that intake
validates with, and the pydantic model the code builds with — so they are held equal:
the same fields at every level, the same required ones, the same enumerations."""

from __future__ import annotations

import json
from typing import Any

from normalizer.complaint import Complaint
from normalizer.validation import SCHEMA_FILE


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf"):
        for alternative in node.get(key, ()):
            if alternative.get("type") != "null":
                return _resolve(alternative, root)
    return node


def _shape(node: dict[str, Any], root: dict[str, Any]) -> Any:
    """What both must agree on: field names, required names, enumerations (null, which
    the file lists for an optional enum, is the model's None), recursively."""
    node = _resolve(node, root)
    if "properties" in node:
        return {
            "required": sorted(node.get("required", [])),
            "fields": {k: _shape(v, root) for k, v in node["properties"].items()},
        }
    if node.get("type") == "array" and "items" in node:
        return [_shape(node["items"], root)]
    if "enum" in node:
        return sorted(v for v in node["enum"] if v is not None)
    return None


def test_the_schema_file_and_the_model_describe_the_same_complaint():
    model = Complaint.model_json_schema()
    published = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert _shape(published, published) == _shape(model, model)


def test_the_comparison_sees_a_difference():
    published = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    changed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    changed["properties"]["channel"]["enum"].append("pigeon")
    assert _shape(changed, changed) != _shape(published, published)
