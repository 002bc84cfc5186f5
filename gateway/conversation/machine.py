"""The intake dialog as a state machine, one for every conversational channel.

Each message is read for what it means before what it says (normalizer.intent). Then,
in this order: a public post is answered in public; commands (STATUS, BANTUAN, BATAL,
a person, KIRIM, LEWATI) are handled once, whatever the step; a citizen with no draft
in progress who has a complaint open is heard about that complaint; otherwise the
current step takes the answer and the first step the draft still needs asks its
question. The state lives in the ``conversations`` row the caller has locked, so any web
process can take the next message.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.orm import Session

from forwarder.sqltypes import utcnow
from gateway import texts
from gateway.complaints import records
from gateway.conversation import after
from gateway.conversation.correction import read_correction
from gateway.conversation.draft import ConversationState, DialogConfig, Draft, Memory
from gateway.conversation.status import status_reply
from gateway.conversation.steps import (
    BY_NAME,
    MIN_COMPLAINT_CHARS,
    DescriptionStep,
    Step,
    next_step,
    privacy_choice,
    read_description,
)
from gateway.conversation.turn import Turn, bare
from gateway.store.models import DialogStep
from normalizer.categories import FALLBACK_CODE, guess_category
from normalizer.complaint import Category
from normalizer.intent import Intent, read
from normalizer.language import complaint_language, detect_language
from normalizer.message import InboundMessage, MediaRef, Reply

# keyword → (meaning, the language it tells us the citizen writes)
KEYWORDS: dict[str, tuple[str, str | None]] = {
    "BATAL": ("cancel", "id"),
    "CANCEL": ("cancel", "en"),
    "/BATAL": ("cancel", "id"),
    "/CANCEL": ("cancel", "en"),
    "LEWATI": ("skip", "id"),
    "SKIP": ("skip", "en"),
    "KIRIM": ("send", "id"),
    "SEND": ("send", "en"),
    "/KIRIM": ("send", "id"),
    "BANTUAN": ("help", "id"),
    "HELP": ("help", "en"),
    "/BANTUAN": ("help", "id"),
    "/HELP": ("help", "en"),
}
_STATUS = re.compile(r"^\s*/?(?:STATUS|CEK)\b[\s:]*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_ONE_SHOT = re.compile(
    r"^\s*LAPOR\b[\s:]*"
    r"(?:(?P<privacy>PUBLIK|RAHASIA|ANONIM|PUBLIC|CONFIDENTIAL|ANONYMOUS)\b[\s:]*)?"
    r"(?P<body>.+?)(?:\s+LOKASI\b[\s:]*(?P<place>.+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_LAPOR_PREFIX = re.compile(r"^\s*/?LAPOR\b[\s:]*", re.IGNORECASE)
# "bisa bicara dengan petugas?", "sambungkan ke operator", "talk to a human"
_ASKS_FOR_A_PERSON = re.compile(
    r"\b(bicara|berbicara|ngobrol|omong|ngomong|hubungi|hubungkan|sambungkan|chat|talk|speak)\b"
    r".{0,25}\b(petugas|operator|admin|orang|manusia|cs|customer service|agent|human|person|"
    r"staff|staf)\b",
    re.IGNORECASE,
)
# Unmistakably another complaint.
_ANOTHER = re.compile(
    r"\b((ada|punya|mau|ingin)\s+(laporan|aduan|pengaduan|keluhan|masalah)\s+(lain|baru|lagi)|"
    r"(laporan|aduan|pengaduan|keluhan)\s+(lain|baru)|lapor\s+(lagi|yang lain|yg lain|hal lain)|"
    r"another (complaint|report|problem|issue)|(a )?new (complaint|report))\b",
    re.IGNORECASE,
)
_ANOTHER_FIRST = re.compile(
    r"^\W*(?:(?:saya|sy|aku|kami|i)\s+)?(?:(?:ada|punya|mau|ingin|have|has)\s+)?"
    r"(?:(?:laporan|aduan|pengaduan|keluhan|masalah)\s+(?:lain|baru|lagi)|another\s+(?:complaint|"
    r"report|problem|issue)|a new (?:complaint|report))\b(?:\s+(?:pak|bu|min|kak|nih|juga|lagi))*"
    r"[\s:,.;-]*",
    re.IGNORECASE,
)
# A greeting that opens the message (a "siang" at its end is the time of day).
_GREETING_FIRST = re.compile(
    r"^\W*(halo+|hal+o|hai|hi|hello|hey|pagi|siang|sore|malam|selamat\s+\w+|ass?alamu\w*|"
    r"permisi|punten|sugeng\s+\w+|wilujeng\s+\w+|good\s+(morning|afternoon|evening)|"
    r"salam|om swastyastu)\b",
    re.IGNORECASE,
)
# Answers to "what is your complaint?" that are about the one already filed.
_NOT_A_COMPLAINT = frozenset(
    {Intent.QUESTION, Intent.STATUS, Intent.THANKS, Intent.ACK, Intent.NOT_FIXED, Intent.SATISFIED}
)
# The dialog marks a conversation for the console's inbox after this many misreadings.
STUCK_AFTER = 3


# "ok kirim", "kirim aja", "ya kirim sekarang": KIRIM said politely
_SEND = re.compile(
    r"^(?:OK|OKE|OKAY|YA|IYA|YES|SUDAH|UDAH|SIP|BAIK|SILAKAN|TOLONG|MOHON)?\s*"
    r"(?P<word>KIRIM|SEND)(?:KAN)?(?:\s+(?:AJA|SAJA|SEKARANG|NOW|IT|PAK|BU|MIN|KAK|YA|LAPORANNYA))*$"
)


def _only_hello(turn: Turn) -> bool:
    return turn.means(Intent.GREETING) and not turn.reading.content


def keyword(text: str) -> tuple[str, str | None] | None:
    word = bare(text)
    if (found := KEYWORDS.get(word)) is not None:
        return found
    if match := _SEND.match(word):
        return ("send", "en" if match.group("word") == "SEND" else "id")
    return None


class Dialog:
    """Handles one inbound message for one locked conversation; returns the replies."""

    def __init__(self, session: Session, config: DialogConfig) -> None:
        self.session = session
        self.config = config

    def handle(self, conv: ConversationState, msg: InboundMessage) -> list[Reply]:
        now = utcnow()
        memory = Memory.load(conv.draft)
        if conv.step != DialogStep.IDLE and now - conv.updated_at > timedelta(
            hours=self.config.timeout_hours
        ):
            memory.draft, conv.step = Draft(), DialogStep.IDLE  # a draft left for days
        conv.updated_at = now
        if (flooded := self._flood(conv, memory, msg, now)) is not None:
            conv.draft = memory.dump()
            return flooded
        text = msg.text.strip()
        kw = keyword(text) if text else None
        explicit_new = bool(_LAPOR_PREFIX.match(text)) and kw is None
        if explicit_new:
            text = _LAPOR_PREFIX.sub("", text)
        if (another := _ANOTHER_FIRST.match(text)) and text[another.end() :].strip():
            # "ada laporan lain: pedagang kaki lima…": a new complaint, without the lead-in
            explicit_new, text = True, text[another.end() :].strip()
        reading = read(text)
        if explicit_new and not reading.content:
            reading = read("mau lapor")  # "LAPOR" alone, "/lapor", "lapor pak": an opener
        self._language(conv, msg, text, kw, reading.language)
        turn = Turn(self.session, self.config, msg, memory, text, reading, conv.language, now)
        if msg.external_id not in memory.draft.messages:
            memory.draft.messages.append(msg.external_id)
        if memory.draft.started_at is None:
            memory.draft.started_at = (msg.received_at or now).isoformat()

        replies = self._respond(conv, turn, kw, explicit_new)
        conv.draft = memory.dump()
        return [r for r in replies if r.text]

    # -- routing -----------------------------------------------------------------
    def _respond(
        self,
        conv: ConversationState,
        turn: Turn,
        kw: tuple[str, str | None] | None,
        explicit_new: bool,
    ) -> list[Reply]:
        if turn.msg.public:
            return [self._public_mention(conv, turn)]
        meaning = kw[0] if kw else None
        if (command := self._command(conv, turn, meaning)) is not None:
            return command
        replies: list[Reply] = []
        if turn.msg.unsupported:
            kind = "large_file" if turn.msg.unsupported == "large_file" else "kind"
            replies.append(turn.say(f"unsupported_{kind}"))
            if not (turn.text or turn.msg.location or turn.msg.media):
                return replies
        step = BY_NAME.get(conv.step)
        if self._about_filed(turn, step, explicit_new) and (
            answer := self._after_filing(conv, turn, step)
        ):
            return [*replies, answer]
        replies += self._absorb(conv, turn)
        return [*replies, self._draft(conv, turn, step, meaning)]

    def _command(
        self, conv: ConversationState, turn: Turn, meaning: str | None
    ) -> list[Reply] | None:
        """What works whatever was asked: STATUS, BANTUAN, BATAL, a person, one-shot SMS."""
        if status := _STATUS.match(turn.msg.text):
            return [status_reply(turn, status.group("rest"))]
        if meaning == "help":
            return [turn.say("help")]
        if meaning == "cancel" or turn.means(Intent.CANCEL):
            had_draft = conv.step != DialogStep.IDLE
            self._reset(conv, turn.memory)
            return [turn.say("cancelled" if had_draft else "nothing_to_cancel")]
        if turn.means(Intent.HUMAN) or _ASKS_FOR_A_PERSON.search(turn.text):
            turn.memory.wants_human = True
            return [turn.say("human")]
        one_shot = _ONE_SHOT.match(turn.msg.text) if turn.sms and meaning is None else None
        return self._one_shot(conv, turn, one_shot) if one_shot else None

    def _after_filing(self, conv: ConversationState, turn: Turn, step: Step | None) -> Reply | None:
        """The answer to a message about a complaint already filed, if it is one."""
        if turn.means(Intent.STATUS) and not turn.reading.content:
            return status_reply(turn, "")
        complaint = after.open_complaint(turn)
        if complaint is not None:
            answer = after.about_complaint(turn, complaint)
            if answer is not None:
                turn.memory.filed = complaint.id
                self._reset(conv, turn.memory)
            return answer
        thanks = turn.means(Intent.THANKS, Intent.ACK) and not turn.reading.content
        if step is None and thanks:
            return after.SILENT if turn.sms else turn.say("welcome")
        return None

    def _draft(
        self, conv: ConversationState, turn: Turn, step: Step | None, meaning: str | None
    ) -> Reply:
        """The draft takes the message: a keyword, a correction, or the answer to the
        question asked; then the next question."""
        memory, draft = turn.memory, turn.memory.draft
        if meaning == "send":
            if not draft.description:
                conv.step = DialogStep.DESCRIPTION
                return turn.say("ask_complaint")
            # KIRIM before the summary: sent now, unasked questions skipped, privacy the
            # configured default (confidential) unless chosen
            draft.send_requested = True
            for optional in ("category", "date", "location", "region", "media", "privacy"):
                if BY_NAME[optional].needed(draft, turn.sms):
                    BY_NAME[optional].skip(draft, turn)
        elif meaning == "skip":
            if step is not None:
                step.skip(draft, turn)
        elif self._correct(turn, step):
            pass  # the draft is fixed: on to the question it needs next
        elif step is not None and step.name != DialogStep.DESCRIPTION and _only_hello(turn):
            return step.prompt(draft, turn)  # "halo" mid-dialog: the question again
        else:
            current = step or BY_NAME[DialogStep.DESCRIPTION]
            answered = turn.text or (turn.msg.media and current.name == DialogStep.MEDIA)
            if answered and (reply := current.take(draft, turn)) is not None:
                conv.step = current.name
                self._mark_stuck(memory)
                return reply
        memory.misread = 0
        return self._advance(conv, turn)

    def _correct(self, turn: Turn, step: Step | None) -> bool:
        """Put a correction of what the draft already holds where it belongs; whether
        the message was one."""
        draft = turn.memory.draft
        if step is None or not draft.description or step.name == DialogStep.DESCRIPTION:
            return False
        fix = read_correction(turn.text, asked_place=step.name == DialogStep.LOCATION)
        if fix is None:
            return False
        if fix.field == "privacy":
            if (privacy := privacy_choice(fix.text, words=12)) is None:
                return False
            draft.privacy = privacy
        elif fix.field == "location":
            old = draft.location_text
            draft.location_text = f"{fix.text} (ralat; semula: {old})" if old else fix.text
            draft.location_done = True
        else:
            draft.add_description(fix.text)  # past the cap it is cut, as any addition
        return True

    def _advance(self, conv: ConversationState, turn: Turn) -> Reply:
        """Ask the first question the draft still needs, or submit it."""
        draft = turn.memory.draft
        step = next_step(draft, turn.sms)
        if step.name == DialogStep.CONFIRM and draft.send_requested:
            return self._submit(conv, turn)
        conv.step = step.name
        return step.prompt(draft, turn)

    def _about_filed(self, turn: Turn, step: object, explicit_new: bool) -> bool:
        """Whether to hear this message as about a complaint already filed: nothing is
        being drafted (or only the question "what is your complaint?" was asked, and this
        answers it with no complaint), and it does not start a new one."""
        if explicit_new or self._starts_new(turn):
            return False
        if step is None:
            return True
        return (
            isinstance(step, DescriptionStep)
            and turn.memory.draft.empty
            and turn.reading.intent in _NOT_A_COMPLAINT
        )

    def _starts_new(self, turn: Turn) -> bool:
        """An opener, "another complaint", or a greeting followed by new content. "ada
        lagi", "satu lagi" alone may be one more thing about the same complaint: new
        only when what follows names another kind of problem."""
        reading = turn.reading
        if reading.intent in (Intent.OPENER, Intent.NEW_COMPLAINT) or _ANOTHER.search(turn.text):
            return True
        if reading.intent != Intent.CONTENT or not reading.content:
            return False
        if Intent.OPENER in reading.also or _GREETING_FIRST.match(turn.text):
            return True
        if Intent.NEW_COMPLAINT in reading.also:
            complaint = after.open_complaint(turn)
            guess = guess_category(reading.content).code
            return complaint is None or (
                guess != FALLBACK_CODE and guess != complaint.category_code
            )
        return False

    def _absorb(self, conv: ConversationState, turn: Turn) -> list[Reply]:
        """A shared location or a file is taken whatever was asked."""
        msg, draft = turn.msg, turn.memory.draft
        replies: list[Reply] = []
        if msg.location:
            draft.lat, draft.lon, draft.location_done = msg.location.lat, msg.location.lon, True
            if msg.location.text:
                draft.location_text = msg.location.text
        if msg.media:
            draft.media = [*draft.media, *(_media_dict(m) for m in msg.media)]
            if conv.step in (DialogStep.PRIVACY, DialogStep.CONFIRM):
                replies.append(turn.say("media_added", count=str(len(draft.media))))
        return replies

    def _mark_stuck(self, memory: Memory) -> None:
        if memory.misread >= STUCK_AFTER:
            memory.wants_human = True

    # -- flood limit -------------------------------------------------------------
    def _flood(
        self, conv: ConversationState, memory: Memory, msg: InboundMessage, now: datetime
    ) -> list[Reply] | None:
        """Count this minute's messages in the conversation's own row (no extra query on
        the intake path); past the limit the message is kept but not answered, except
        once, so a flood costs neither a reply each nor a stream of SMS."""
        limit = self.config.flood_per_minute
        if not limit:
            return None
        minute = int(now.timestamp() // 60)
        window, count = memory.rate or (minute, 0)
        count = count + 1 if window == minute else 1
        memory.rate = [minute, count]
        if count <= limit:
            return None
        lang = conv.language if conv.language in texts.LANGUAGES else "id"
        flood = texts.render("flood", lang, sms=msg.channel == "sms")
        return [Reply(flood)] if count == limit + 1 else []

    # -- submitting --------------------------------------------------------------
    def _submit(self, conv: ConversationState, turn: Turn) -> Reply:
        msg, memory, draft = turn.msg, turn.memory, turn.memory.draft
        earlier = records.repeat_of(
            self.session,
            channel=msg.channel,
            sender=msg.sender,
            phone=msg.phone,
            description=draft.description,
            since=turn.now - timedelta(hours=self.config.duplicate_window_hours),
        )
        if earlier is not None:
            records.link_repeat(earlier, draft.messages)
            memory.filed = earlier.id
            self._reset(conv, memory)
            return turn.say(
                "already_reported",
                code=earlier.tracking_code,
                status=texts.label(earlier.status, turn.lang),
            )
        try:
            complaint = records.create_complaint(
                self.session,
                channel=msg.channel,
                description=draft.description,
                privacy=draft.privacy or self.config.default_privacy,
                # recorded as written (Javanese, Sundanese…); answered in turn.lang
                language=complaint_language(draft.description, turn.lang),
                max_attempts=self.config.max_attempts,
                received_at=datetime.fromisoformat(draft.started_at or turn.now.isoformat()),
                sender=msg.sender,
                reply_from=msg.recipient,
                phone=msg.phone,
                name=msg.name,
                location_text=draft.location_text,
                lat=draft.lat,
                lon=draft.lon,
                region=draft.region,
                category=(
                    Category(code=draft.category[0], label=draft.category[1], confidence=1.0)
                    if draft.category
                    else None
                ),
                incident_date=draft.incident_date,
                media=[MediaRef(**m) for m in draft.media],
                source_messages=draft.messages,
            )
        except ValidationError:
            # what the citizen wrote cannot be built into a complaint (it should not
            # happen: the draft is capped); the draft stays, the message is stored, and
            # the webhook is answered, never a 5xx that the platform would redeliver
            conv.step = DialogStep.CONFIRM
            memory.wants_human = True
            return turn.say("submit_failed")
        memory.filed = complaint.id
        self._reset(conv, memory)
        return turn.say("submitted", code=complaint.tracking_code)

    def _one_shot(
        self, conv: ConversationState, turn: Turn, match: re.Match[str]
    ) -> list[Reply] | None:
        """``LAPOR <complaint> [LOKASI <place>]`` in one SMS: submitted at once."""
        body = match.group("body").strip()
        if len(body) < MIN_COMPLAINT_CHARS and len(body.split()) < 3:
            reading = read(body)
            if not reading.content or reading.intent != Intent.CONTENT:
                return None  # "LAPOR pak", "lapor min": an opener, asked for the complaint
            conv.step = DialogStep.DESCRIPTION
            turn.memory.draft = Draft(partial=body, messages=[turn.msg.external_id])
            return [turn.say("need_more")]
        content = read(body).content or body
        privacy_word = match.group("privacy")
        draft = Draft(
            description=content if len(content) >= MIN_COMPLAINT_CHARS else body,
            location_text=(match.group("place") or "").strip() or None,
            privacy=privacy_choice(privacy_word) if privacy_word else None,
            messages=[turn.msg.external_id],
            started_at=(turn.msg.received_at or turn.now).isoformat(),
            location_done=True,
            send_requested=True,
        )
        draft.privacy = draft.privacy or self.config.default_privacy
        read_description(draft, turn)
        turn.memory.draft = draft
        if lang := detect_language(body):
            turn.lang = conv.language = lang
        return [self._submit(conv, turn)]

    def _public_mention(self, conv: ConversationState, turn: Turn) -> Reply:
        """A complaint posted in public: keep it as this account's draft, and answer in
        public with words that reveal nothing about the citizen or the complaint."""
        draft = turn.memory.draft
        content = turn.reading.content or turn.text
        if len(content) >= MIN_COMPLAINT_CHARS and not draft.description:
            draft.add_description(content)
            read_description(draft, turn)
            conv.step = next_step(draft, sms=False).name
        return Reply(texts.render("public_mention", turn.lang), public=True)

    # -- helpers -----------------------------------------------------------------
    def _language(
        self,
        conv: ConversationState,
        msg: InboundMessage,
        text: str,
        kw: tuple[str, str | None] | None,
        said: str | None,
    ) -> None:
        if conv.step == DialogStep.IDLE and not conv.draft and msg.language_hint in texts.LANGUAGES:
            conv.language = msg.language_hint
        # Only free text says much about language; a place name does not.
        free_text = (
            conv.step in (DialogStep.IDLE, DialogStep.DESCRIPTION) and len(text.split()) >= 2
        )
        if kw and kw[1]:
            conv.language = kw[1]
        elif said in texts.LANGUAGES and conv.step in (DialogStep.IDLE, DialogStep.DESCRIPTION):
            conv.language = said
        elif free_text and (detected := detect_language(text)):
            conv.language = detected

    def _reset(self, conv: ConversationState, memory: Memory) -> None:
        conv.step = DialogStep.IDLE
        memory.draft = Draft()
        memory.misread = 0


def _media_dict(media: MediaRef) -> dict[str, object]:
    return {
        "url": media.url,
        "content_type": media.content_type,
        "size": media.size,
        "sha256": media.sha256,
    }
