"""Twilio error 21610 (the recipient replied STOP) marks the contact as opted out, as
Telegram's 403 and Meta's 551 do: nothing more is sent until the citizen writes again.
The real twilio client against the stand-in Twilio API over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from werkzeug.wrappers import Response

from forwarder.outbox import JobStatus, OutboxJob
from gateway.complaints.messages import queue_outbound
from gateway.complaints.records import SEND_JOB
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import Conversation, OutboundMessage
from sandbox.citizens import TwilioSender
from sandbox.server import ServerThread
from sandbox.twilio_api import FakeTwilio
from tests.conftest import TWILIO_TOKEN

NUMBER = "+6281234567001"


class OptedOut:
    """WSGI middleware before the stand-in Twilio: while ``stopped``, sending to the
    number answers as Twilio does for a recipient who replied STOP."""

    def __init__(self, inner: Callable[..., Any]) -> None:
        self.inner = inner
        self.stopped = True
        self.refused = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.stopped and environ["REQUEST_METHOD"] == "POST":
            self.refused += 1
            body = {
                "code": 21610,
                "message": "Attempt to send to unsubscribed recipient",
                "more_info": "https://www.twilio.com/docs/errors/21610",
                "status": 400,
            }
            return Response(json.dumps(body), status=400, content_type="application/json")(
                environ, start_response
            )
        return self.inner(environ, start_response)


def notify(runtime: Runtime, key: str) -> None:
    with runtime.sessions() as s:
        message = OutboundMessage(channel="sms", recipient=NUMBER, text=f"Status {key}")
        queue_outbound(s, runtime, message, key)
        s.commit()


def test_twilio_21610_opts_the_citizen_out_until_they_write_again(make_settings, live_gateway):
    url, _ = live_gateway
    fake = FakeTwilio(TWILIO_TOKEN)
    gate = OptedOut(fake.app)
    with ServerThread(gate) as twilio:
        citizen = TwilioSender(url, TWILIO_TOKEN, NUMBER)
        assert citizen.say("halo")  # the conversation exists
        runtime = Runtime(make_settings(twilio_api_url=twilio.url))
        worker = make_worker(runtime, poll_seconds=0.02)
        notify(runtime, "notify:first")
        worker.run(max_idle_polls=2)
        with runtime.sessions() as s:
            [job] = s.scalars(select(OutboxJob).where(OutboxJob.kind == SEND_JOB)).all()
            conversation = s.scalars(select(Conversation)).one()
            message = s.scalars(select(OutboundMessage)).one()
        # one try, no retries against an opted-out number; the contact is marked
        assert job.status == JobStatus.DEAD and job.attempts == 1 and gate.refused == 1
        assert conversation.blocked_at is not None
        assert message.status == "failed" and "21610" in message.error
        # what is queued for them meanwhile is not even tried
        notify(runtime, "notify:second")
        worker.run(max_idle_polls=2)
        assert gate.refused == 1 and fake.messages == []
        # they write again (START): answered, and sent to once more
        gate.stopped = False
        assert citizen.say("START")
        with runtime.sessions() as s:
            assert s.scalars(select(Conversation)).one().blocked_at is None
        notify(runtime, "notify:third")
        worker.run(max_idle_polls=2)
    assert [m["body"] for m in fake.messages] == ["Status notify:third"]
    runtime.close()
