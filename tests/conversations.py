"""Plays the scripted citizen conversations of ``tests/data/conversations`` through the
real gateway: signed Twilio webhooks for SMS and WhatsApp, Telegram updates to the
webhook, the worker delivering to the sandbox Open311 central system and sending
replies to the stand-in Bot and Twilio APIs, status events pushed to
``/api/v1/central/events``. Each reply is read back as the kind of answer it is (the
text it was rendered from), and the complaints the citizen leaves are checked.

Shared by ``tests/gateway/test_conversation_corpus.py`` and ``bench/dialog.py``."""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy import select

from forwarder.sqltypes import utcnow
from forwarder.targets.webhook import sign
from gateway import texts
from gateway.config import load_settings
from gateway.jobs.worker import make_worker
from gateway.runtime import Runtime
from gateway.store.models import (
    Complaint,
    ComplaintEvent,
    ComplaintUpdate,
    Conversation,
    InboundRecord,
)
from gateway.web.app import create_app
from sandbox import telegram_updates
from sandbox.central import create_central_app
from sandbox.citizens import TwilioSender
from sandbox.server import ServerThread
from sandbox.telegram_api import FakeBotAPI
from sandbox.twilio_api import FakeTwilio

CORPUS = Path(__file__).parent / "data" / "conversations"
TWILIO_TOKEN = "test-auth-token"
TWILIO_SID = "AC" + "0" * 32
BOT_TOKEN = "123456:TEST-token_for-the-corpus"
TELEGRAM_SECRET = "corpus-secret"
EVENTS_SECRET = "corpus-events-secret"

