"""Issue 17, item 5: six 3,960-character Telegram messages made every later KIRIM a 500
(the draft outgrew the complaint format), nothing was stored and Telegram redelivered
forever. The draft is capped, the citizen told kindly, and KIRIM files the complaint.
(The same messages against the dialog before this test: KIRIM answered 500, nothing
stored.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from gateway.conversation.draft import DESCRIPTION_MAX
from gateway.store.models import Complaint
from sandbox import telegram_updates as updates
from tests.conftest import BACKENDS
from tests.conversations import TELEGRAM_SECRET, Stage, stage_on

CHAT = 880001


@pytest.fixture(params=BACKENDS)
def played(request: pytest.FixtureRequest) -> Iterator[Stage]:
    with stage_on(request.param, request) as s:
        yield s


def send(played: Stage, value: str) -> list[str]:
    before = len(played.bot.sent(chat_id=CHAT))
    answer = played.bot.post_webhook(
        f"{played.url}/webhooks/telegram", TELEGRAM_SECRET, updates.text(CHAT, value)
    )
    assert answer.status_code == 200, answer.text
    played.drain()
    return [m["text"] for m in played.bot.sent(chat_id=CHAT)[before:]]


def test_six_long_messages_then_kirim_files_one_capped_complaint(played: Stage) -> None:
    paragraph = "Jalan di depan pasar Cibiru berlubang dan tergenang sejak kemarin. " * 58
    chunk = paragraph[:3960]
    send(played, chunk)
    send(played, "LEWATI")  # no place: the rest is taken as more of the complaint
    told = []
    for _ in range(5):  # 23,000 characters in all: past the complaint format's 20,000
        told += send(played, chunk)
    assert any("sangat panjang" in t for t in told)  # told once it is full
    done = send(played, "KIRIM")
    assert any("LPR-" in t for t in done), done
    with played.runtime.sessions() as s:
        [complaint] = s.scalars(select(Complaint)).all()
        assert len(complaint.document["description"]) <= DESCRIPTION_MAX
        assert complaint.document["description"].startswith("Jalan di depan pasar Cibiru")
