"""The intake dialog, one for every conversational channel.

Steps (SPEC "The intake dialog"): complaint text → location → photo/document →
privacy → summary → KIRIM. Keywords work at any step. The state lives in the
``conversations`` row the caller has locked, so any web process can take the next
message. SMS skips the photo step (feature phones) and gets short GSM-7 texts; an SMS
of the form ``LAPOR <text> [LOKASI <place>]`` is submitted at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway import complaints, texts
from gateway.models import DialogStep
from normalizer.categories import FALLBACK_CODE, chosen_category, guess_category, load_taxonomy
from normalizer.complaint import Category, Channel, Privacy
from normalizer.language import complaint_language, detect_language, is_gibberish
from normalizer.message import Choice, InboundMessage, MediaRef, Reply
from normalizer.region import twin_question
from normalizer.tracking import normalize_tracking_code

# keyword → (meaning, the language it tells us the citizen writes)
KEYWORDS: dict[str, tuple[str, str | None]] = {
    "BATAL": ("cancel", "id"),
    "CANCEL": ("cancel", "en"),
    "LEWATI": ("skip", "id"),
    "SKIP": ("skip", "en"),
    "KIRIM": ("send", "id"),
    "YA": ("send", "id"),
    "SEND": ("send", "en"),
    "YES": ("send", "en"),
    "BANTUAN": ("help", "id"),
    "HELP": ("help", "en"),
    "/START": ("greeting", None),
    "/LAPOR": ("greeting", None),
    "LAPOR": ("greeting", None),
    "HALO": ("greeting", "id"),
    "HALLO": ("greeting", "id"),
    "HAI": ("greeting", "id"),
    "PAGI": ("greeting", "id"),
    "SIANG": ("greeting", "id"),
    "SORE": ("greeting", "id"),
    "MALAM": ("greeting", "id"),
    "SELAMAT PAGI": ("greeting", "id"),
    "SELAMAT SIANG": ("greeting", "id"),
    "SELAMAT SORE": ("greeting", "id"),
    "SELAMAT MALAM": ("greeting", "id"),
    "ASSALAMUALAIKUM": ("greeting", "id"),
    "HELLO": ("greeting", "en"),
    "HI": ("greeting", "en"),
    "GOOD MORNING": ("greeting", "en"),
    "/BATAL": ("cancel", "id"),
    "/CANCEL": ("cancel", "en"),
    "/BANTUAN": ("help", "id"),
    "/HELP": ("help", "en"),
}
PRIVACY_WORDS: dict[str, tuple[Privacy, str | None]] = {
    "1": (Privacy.PUBLIC, None),
    "2": (Privacy.CONFIDENTIAL, None),
    "3": (Privacy.ANONYMOUS, None),
    "PUBLIK": (Privacy.PUBLIC, "id"),
    "RAHASIA": (Privacy.CONFIDENTIAL, "id"),
    "ANONIM": (Privacy.ANONYMOUS, "id"),
    "PUBLIC": (Privacy.PUBLIC, "en"),
    "CONFIDENTIAL": (Privacy.CONFIDENTIAL, "en"),
    "ANONYMOUS": (Privacy.ANONYMOUS, "en"),
}
_STATUS = re.compile(r"^\s*/?(?:STATUS|CEK)\b[\s:]*(.*)$", re.IGNORECASE | re.DOTALL)
_ONE_SHOT = re.compile(
    r"^\s*LAPOR\b[\s:]*"
    r"(?:(?P<privacy>PUBLIK|RAHASIA|ANONIM|PUBLIC|CONFIDENTIAL|ANONYMOUS)\b[\s:]*)?"
    r"(?P<body>.+?)(?:\s+LOKASI\b[\s:]*(?P<place>.+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_LAPOR_PREFIX = re.compile(r"^\s*/?LAPOR\b[\s:]*", re.IGNORECASE)
_TRAILING = re.compile(r"[\s.!?,]+$")
MIN_COMPLAINT_CHARS = 15
# KOTA / KABUPATEN, and the ways people write them, for a twin place name.
REGION_ANSWERS = {
    "KOTA": "kota",
    "CITY": "kota",
    "KABUPATEN": "kabupaten",
    "KAB": "kabupaten",
    "REGENCY": "kabupaten",
}
# An answer to "which category?" that names none is asked about once more, then taken as
# more of the complaint.
CATEGORY_ASKS = 2
# Where the conversation row keeps its message count for the flood limit.
RATE_KEY = "_rate"
# Timeline lines a chat channel shows after STATUS (an SMS shows the status alone).
TIMELINE_LINES = 6
SUMMARY_CHARS = 500


@dataclass
class ConversationState:
    """One citizen's dialog state as the ``conversations`` row holds it."""

    id: int
    step: str
    language: str
    draft: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class DialogConfig:
    default_privacy: str = Privacy.CONFIDENTIAL
    default_language: str = "id"
    timeout_hours: float = 48
    max_attempts: int = 10
    # Where files the gateway keeps are served ("<public url>/media/").
    media_base_url: str = "/media/"
    # Messages a citizen may send in a minute before the dialog stops answering (0: off).
    flood_per_minute: int = 20
    # The same reporter sending the same complaint within this window gets its code again.
    duplicate_window_hours: float = 72