# The answers each reply kind of the corpus stands for (gateway.texts keys).
KINDS: dict[str, frozenset[str]] = {
    "ask_complaint": frozenset({"ask_complaint"}),
    "need_more": frozenset({"need_more"}),
    "ask_location": frozenset({"ask_location", "ask_location_again"}),
    "ask_media": frozenset({"ask_media", "send_media_now", "more_description"}),
    "ask_privacy": frozenset({"ask_privacy", "choose_privacy"}),
    "ask_category": frozenset({"ask_category", "choose_category"}),
    "ask_region": frozenset({"ask_region"}),
    "ask_date": frozenset({"ask_date", "ask_date_again"}),
    "summary": frozenset({"summary", "confirm_again"}),
    "submitted": frozenset({"submitted"}),
    "followup_ack": frozenset({"followup_ack"}),
    "feedback_ack": frozenset({"feedback_ack", "feedback_ask"}),
    "reopen_ack": frozenset({"reopen_ack"}),
    "thanks_ack": frozenset({"thanks_ack", "welcome"}),
    "status": frozenset({"status", "status_owner", "status_unknown"}),
    "status_list": frozenset({"status_list"}),
    "status_none": frozenset({"status_none"}),
    "help": frozenset({"help"}),
    "cancelled": frozenset({"cancelled", "nothing_to_cancel"}),
    "not_understood": frozenset({"not_understood"}),
    "service_info": frozenset({"service_info", "service_info_after"}),
    "human": frozenset({"human"}),
    "already_reported": frozenset({"already_reported"}),
    "greeting_open": frozenset({"greeting_open"}),
    "notice": frozenset(
        {"notify_status", "notify_feedback", "notify_submitted", "notify_submitted_link"}
    ),
}
NOTICES = KINDS["notice"]
_MARK = "QQXQQ"


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Each text, in each language and form, as a pattern its rendered replies match."""
    found = []
    for key, entry in texts.TEXTS.items():
        for form in entry:
            lang, _, sms = form.partition(".")
            template = entry[form]
            names = re.findall(r"{(\w+)}", template)
            text = texts.render(key, lang, sms=bool(sms), **dict.fromkeys(names, _MARK))
            pattern = ".*?".join(
                re.escape(part).replace(r"\ ", r"\s*") for part in text.split(_MARK)
            )
            found.append((key, re.compile(pattern + r"(\n\n.*)?", re.DOTALL)))
    # the longest template first: a short one may match a longer text's start
    return sorted(found, key=lambda kp: -len(kp[1].pattern))


_PATTERNS = _patterns()


def text_key(text: str) -> str:
    return next((key for key, p in _PATTERNS if p.fullmatch(text)), "?")


def load_corpus(split: str | None = None) -> list[dict[str, Any]]:
    conversations = []
    for path in sorted(CORPUS.glob("*.yaml")):
        for conv in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if split is None or conv.get("split") == split:
                conversations.append({**conv, "file": path.stem})
    return conversations


@dataclass
class Outcome:
    """What playing one conversation showed."""

    id: str
    channel: str
    tags: list[str]
    failures: list[str] = field(default_factory=list)
    citizen_messages: int = 0
    sms_chars: list[int] = field(default_factory=list)
    # to a complete complaint: messages the citizen sent until the tracking code
    to_code: int | None = None
    pleasantry_complaints: int = 0

    @property
    def held(self) -> bool:
        return not self.failures


class Stage:
    """The gateway, its worker, the stand-in platforms and central system."""

    def __init__(
        self, database_url: str, runtime: Runtime, url: str, bot: FakeBotAPI, twilio: FakeTwilio
    ) -> None:
        self.database_url = database_url
        self.runtime = runtime
        self.url = url
        self.bot = bot
        self.twilio = twilio
        self.twilio_url = ""
        self.central_url = ""
        self.worker = make_worker(runtime, poll_seconds=0.01)
        self._numbers = itertools.count(1)
        self._events = itertools.count(1)

    # -- the citizen -------------------------------------------------------------------
    def play(self, conv: dict[str, Any]) -> Outcome:
        n = next(self._numbers)
        channel = conv["channel"]
        citizen = _Citizen(self, channel, n, conv.get("language", "id"))
        outcome = Outcome(conv["id"], channel, list(conv.get("tags") or []))
        code_seen = False
        for i, turn in enumerate(conv["turns"], 1):
            where = f"turn {i}"
            if "wait_hours" in turn:
                self._age(citizen, float(turn["wait_hours"]))
                continue
            if "central" in turn:
                got = self._central(citizen, turn["central"])
                kinds = [text_key(t) for t in got]
                if not _expected(turn.get("expect", "notice"), kinds, notices=True):
                    outcome.failures.append(
                        f"{where} central: expected {turn.get('expect')}, got {kinds} {got}"
                    )
                continue
            replies = citizen.send(turn)
            outcome.citizen_messages += 1
            direct = [t for t in replies if text_key(t) not in NOTICES]
            if channel == "sms":
                outcome.sms_chars += [len(t) for t in direct]
            kinds = [text_key(t) for t in direct]
            if not code_seen and "submitted" in kinds:
                code_seen = True
                outcome.to_code = outcome.citizen_messages
            if not _expected(turn.get("expect", "any"), kinds, notices=False):
                said = turn.get("say") or {k: v for k, v in turn.items() if k != "expect"}
                outcome.failures.append(
                    f"{where} {said!r}: expected {turn.get('expect')}, got {kinds} {direct}"
                )
        outcome.failures += self._check_complaints(citizen, conv.get("complaints"))
        return outcome

    def drain(self) -> None:
        """Run every job that is due now (deliveries, replies, notices, updates)."""
        for _ in range(20):
            if not self.worker.run_once():
                return

    # -- the central system ------------------------------------------------------------
    def _central(self, citizen: _Citizen, event: dict[str, Any]) -> list[str]:
        complaint = self._complaints(citizen)[-1:]
        if not complaint:
            return ["(no complaint to change)"]
        before = citizen.mark()
        response = self.push_status(
            complaint[0].tracking_code,
            f"corpus-{next(self._events)}",
            **{k: event.get(k) for k in ("status", "resolution", "note", "agency")},
        )
        if response.status_code >= 300:
            return [f"(central event refused: {response.status_code} {response.text[:200]})"]
        return citizen.since(before)

    def push_status(self, code: str, event_id: str, **event: Any) -> requests.Response:
        """A signed status event as the central system pushes it; the worker then runs
        what it queued (the notice to the citizen)."""
        body = json.dumps({"event_id": event_id, "tracking_code": code, **event}).encode()
        signature = sign(EVENTS_SECRET, body)
        response = requests.post(
            f"{self.url}/api/v1/central/events",
            data=body,
            headers={"Content-Type": "application/json", "X-Gateway-Signature": signature},
            timeout=10,
        )
        self.drain()
        return response

    # -- time passing ------------------------------------------------------------------
    def _age(self, citizen: _Citizen, hours: float) -> None:
        shift = timedelta(hours=hours)
        with self.runtime.sessions() as s, s.begin():
            for conv in s.scalars(
                select(Conversation).where(Conversation.sender == citizen.sender)
            ):
                conv.updated_at -= shift
                conv.created_at -= shift
            for c in self._complaints(citizen, s):
                for column in ("received_at", "updated_at", "created_at", "submitted_at"):
                    if (value := getattr(c, column)) is not None:
                        setattr(c, column, value - shift)
                for event in s.scalars(
                    select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)
                ):
                    event.created_at -= shift

    # -- checking ----------------------------------------------------------------------
    def _complaints(self, citizen: _Citizen, session: Any = None) -> list[Complaint]:
        def query(s: Any) -> list[Complaint]:
            return list(
                s.scalars(
                    select(Complaint)
                    .where(Complaint.reply_to == citizen.sender)
                    .order_by(Complaint.received_at, Complaint.created_at)
                )
            )

        if session is not None:
            return query(session)
        with self.runtime.sessions() as s:
            found = query(s)
            s.expunge_all()
            return found

    def _check_complaints(
        self, citizen: _Citizen, expected: list[dict[str, Any]] | None
    ) -> list[str]:
        if expected is None:
            return []
        with self.runtime.sessions() as s:
            found = self._complaints(citizen, s)
            failures = []
            if len(found) != len(expected):
                failures.append(
                    f"complaints: expected {len(expected)}, found {len(found)}: "
                    + "; ".join(repr(c.document.get("description", "")[:80]) for c in found)
                )
            for n, (want, got) in enumerate(zip(expected, found, strict=False), 1):
                updates = list(
                    s.scalars(
                        select(ComplaintUpdate)
                        .where(ComplaintUpdate.complaint_id == got.id)
                        .order_by(ComplaintUpdate.id)
                    )
                )
                failures += [f"complaint {n}: {f}" for f in _compare(want, got, updates)]
            return failures


def _compare(want: dict[str, Any], got: Complaint, updates: list[Any]) -> list[str]:
    doc = got.document
    text = (doc.get("description") or "").lower()
    location = ((doc.get("location") or {}).get("text") or "").lower()
    failures = []
    for part in want.get("description_has") or []:
        if part.lower() not in text:
            failures.append(f"description lacks {part!r}: {text[:200]!r}")
    for part in want.get("description_lacks") or []:
        if part.lower() in text:
            failures.append(f"description has {part!r}: {text[:200]!r}")
    if "location" in want and want["location"] is None and location:
        failures.append(f"location should be empty: {location!r}")
    if (part := want.get("location_has")) and part.lower() not in location:
        failures.append(f"location lacks {part!r}: {location!r}")
    region = (doc.get("location") or {}).get("region_code")
    if "region" in want and region != want["region"]:
        failures.append(f"region {region}, expected {want['region']}")
    if (privacy := want.get("privacy")) and got.privacy != privacy:
        failures.append(f"privacy {got.privacy}, expected {privacy}")
    if (category := want.get("category")) and (doc.get("category") or {}).get("code") != category:
        failures.append(f"category {(doc.get('category') or {}).get('code')}, expected {category}")
    if (days := want.get("incident_days_ago")) is not None:
        filed = date.fromisoformat(doc["received_at"][:10])
        expected = (filed - timedelta(days=int(days))).isoformat()
        if doc.get("incident_date") != expected:
            failures.append(f"incident date {doc.get('incident_date')}, expected {expected}")
    followups = [u for u in updates if u.kind == "followup"]
    if (count := want.get("followups")) is not None and len(followups) != count:
        failures.append(
            f"{len(followups)} follow-ups, expected {count}: {[u.text for u in followups]}"
        )
    for part in want.get("followups_has") or []:
        if not any(part.lower() in (u.text or "").lower() for u in followups):
            failures.append(f"no follow-up has {part!r}")
    if feedback := want.get("feedback"):
        rating = {"satisfied": "satisfied", "not_fixed": "not_satisfied", "text": None}[feedback]
        # free-text feedback may carry a rating when its words give one
        given = [u for u in updates if u.kind in ("feedback", "reopen")]
        if not any(u.rating == rating or (feedback == "text" and u.text) for u in given):
            failures.append(f"feedback {[(u.kind, u.rating) for u in given]}, expected {feedback}")
    if want.get("reopen") and not any(u.kind == "reopen" for u in updates):
        failures.append("no reopen request")
    return failures


def _expected(expect: Any, kinds: list[str], *, notices: bool) -> bool:
    wanted = expect if isinstance(expect, list) else [expect]
    if "any" in wanted:
        return True
    if not kinds:
        return "silent" in wanted
    allowed = set().union(*(KINDS.get(w, frozenset()) for w in wanted))
    # the answer is the last message (a "file received" line may come before it)
    return kinds[-1] in allowed


class _Citizen:
    def __init__(self, stage: Stage, channel: str, n: int, language: str) -> None:
        self.stage = stage
        self.channel = channel
        self.language = "en" if language == "en" else "id"
        number = f"+62812{n:07d}"
        if channel == "telegram":
            self.chat_id = 700000 + n
            self.sender = str(self.chat_id)
        else:
            self.twilio = TwilioSender(
                stage.url, TWILIO_TOKEN, number, whatsapp=channel == "whatsapp"
            )
            self.sender = self.twilio.number
            self.number = number

    def mark(self) -> int:
        if self.channel == "telegram":
            return len(self.stage.bot.sent(chat_id=self.chat_id))
        return len(self._twilio_sent())

    def since(self, mark: int) -> list[str]:
        if self.channel == "telegram":
            return [p["text"] for p in self.stage.bot.sent(chat_id=self.chat_id)[mark:]]
        return [m["body"] for m in self._twilio_sent()[mark:]]

    def _twilio_sent(self) -> list[dict[str, Any]]:
        return [m for m in self.stage.twilio.messages if m.get("to") == self.sender]

    def send(self, turn: dict[str, Any]) -> list[str]:
        before = self.mark()
        replies = self._telegram(turn) if self.channel == "telegram" else self._twilio(turn)
        self.stage.drain()
        return replies + self.since(before)

    def _telegram(self, turn: dict[str, Any]) -> list[str]:
        if "say" in turn:
            update_ = telegram_updates.text(self.chat_id, str(turn["say"]), self.language)
        elif "share_location" in turn:
            where = turn["share_location"]
            update_ = telegram_updates.location(self.chat_id, where["lat"], where["lon"])
        elif turn.get("photo"):
            file_id = self.stage.bot.add_file(_JPEG, f"photos/file_{self.chat_id}.jpg")
            update_ = telegram_updates.photo(self.chat_id, file_id, len(_JPEG))
        else:
            raise ValueError(f"turn {turn}")
        response = self.stage.bot.post_webhook(
            f"{self.stage.url}/webhooks/telegram", TELEGRAM_SECRET, update_
        )
        assert response.status_code == 200, response.text
        return []

    def _twilio(self, turn: dict[str, Any]) -> list[str]:
        extra: dict[str, str] = {}
        body = str(turn.get("say", ""))
        if "share_location" in turn:
            where = turn["share_location"]
            extra = {"Latitude": str(where["lat"]), "Longitude": str(where["lon"])}
        elif turn.get("photo"):
            extra = {
                "NumMedia": "1",
                "MediaUrl0": f"{self.stage.twilio_url}/2010-04-01/Accounts/{TWILIO_SID}/"
                f"Messages/MM{'0' * 32}/Media/ME{'1' * 32}",
                "MediaContentType0": "image/jpeg",
            }
        return self.twilio.say(body, **extra)


# The smallest JPEG a photo test needs: the magic bytes and an end marker.
_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


@contextmanager
def stage(database_url: str | None = None) -> Iterator[Stage]:
    """Everything the corpus talks to, on loopback ports; SQLite in a temporary folder
    unless ``database_url`` names a (migrated, empty) database."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if database_url is None:
            from gateway.store.db import upgrade

            database_url = f"sqlite:///{folder / 'gateway.sqlite'}"
            upgrade(database_url)
        central = stack.enter_context(ServerThread(create_central_app(folder / "central.sqlite")))
        bot = FakeBotAPI(BOT_TOKEN)
        bot_server = stack.enter_context(ServerThread(bot.app))
        twilio = FakeTwilio(TWILIO_TOKEN, callbacks=False)
        twilio_server = stack.enter_context(ServerThread(twilio.app))
        from tests.conftest import free_port

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings = load_settings(
            database_url=database_url,
            instance_path=folder / "instance",
            public_url=url,
            twilio_account_sid=TWILIO_SID,
            twilio_auth_token=TWILIO_TOKEN,
            twilio_sms_from="+62215550100",
            twilio_whatsapp_from="whatsapp:+62215550100",
            twilio_api_url=twilio_server.url,
            telegram_bot_token=BOT_TOKEN,
            telegram_secret_token=TELEGRAM_SECRET,
            telegram_api_url=bot_server.url,
            # the scripted citizens write the moment they are answered, ten messages in a
            # few seconds: Telegram's per-chat pacing is for people, not for them
            telegram_chat_send_limit="1000 per 1 second",
            forward_target="open311",
            forward_url=central.url,
            central_events_secret=EVENTS_SECRET,
            replies_sent_by="workers",
            status_poll_seconds=0,
            forward_backoff_base_seconds=0.01,
            forward_backoff_max_seconds=0.05,
            flood_messages_per_minute=0,
        )
        app = create_app(settings)
        runtime: Runtime = app.extensions["lapor"]
        stack.callback(runtime.close)
        stack.enter_context(ServerThread(app, port=port))
        played = Stage(database_url, runtime, url, bot, twilio)
        played.twilio_url = twilio_server.url
        played.central_url = central.url
        yield played


@contextmanager
def stage_on(backend: str, request: Any) -> Iterator[Stage]:
    """A stage on ``backend`` ("sqlite": a new file; "postgresql": the migrated test
    database of tests/conftest.py, emptied), for a fixture's ``request``."""
    if backend != "postgresql":
        with stage() as played:
            yield played
        return
    from sqlalchemy import create_engine, text

    from tests.conftest import TABLES

    url = request.getfixturevalue("pg_schema")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)}, complaint_updates CASCADE"))
    engine.dispose()
    with stage(url) as played:
        yield played


def today() -> date:
    return utcnow().date()


__all__ = ["Outcome", "Stage", "load_corpus", "stage", "text_key", "InboundRecord"]
