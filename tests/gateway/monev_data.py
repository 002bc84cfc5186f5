"""A small, hand-checked month of complaints for the monev dashboard tests, made through
the real paths: the API stores them, a worker delivers them to the sandbox central, and
signed status events (with their times and agencies) move them along."""

from __future__ import annotations

from typing import Any

from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.web.app import create_app
from tests.gateway.test_central_events import SECRET, push

KEY = {"Authorization": "Bearer key-one"}
# (channel, category, received, [(status, at, agency)])
DATASET: list[tuple[str, str, str, list[tuple[str, str, str | None]]]] = [
    (
        "sms",
        "infrastruktur",
        "2026-11-02T09:00:00+07:00",
        [
            ("dispositioned", "2026-11-03T09:00:00+07:00", "Dinas PUPR"),
            ("in_progress", "2026-11-05T09:00:00+07:00", None),  # 3.0 days after receipt
            ("closed", "2026-11-10T09:00:00+07:00", None),
        ],
    ),
    (
        "sms",
        "kesehatan",
        "2026-11-03T09:00:00+07:00",
        [
            ("dispositioned", "2026-11-04T09:00:00+07:00", "Dinas Kesehatan"),
            ("in_progress", "2026-11-09T09:00:00+07:00", None),  # 6.0 days
        ],
    ),
    (
        "whatsapp",
        "infrastruktur",
        "2026-11-04T09:00:00+07:00",
        # follow-up due 12 November, never came: overdue
        [("dispositioned", "2026-11-05T09:00:00+07:00", None)],
    ),
    # never forwarded, due 10 November: overdue
    ("telegram", "lainnya", "2026-11-05T09:00:00+07:00", []),
    # outside the period
    ("sms", "infrastruktur", "2026-10-01T09:00:00+07:00", []),
]
LABELS = {"infrastruktur": "Infrastruktur / Jalan", "kesehatan": "Kesehatan", "lainnya": "Lainnya"}


def seed(make_settings: Any, central_url: str) -> list[str]:
    """The dataset in the database of ``make_settings``; the tracking codes."""
    app = create_app(
        make_settings(central_events_secret=SECRET, forward_url=central_url, status_poll_seconds=0)
    )
    client = app.test_client()
    codes = []
    for n, (channel, category, received, _) in enumerate(DATASET):
        doc = {
            "channel": channel,
            "received_at": received,
            "reporter": {"privacy": "confidential"},
            "title": f"Aduan {n}",
            "description": f"Aduan nomor {n} untuk uji monev.",
            "category": {"code": category, "label": LABELS[category], "confidence": 1.0},
        }
        codes.append(client.post("/api/v1/complaints", json=doc, headers=KEY).json["tracking_code"])
    worker = Runtime(app.extensions["lapor"].settings)
    make_worker(worker, poll_seconds=0.01).run(max_idle_polls=1)
    worker.close()
    for n, (code, (*_, events)) in enumerate(zip(codes, DATASET, strict=True)):
        for i, (status, at, agency) in enumerate(events):
            event = {"event_id": f"{n}-{i}", "tracking_code": code, "status": status}
            event |= {"occurred_at": at, **({"agency": agency} if agency else {})}
            if status == "closed":
                event["resolution"] = "resolved"
            assert push(client, event).json["recorded"] == 1
    app.extensions["lapor"].close()
    return codes
