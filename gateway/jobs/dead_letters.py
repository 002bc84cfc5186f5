"""Dead letters: the jobs that used up their retry budget, read on one line each for
operators, and given a fresh budget when an operator says so."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from forwarder import outbox
from forwarder.sqltypes import utcnow
from gateway.complaints.records import DELIVER_JOB, add_event
from gateway.store.models import Complaint, ComplaintStatus


def dead_letters(session: Session) -> list[outbox.OutboxJob]:
    return list(
        session.scalars(
            select(outbox.OutboxJob)
            .where(outbox.OutboxJob.status == outbox.JobStatus.DEAD)
            .order_by(outbox.OutboxJob.id)
        )
    )


# What forwarder.targets.http puts before an answer: "POST https://host/a/b/c: HTTP 502: …"
_REQUEST = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (https?://\S+?): ")
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")


def _short_url(match: re.Match[str]) -> str:
    """``POST host/…/last-segment: ``: the URL's host and where it led, not all of it
    (a long URL took the whole column, and the status and the answer were cut off)."""
    parts = urlsplit(match.group(2))
    segments = [p for p in parts.path.split("/") if p]
    path = "" if not segments else f"/{segments[0]}" if len(segments) == 1 else f"/…/{segments[-1]}"
    return f"{match.group(1)} {parts.netloc}{path}: "


def error_summary(error: str | None) -> str:
    """A dead letter's reason on one line, whatever the peer answered: an HTML error
    page's tags and scripts dropped, entities decoded, every run of whitespace and every
    control character one space, and the request's URL shortened to its host, so the
    HTTP status and the server's message are always there in full."""
    text = error or ""
    if "<" in text:
        text = html.unescape(_TAG.sub(" ", _SCRIPT.sub(" ", text)))
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(_REQUEST.sub(_short_url, text).split())


def http_status(error: str | None) -> int | None:
    """The HTTP status a dead letter's reason names, if any."""
    found = _HTTP_STATUS.search(error or "")
    return int(found.group(1)) if found else None


def retry_dead_letter(session: Session, job_id: int) -> bool:
    """An operator's retry: the job is due again with a fresh budget, and its complaint
    leaves the failed state."""
    job = session.get(outbox.OutboxJob, job_id)
    if job is None or not outbox.retry_dead(session, job_id):
        return False
    if job.kind == DELIVER_JOB:
        complaint = session.get(Complaint, job.payload.get("complaint_id"))
        if complaint is not None and complaint.status == ComplaintStatus.FAILED:
            complaint.status = ComplaintStatus.QUEUED
            complaint.updated_at = utcnow()
            add_event(session, complaint.id, ComplaintStatus.QUEUED, note="retried by operator")
    return True