def keyword(text: str) -> tuple[str, str | None] | None:
    return KEYWORDS.get(_TRAILING.sub("", text.strip()).upper())


class Dialog:
    """Handles one inbound message for one locked conversation; returns the replies."""

    def __init__(self, session: Session, config: DialogConfig) -> None:
        self.session = session
        self.config = config

    # -- entry point -------------------------------------------------------------
    def handle(self, conv: ConversationState, msg: InboundMessage) -> list[Reply]:
        now = utcnow()
        if conv.step != DialogStep.IDLE and now - conv.updated_at > timedelta(
            hours=self.config.timeout_hours
        ):
            self._reset(conv)  # a draft left for days is stale; start over
        self.sms = msg.channel == Channel.SMS
        self.lang = conv.language
        if (flooded := self._flood_check(conv, now)) is not None:
            return flooded
        text = msg.text.strip()
        kw = keyword(text) if text else None
        self._update_language(conv, msg, text, kw)
        draft: dict[str, Any] = dict(conv.draft or {})
        draft.setdefault("messages", [])
        draft.setdefault("started_at", (msg.received_at or now).isoformat())
        draft["messages"] = [*draft["messages"], msg.external_id]
        conv.updated_at = now
        self.lang = conv.language

        if msg.public:
            return [self._public_mention(conv, draft, text)]
        if status := _STATUS.match(text):
            return [self._status_reply(status.group(1), msg)]
        meaning = kw[0] if kw else None
        if meaning == "help":
            return [self._say("help")]
        if meaning == "cancel":
            had_draft = conv.step != DialogStep.IDLE
            self._reset(conv)
            return [self._say("cancelled" if had_draft else "nothing_to_cancel")]
        if self.sms and meaning is None and (one_shot := _ONE_SHOT.match(text)):
            return self._one_shot(conv, msg, one_shot)

        step = DialogStep(conv.step)
        replies: list[Reply] = []
        if msg.unsupported:
            replies.append(
                self._say(
                    "unsupported_" + ("large_file" if msg.unsupported == "large_file" else "kind")
                )
            )
            if not (text or msg.location or msg.media):
                conv.draft = draft
                return replies
        if msg.location:
            draft.update(lat=msg.location.lat, lon=msg.location.lon, location_done=True)
            if msg.location.text:
                draft["location_text"] = msg.location.text
        if msg.media:
            draft["media"] = [*draft.get("media", []), *(_media_dict(m) for m in msg.media)]
            if step in (DialogStep.PRIVACY, DialogStep.CONFIRM):
                replies.append(self._say("media_added", count=str(len(draft["media"]))))

        if (asked := draft.pop("category_question", 0)) and not msg.location:
            picked = chosen_category(text) if text and not meaning else None
            if picked is not None or meaning == "skip":
                if picked is not None:
                    draft["category"] = [picked.code, picked.label]
                conv.draft = draft
                conv.step = _next_step(draft, self.sms)
                return [*replies, self._prompt(DialogStep(conv.step), draft)]
            if not meaning and asked < CATEGORY_ASKS:
                draft["category_question"] = asked + 1
                conv.draft = draft
                return [*replies, self._say("choose_category", choices=(Choice.SKIP,))]
            # asked enough: the answer is more of the complaint (or a keyword) after all
        if (question := draft.pop("region_question", None)) and text:
            picked = REGION_ANSWERS.get(_TRAILING.sub("", text).upper())
            if picked is not None:
                draft["region"] = question[picked]
                conv.draft = draft
                conv.step = _next_step(draft, self.sms)
                return [*replies, self._prompt(DialogStep(conv.step), draft)]
        if meaning == "send":
            if draft.get("description"):
                return [self._submit(conv, draft, msg)]
            conv.draft, conv.step = draft, DialogStep.DESCRIPTION
            return [self._say("ask_complaint")]
        if meaning == "skip":
            if step == DialogStep.LOCATION:
                draft["location_done"] = True
            elif step == DialogStep.MEDIA:
                draft["media_done"] = True
            elif step == DialogStep.PRIVACY:
                draft["privacy"] = self.config.default_privacy
        elif meaning == "greeting":
            if step == DialogStep.IDLE:
                conv.draft, conv.step = draft, DialogStep.DESCRIPTION
                return [self._say("ask_complaint")]
        elif text and (reply := self._take_text(step, draft, text, has_media=bool(msg.media))):
            conv.draft = draft
            conv.step = step if step != DialogStep.IDLE else DialogStep.DESCRIPTION
            return [*replies, reply]

        conv.draft = draft
        conv.step = _next_step(draft, self.sms)
        return [*replies, self._prompt(DialogStep(conv.step), draft)]

    def _flood_check(self, conv: ConversationState, now: datetime) -> list[Reply] | None:
        """Count this minute's messages in the conversation's own row (no extra query on
        the intake path); past the limit the message is kept but not answered, except
        once, so a flood costs neither a reply each nor a stream of SMS."""
        limit = self.config.flood_per_minute
        if not limit:
            return None
        minute = int(now.timestamp() // 60)
        window, count = (conv.draft or {}).get(RATE_KEY) or (minute, 0)
        count = count + 1 if window == minute else 1
        conv.draft = {**(conv.draft or {}), RATE_KEY: [minute, count]}
        if count <= limit:
            return None
        conv.updated_at = now
        return [self._say("flood")] if count == limit + 1 else []

    # -- steps -------------------------------------------------------------------
    def _take_text(
        self, step: DialogStep, draft: dict[str, Any], text: str, has_media: bool
    ) -> Reply | None:
        """Put free text where the current step wants it; a reply when it cannot go on."""
        if step in (DialogStep.IDLE, DialogStep.DESCRIPTION) and not draft.get("description"):
            text = _LAPOR_PREFIX.sub("", text)
            if is_gibberish(text):
                return self._say("not_understood")
            if len(text) < MIN_COMPLAINT_CHARS and len(text.split()) < 3:
                return self._say("need_more" if step == DialogStep.DESCRIPTION else "ask_complaint")
            draft["description"] = text
            # a chat costs the citizen nothing: let them sort what the keywords cannot
            if not self.sms and guess_category(text).code == FALLBACK_CODE:
                draft["category_question"] = 1
                return self._say("ask_category", choices=(Choice.SKIP,), options=_category_menu())
        elif step == DialogStep.LOCATION:
            draft.update(location_text=text, location_done=True)
            # a place that is a kota and a kabupaten alike is asked about, except by SMS,
            # where every question costs the citizen money
            if not self.sms and (twin := twin_question(text)) is not None:
                draft["region_question"] = {
                    "kota": [twin.kota.code, twin.kota.name],
                    "kabupaten": [twin.kabupaten.code, twin.kabupaten.name],
                }
                return self._say(
                    "ask_region", choices=(Choice.KOTA, Choice.KABUPATEN), name=twin.name
                )
        elif step in (DialogStep.MEDIA, DialogStep.IDLE, DialogStep.DESCRIPTION):
            draft["description"] = f"{draft['description']}\n{text}"
            if step == DialogStep.MEDIA and not has_media:
                return self._say("more_description")
        elif step == DialogStep.PRIVACY:
            choice = PRIVACY_WORDS.get(_TRAILING.sub("", text).upper())
            if choice is None:
                return self._say(
                    "choose_privacy", choices=(Choice.PUBLIC, Choice.CONFIDENTIAL, Choice.ANONYMOUS)
                )
            draft["privacy"] = choice[0]
        elif step == DialogStep.CONFIRM:
            choice = PRIVACY_WORDS.get(_TRAILING.sub("", text).upper())
            if choice is None:
                return self._say("confirm_again", choices=(Choice.SEND, Choice.CANCEL))
            draft["privacy"] = choice[0]
        return None

    def _prompt(self, step: DialogStep, draft: dict[str, Any]) -> Reply:
        if step == DialogStep.DESCRIPTION:
            return self._say("ask_complaint")
        if step == DialogStep.LOCATION:
            return self._say("ask_location", choices=(Choice.SKIP,), ask_location=True)
        if step == DialogStep.MEDIA:
            return self._say("ask_media", choices=(Choice.SKIP,))
        if step == DialogStep.PRIVACY:
            return self._say(
                "ask_privacy", choices=(Choice.PUBLIC, Choice.CONFIDENTIAL, Choice.ANONYMOUS)
            )
        return self._summary(draft)

    def _summary(self, draft: dict[str, Any]) -> Reply:
        location = draft.get("location_text") or (
            f"{draft['lat']:.5f}, {draft['lon']:.5f}"
            if draft.get("lat") is not None
            else texts.label("none", self.lang)
        )
        values = {
            "description": draft["description"],
            "location": location,
            "attachments": str(len(draft.get("media", []))),
            "privacy": texts.label(draft.get("privacy", self.config.default_privacy), self.lang),
        }
        if self.sms:
            text = texts.fit_sms("summary", self.lang, "description", **values)
        else:
            if len(values["description"]) > SUMMARY_CHARS:
                values["description"] = values["description"][:SUMMARY_CHARS] + "…"
            text = texts.render("summary", self.lang, **values)
        return Reply(text, choices=(Choice.SEND, Choice.CANCEL))

    def _submit(self, conv: ConversationState, draft: dict[str, Any], msg: InboundMessage) -> Reply:
        earlier = complaints.repeat_of(
            self.session,
            channel=msg.channel,
            sender=msg.sender,
            phone=msg.phone,
            description=draft["description"],
            since=utcnow() - timedelta(hours=self.config.duplicate_window_hours),
        )
        if earlier is not None:
            complaints.link_repeat(earlier, draft["messages"])
            self._reset(conv)
            return self._say(
                "already_reported",
                code=earlier.tracking_code,
                status=texts.label(earlier.status, self.lang),
            )
        complaint = complaints.create_complaint(
            self.session,
            channel=msg.channel,
            description=draft["description"],
            privacy=draft.get("privacy") or self.config.default_privacy,
            # recorded as written (Javanese, Sundanese…); answered in self.lang
            language=complaint_language(draft["description"], self.lang),
            max_attempts=self.config.max_attempts,
            received_at=datetime.fromisoformat(draft["started_at"]),
            sender=msg.sender,
            reply_from=msg.recipient,
            phone=msg.phone,
            name=msg.name,
            location_text=draft.get("location_text"),
            lat=draft.get("lat"),
            lon=draft.get("lon"),
            region=tuple(draft["region"]) if draft.get("region") else None,
            category=(
                Category(code=draft["category"][0], label=draft["category"][1], confidence=1.0)
                if draft.get("category")
                else None
            ),
            media=[MediaRef(**m) for m in draft.get("media", [])],
            source_messages=draft["messages"],
        )
        self._reset(conv)
        return self._say("submitted", code=complaint.tracking_code)

    def _one_shot(
        self, conv: ConversationState, msg: InboundMessage, match: re.Match[str]
    ) -> list[Reply]:
        body = match.group("body").strip()
        if len(body) < MIN_COMPLAINT_CHARS and len(body.split()) < 3:
            conv.step = DialogStep.DESCRIPTION
            return [self._say("need_more")]
        privacy_word = (match.group("privacy") or "").upper()
        privacy = PRIVACY_WORDS[privacy_word][0] if privacy_word else self.config.default_privacy
        draft = {
            "description": body,
            "location_text": (match.group("place") or "").strip() or None,
            "privacy": privacy,
            "messages": [msg.external_id],
            "started_at": (msg.received_at or utcnow()).isoformat(),
        }
        if lang := detect_language(body):
            self.lang = conv.language = lang
        return [self._submit(conv, draft, msg)]

    def _public_mention(self, conv: ConversationState, draft: dict[str, Any], text: str) -> Reply:
        """A complaint posted in public: keep it as this account's draft, and answer in
        public with words that reveal nothing about the citizen or the complaint."""
        if text and len(text) >= MIN_COMPLAINT_CHARS and not draft.get("description"):
            draft["description"] = text
            conv.step = _next_step(draft, sms=False)
        conv.draft = draft
        return Reply(texts.render("public_mention", self.lang), public=True)

    def _status_reply(self, rest: str, msg: InboundMessage) -> Reply:
        code = normalize_tracking_code(rest)
        if not code:
            return self._say("status_usage")
        complaint = complaints.find_by_code(self.session, code)
        if complaint is None and (call := complaints.pending_call(self.session, code)) is not None:
            # a phone call's code, read out before an operator submitted the complaint
            return self._say(
                "status",
                code=code,
                status=texts.label(call.status, self.lang),
                date=call.updated_at.strftime("%d-%m-%Y"),
            )
        if complaint is None:
            return self._say("status_unknown", code=code)
        reporter = complaint.document.get("reporter") or {}
        filed_here = complaint.channel == msg.channel and complaint.reply_to == msg.sender
        same_phone = msg.phone is not None and reporter.get("phone") == msg.phone
        if filed_here or same_phone:
            # one contact across channels (SMS and WhatsApp share a number): the filer
            # sees which complaint it is; anyone else holding the code sees only status
            values = {
                "code": code,
                "status": texts.label(complaint.status, self.lang),
                "date": complaint.updated_at.strftime("%d-%m-%Y"),
                "title": complaint.document.get("title", ""),
            }
            if self.sms:
                return Reply(texts.fit_sms("status_owner", self.lang, "title", **values))
            return self._with_timeline(self._say("status_owner", **values), complaint.id)
        reply = self._say(
            "status",
            code=code,
            status=texts.label(complaint.status, self.lang),
            date=complaint.updated_at.strftime("%d-%m-%Y"),
        )
        return reply if self.sms else self._with_timeline(reply, complaint.id)

    def _with_timeline(self, reply: Reply, complaint_id: str) -> Reply:
        """On a chat channel the status comes with its recent history (an SMS stays one
        segment); the timeline never names the reporter."""
        events = complaints.timeline(self.session, complaint_id)[-TIMELINE_LINES:]
        lines = [
            f"{datetime.fromisoformat(e['at']):%d-%m-%Y} {texts.label(e['status'], self.lang)}"
            for e in events
        ]
        return replace(reply, text=reply.text + "\n\n" + "\n".join(lines))

    # -- helpers -----------------------------------------------------------------
    def _say(
        self, key: str, choices: tuple[Choice, ...] = (), ask_location: bool = False, **values: str
    ) -> Reply:
        return Reply(
            texts.render(key, self.lang, sms=self.sms, **values),
            choices=choices,
            ask_location=ask_location,
        )

    def _update_language(
        self,
        conv: ConversationState,
        msg: InboundMessage,
        text: str,
        kw: tuple[str, str | None] | None,
    ) -> None:
        if conv.step == DialogStep.IDLE and not conv.draft and msg.language_hint in texts.LANGUAGES:
            conv.language = msg.language_hint
        # Only the complaint itself says much about language; a place name does not.
        free_text = (
            conv.step in (DialogStep.IDLE, DialogStep.DESCRIPTION) and len(text.split()) >= 2
        )
        said = kw[1] if kw else (detect_language(text) if free_text else None)
        if said:
            conv.language = said

    def _reset(self, conv: ConversationState) -> None:
        conv.step = DialogStep.IDLE
        # the message count outlives the draft: submitting does not reset a flood
        rate = (conv.draft or {}).get(RATE_KEY)
        conv.draft = {RATE_KEY: rate} if rate else {}


def _category_menu() -> str:
    return "\n".join(f"{n}. {c.label}" for n, c in enumerate(load_taxonomy(), 1))


def _next_step(draft: dict[str, Any], sms: bool) -> DialogStep:
    if not draft.get("description"):
        return DialogStep.DESCRIPTION
    if not draft.get("location_done"):
        return DialogStep.LOCATION
    if not (sms or draft.get("media_done") or draft.get("media")):
        return DialogStep.MEDIA
    if not draft.get("privacy"):
        return DialogStep.PRIVACY
    return DialogStep.CONFIRM


def _media_dict(media: MediaRef) -> dict[str, Any]:
    return {
        "url": media.url,
        "content_type": media.content_type,
        "size": media.size,
        "sha256": media.sha256,
    }
