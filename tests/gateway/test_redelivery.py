"""Every channel redelivers: a provider that timed out on us, or that sends at least
once, posts the same event again, and not in order. Each of three messages from one
citizen delivered three times, shuffled: stored once each, answered once each."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from gateway.store.models import InboundRecord
from sandbox import social_events as ev
from sandbox import telegram_updates as tg
from sandbox.citizens import TwilioSender, twiml_messages
from tests.conftest import TWILIO_TOKEN
from tests.gateway.test_social_channels import social  # noqa: F401 - fixture
from tests.gateway.test_telegram_bot import CHAT, bot_api, telegram  # noqa: F401 - fixtures

# The first arrivals already out of order (the complaint before the greeting), then
# every message twice more in between.
ORDER = [1, 0, 2, 0, 1, 2, 2, 0, 1]
TEXTS = ["halo", "Jalan di depan SD Negeri 3 berlubang besar sejak tiga bulan", "LEWATI"]


def stored(runtime) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(InboundRecord))


def settle(count, expected: int, timeout: float = 5.0) -> int:
    """The count once it reached ``expected``, and stayed there a moment longer (a late
    extra answer would show)."""
    deadline = time.monotonic() + timeout
    while count() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    return count()


def test_sms_and_whatsapp_via_twilio(live_gateway):
    url, runtime = live_gateway
    for whatsapp in (False, True):
        citizen = TwilioSender(url, TWILIO_TOKEN, "+6281234500061", whatsapp=whatsapp)
        forms = [citizen.form(text) for text in TEXTS]
        answers = []
        for n in ORDER:
            response = citizen.post(forms[n])
            assert response.status_code == 200
            answers += twiml_messages(response.text)
        assert len(answers) == 3, answers  # one per message; a repeat gets empty TwiML
    assert stored(runtime) == 6


def test_telegram(telegram):  # noqa: F811
    updates = [tg.text(CHAT, text) for text in TEXTS]
    for n in ORDER:
        assert telegram.post(updates[n]).status_code == 200
    assert settle(lambda: len(telegram.api.sent(chat_id=CHAT)), 3) == 3
    assert stored(telegram.runtime) == 3


def test_messenger_instagram_and_whatsapp_cloud(social):  # noqa: F811
    events = [
        [ev.messenger("3100", text) for text in TEXTS],
        [ev.messenger("3200", text, instagram=True) for text in TEXTS],
        [ev.whatsapp("6281234500062", body=text) for text in TEXTS],
    ]
    for channel in events:
        for n in ORDER:
            assert social.meta(channel[n]).status_code == 200
    assert settle(lambda: len(social.graph.sent()), 9) == 9
    assert stored(social.runtime) == 9


def test_x_direct_messages(social):  # noqa: F811
    dms = [ev.x_dm("4100", text) for text in TEXTS]
    for n in ORDER:
        assert social.tweet(dms[n]).status_code == 200
    assert settle(lambda: len(social.x.dms), 3) == 3
    assert stored(social.runtime) == 3
