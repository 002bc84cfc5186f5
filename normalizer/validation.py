"""Validation of anything that claims to be a complaint, against the published schema."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "complaint-1.schema.json"
# A well-formed time can still be no complaint's: SP4N-LAPOR! began in 2011, and a clock
# may run a little ahead, not a day.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)


@dataclass(frozen=True)
class FieldError:
    """One failing field: a dotted path (``reporter.phone``, ``attachments.0.url``)."""

    field: str
    message: str


@cache
def complaint_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    # imported here: jsonschema and its format checkers are a tenth of a second (and were
    # two with rfc3987-syntax) that every process paid at start for a few API requests
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        complaint_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def validate_complaint(document: Any) -> list[FieldError]:
    """Every way ``document`` fails the complaint schema; empty when it is valid."""
    errors = []
    for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in error.absolute_path) or "$"
        if error.validator == "required":
            # jsonschema reports a missing key on the parent; name the key itself.
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = f"{path}.{missing}" if path != "$" else missing
        errors.append(FieldError(field=path, message=error.message))
    if isinstance(document, dict):
        failed = {e.field for e in errors}
        errors += [
            FieldError(field=name, message=problem)
            for name in ("received_at", "submitted_at", "incident_date")
            if name not in failed and (problem := _implausible(document.get(name)))
        ]
    return errors


def _implausible(value: Any) -> str | None:
    """Why a timestamp cannot be a complaint's; None when it can (or is absent)."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:  # a date (incident_date): its first moment
            moment = datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return f"{value!r} is not a time that can be stored"
    if not EARLIEST <= moment <= datetime.now(UTC) + AHEAD:
        return f"{value!r} is not between 2000-01-01 and a day from now"
    return None
