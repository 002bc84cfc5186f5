"""``lapor-gateway telegram poll``: getUpdates long polling for a bot with no public
URL. Each update goes through the same pipeline as the webhook (same dialog, same
dedup on update_id); the offset is stored after each update, so a restart resumes
where it stopped and a repeat after a crash is recognised as a duplicate."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import select

from channels.base import BadPayload, SendError, Unsupported, WebhookResult
from channels.telegram import TelegramAdapter
from forwarder.sqltypes import utcnow
from gateway.intake import pipeline
from gateway.store.models import ChannelState

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)
OFFSET_KEY = "telegram:offset"


def load_offset(runtime: Runtime) -> int | None:
    with runtime.sessions() as session:
        value = session.scalar(select(ChannelState.value).where(ChannelState.key == OFFSET_KEY))
    return int(value) if value else None


def save_offset(runtime: Runtime, offset: int) -> None:
    with runtime.sessions() as session:
        row = session.get(ChannelState, OFFSET_KEY)
        if row is None:
            session.add(ChannelState(key=OFFSET_KEY, value=str(offset), updated_at=utcnow()))
        else:
            row.value, row.updated_at = str(offset), utcnow()
        session.commit()


def poll_once(runtime: Runtime, adapter: TelegramAdapter, timeout: int) -> int:
    """One getUpdates round; the number of updates taken."""
    updates = adapter.get_updates(load_offset(runtime), timeout)
    for data in updates:
        try:
            message = adapter.parse_update(data)
        except (BadPayload, Unsupported) as exc:
            log.info("telegram update %s ignored: %s", data.get("update_id"), exc)
        else:
            pipeline.handle(runtime, adapter, WebhookResult(messages=[message]))
            if message.ack:
                try:
                    adapter.acknowledge(message.ack)
                except SendError as exc:  # the button spinner stops by itself; go on
                    log.info("could not answer callback %s: %s", message.ack, exc)
        save_offset(runtime, int(data["update_id"]) + 1)
    return len(updates)


def poll(
    runtime: Runtime,
    adapter: TelegramAdapter,
    *,
    timeout: int = 30,
    stop: threading.Event | None = None,
    rounds: int | None = None,
) -> None:

    stop = stop or threading.Event()
    done = 0
    while not stop.is_set() and (rounds is None or done < rounds):
        try:
            poll_once(runtime, adapter, timeout)
        except SendError as exc:
            log.warning("getUpdates failed, trying again: %s", exc)
            stop.wait(exc.retry_after or 5)
        done += 1
