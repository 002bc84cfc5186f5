"""The questions of the intake dialog, one class each.

A step says whether the draft still needs it, asks its question, and takes an answer:
``take`` returns None when the answer moved the draft on, or the reply to give while
the step stays. What a step cannot use is never thrown away: a long answer that is
more of the complaint joins the description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Protocol

from gateway import texts
from gateway.conversation.draft import Draft
from gateway.conversation.turn import Turn
from gateway.store.models import DialogStep
from normalizer.categories import FALLBACK_CODE, chosen_category, guess_category, load_taxonomy
from normalizer.complaint import Privacy
from normalizer.incident import incident_date, mentions_time
from normalizer.intent import Intent, Reading, place_score
from normalizer.language import is_gibberish
from normalizer.message import Choice, Reply
from normalizer.region import TwinQuestion, twin_in_description, twin_question

MIN_COMPLAINT_CHARS = 15
# An answer of this many words to a short question is more of the complaint.
MORE_OF_THE_COMPLAINT_WORDS = 6
# Below this, an answer to "where?" is not taken as a place.
PLACE_SCORE = 0.4
ASKS = 2  # a question is asked again at most once before the dialog moves on
SUMMARY_CHARS = 500
PRIVACY_CHOICES = (Choice.PUBLIC, Choice.CONFIDENTIAL, Choice.ANONYMOUS)
_PRIVACY = (
    (re.compile(r"^\s*1\s*[.)]?\s*$|\b(publik|umum|public|terbuka)\b", re.I), Privacy.PUBLIC),
    (
        re.compile(
            r"^\s*3\s*[.)]?\s*$|\b(anonim|anonymous|anon|tanpa nama|sembunyikan"
            r"|tidak usah (pakai|pake) nama|jangan (sebut|cantumkan) nama)\b",
            re.I,
        ),
        Privacy.ANONYMOUS,
    ),
    (
        re.compile(
            r"^\s*2\s*[.)]?\s*$|\b(rahasia|dirahasiakan|confidential|private|privat"
            r"|rahasiakan)\b|\bnama\s+(saya\s+|sy\s+)?(jangan|jgn|gak usah|tidak usah|ga usah)\s+"
            r"(di\s*)?(tampilkan|ditampilkan|sebut|disebut|dicantumkan|cantumkan|muncul"
            r"|dimunculkan|dipublikasikan)",
            re.I,
        ),
        Privacy.CONFIDENTIAL,
    ),
)
# An answer that starts by saying no ("gak ada, takut ketahuan", "tidak punya fotonya").
_NO_START = re.compile(
    r"^\W*(tidak|tdk|gak|ga|gk|nggak|ngga|enggak|engga|ndak|nda|belum|blm|no|nope|ora|mboten|"
    r"henteu|teu)\b\s*(ada|punya|sempat|bisa|ono|wonten|aya|gaduh|have)?\b",
    re.IGNORECASE,
)
_REGION = re.compile(
    r"\b(?P<kota>kota|city|kodya|kotamadya)\b|\b(?P<kab>kabupaten|kab|regency)\b", re.I
)


def privacy_choice(text: str, *, words: int = 5) -> str | None:
    """The privacy a short answer picks ("2", "rahasia aja", "anonim ya"), or None."""
    if len(text.split()) > words:
        return None
    for pattern, privacy in _PRIVACY:
        if pattern.search(text):
            return privacy
    return None


def is_question(turn: Turn) -> bool:
    """A short question back ("harus alamat lengkap ya pak?"), not an answer."""
    short = len(turn.text.split()) <= 10
    return short and (turn.means(Intent.QUESTION) or turn.text.rstrip().endswith("?"))


def long_answer(turn: Turn) -> bool:
    words = (turn.reading.content or turn.text).split()
    return len(words) >= MORE_OF_THE_COMPLAINT_WORDS and turn.means(Intent.CONTENT)


def add_more(draft: Draft, turn: Turn) -> Reply | None:
    """Join the answer to the description; the reply when the description is full."""
    return add_more_text(draft, turn.reading.content or turn.text, turn)


def add_more_text(draft: Draft, text: str, turn: Turn) -> Reply | None:
    if draft.add_description(text):
        return None
    return turn.say("description_full")


def read_description(draft: Draft, turn: Turn) -> None:
    """What the complaint text already answers: when it happened, what it is about."""
    when = incident_date(draft.description, turn.now.date())
    if when is not None:
        draft.incident_date = when.isoformat()
        draft.date_asks = 0
    elif not turn.sms and draft.date_asks == 0 and not mentions_time(draft.description):
        draft.date_asks = 1
    unsorted = draft.category is None and draft.category_asks == 0 and not turn.sms
    if unsorted and guess_category(draft.description).code == FALLBACK_CODE:
        draft.category_asks = 1


def answered_where(draft: Draft, turn: Turn) -> bool:
    """A place given before "where?" was asked (to "when?", to "which category?"): taken
    as the location, so the citizen is not asked for it again."""
    if draft.location_done or len(turn.text.split()) > 15 or long_answer(turn):
        return False
    if turn.means(Intent.GIBBERISH) or place_score(turn.text) < 0.6:
        return False
    draft.location_text = turn.text[:1000]
    draft.location_done = True
    LocationStep.twin(draft, turn, turn.text)
    return True


class Step(Protocol):
    name: DialogStep

    def needed(self, draft: Draft, sms: bool) -> bool: ...

    def prompt(self, draft: Draft, turn: Turn) -> Reply: ...

    def take(self, draft: Draft, turn: Turn) -> Reply | None: ...

    def skip(self, draft: Draft, turn: Turn) -> None: ...


class DescriptionStep:
    name = DialogStep.DESCRIPTION

    def needed(self, draft: Draft, sms: bool) -> bool:
        return not draft.description

    def prompt(self, draft: Draft, turn: Turn) -> Reply:
        return turn.say("need_more" if draft.partial else "ask_complaint")

    def take(self, draft: Draft, turn: Turn) -> Reply | None:
        reading = turn.reading
        gibberish = reading.intent == Intent.CONTENT and is_gibberish(turn.text)
        if reading.intent == Intent.GIBBERISH or gibberish:
            turn.memory.misread += 1
            return turn.say("not_understood")
        if reading.intent == Intent.QUESTION and draft.empty and not _names_a_problem(reading):
            return turn.say("service_info")  # "is this free?", "will my name be known?"
        if not reading.content and reading.intent != Intent.CONTENT:
            # an opener, a greeting, "ok": the complaint is still to come
            return turn.say("need_more" if draft.partial else "ask_complaint")
        if _vague_opening(reading) and not draft.partial:
            # "mau lapor lagi, tadi salah semua": an opener whose few words name no problem
            return turn.say("ask_complaint")
        text = " ".join(p for p in (draft.partial, reading.content or turn.text) if p).strip()
        thin = _opened(reading) and len(text.split()) < 4  # "I'd like to report a traffic light"
        if thin or (len(text) < MIN_COMPLAINT_CHARS and len(text.split()) < 3):
            draft.partial = text
            return turn.say("need_more")
        draft.partial = ""
        draft.add_description(text)
        read_description(draft, turn)
        return None

    def skip(self, draft: Draft, turn: Turn) -> None:
        pass  # there is no complaint without its text


class CategoryStep:
    """Asked on chat channels only, when the keywords cannot tell."""

    name = DialogStep.CATEGORY

    def needed(self, draft: Draft, sms: bool) -> bool:
        return draft.category is None and draft.category_asks > 0

    def prompt(self, draft: Draft, turn: Turn) -> Reply:
        menu = "\n".join(f"{n}. {c.label}" for n, c in enumerate(load_taxonomy(), 1))
        return turn.say("ask_category", choices=(Choice.SKIP,), options=menu)

    def take(self, draft: Draft, turn: Turn) -> Reply | None:
        if turn.means(Intent.DONT_KNOW, Intent.NO):
            return self.skip(draft, turn)
        if long_answer(turn):
            full = add_more(draft, turn)
            guess = guess_category(draft.description)
            if guess.code != FALLBACK_CODE:
                draft.category = (guess.code, guess.label)
            draft.category_asks = 0
            return full
        picked = chosen_category(turn.text)
        if picked is not None:
            draft.category = (picked.code, picked.label)
            draft.category_asks = 0
            return None
        if answered_where(draft, turn):
            return self.skip(draft, turn)
        if draft.category_asks >= ASKS:
            # asked enough: what the citizen said is more of the complaint after all
            self.skip(draft, turn)
            return add_more(draft, turn) if turn.reading.content else None
        draft.category_asks += 1
        return turn.say("choose_category", choices=(Choice.SKIP,))

    def skip(self, draft: Draft, turn: Turn) -> None:
        draft.category_asks = 0


class DateStep:
    """When it happened; chat channels only, when the complaint does not say."""

    name = DialogStep.DATE

    def needed(self, draft: Draft, sms: bool) -> bool:
        return draft.incident_date is None and draft.date_asks > 0

    def prompt(self, draft: Draft, turn: Turn) -> Reply:
        return turn.say("ask_date", choices=(Choice.SKIP,))

    def take(self, draft: Draft, turn: Turn) -> Reply | None:
        when = incident_date(turn.text, turn.now.date())
        if when is None:
            when = _bare_date(turn.text, turn.now.date())
        if when is not None:
            draft.incident_date = when.isoformat()
            draft.date_asks = 0
            if long_answer(turn):
                return add_more(draft, turn)
            return None
        if turn.means(Intent.DONT_KNOW, Intent.NO, Intent.ACK, Intent.THANKS):
            return self.skip(draft, turn)
        if answered_where(draft, turn):
            return self.skip(draft, turn)
        if long_answer(turn) or mentions_time(turn.text):
            # "sejak awal semester": when, in words no date comes from; kept as said
            self.skip(draft, turn)
            return add_more(draft, turn)
        if draft.date_asks >= ASKS:
            return self.skip(draft, turn)
        draft.date_asks += 1
        return turn.say("ask_date_again", choices=(Choice.SKIP,))

    def skip(self, draft: Draft, turn: Turn) -> None:
        draft.date_asks = 0


class LocationStep:
    name = DialogStep.LOCATION

    def needed(self, draft: Draft, sms: bool) -> bool:
        return not draft.location_done

    def prompt(self, draft: Draft, turn: Turn) -> Reply:
        return turn.say("ask_location", choices=(Choice.SKIP,), ask_location=True)

    def take(self, draft: Draft, turn: Turn) -> Reply | None:
        if turn.means(Intent.DONT_KNOW, Intent.NO):
            return self.skip(draft, turn)
        if is_question(turn):
            # "harus alamat lengkap?": the question again, with an example of an answer
            return turn.say("ask_location_again", choices=(Choice.SKIP,), ask_location=True)
        text = turn.reading.content or turn.text
        score = place_score(text)
        if score >= PLACE_SCORE and not turn.means(Intent.GIBBERISH):
            draft.location_text = text[:1000]
            draft.location_done = True
            self.twin(draft, turn, text)
            return None
        if long_answer(turn):
            # more of the complaint, not the place: keep it, and ask again
            return add_more(draft, turn) or turn.say(
                "ask_location_again", choices=(Choice.SKIP,), ask_location=True
            )
        draft.location_asks += 1
        turn.memory.misread += 1
        if draft.location_asks > ASKS:
            return self.skip(draft, turn)
        return turn.say("ask_location_again", choices=(Choice.SKIP,), ask_location=True)

    def skip(self, draft: Draft, turn: Turn) -> None:
        draft.location_done = True
        if not draft.location_text and draft.lat is None:
            # no place given: the worker will read the description for one, and a twin
            # it names ("jalan rusak di Bogor") cannot be told apart there
            LocationStep.ask_twin(draft, turn, twin_in_description, draft.description)

    @staticmethod
    def twin(draft: Draft, turn: Turn, text: str) -> None:
        LocationStep.ask_twin(draft, turn, twin_question, text)

    @staticmethod
    def ask_twin(
        draft: Draft, turn: Turn, find: Callable[[str], TwinQuestion | None], text: str
    ) -> None:
        # a place that is a kota and a kabupaten alike is asked about, except by SMS,
        # where every question costs the citizen money
        if turn.sms or draft.region is not None or not text:
            return
        twin = find(text)
        if twin is not None:
            draft.region_question = {
                "kota": (twin.kota.code, twin.kota.name),
                "kabupaten": (twin.kabupaten.code, twin.kabupaten.name),
                "name": (twin.name, twin.name),
            }


class RegionStep:
    """Kota or kabupaten, when the place names both (Bandung, Bogor, Malang…)."""

    name = DialogStep.REGION

    def needed(self, draft: Draft, sms: bool) -> bool:
        return draft.region_question is not None

    def prompt(self, draft: Draft, turn: Turn) -> Reply:
        name = (draft.region_question or {}).get("name", ("", ""))[0]
        return turn.say("ask_region", choices=(Choice.KOTA, Choice.KABUPATEN), name=name)

    def take(self, draft: Draft, turn: Turn) -> Reply | None:
        question = draft.region_question or {}
        match = _REGION.search(turn.text) if len(turn.text.split()) <= 6 else None
        if match is not None:
            draft.region = question["kota" if match.group("kota") else "kabupaten"]
            draft.region_question = None
            return None
        if long_answer(turn):
            return add_more(draft, turn) or self.prompt(draft, turn)
        return self.skip(draft, turn)

    def skip(self, draft: Draft, turn: Turn) -> None:
        draft.region_question = None


class MediaStep:
    """A photo or a document; chat channels only (feature phones send SMS)."""

    name = DialogStep.MEDIA

    def needed(self, draft: Draft, sms: bool) -> bool:
        return not (sms or draft.media_done or draft.media)

    def prompt(self, draft: Draft, turn: Turn) -> Reply:
        return turn.say("ask_media", choices=(Choice.SKIP,))

    def take(self, draft: Draft, turn: Turn) -> Reply | None:
        if turn.msg.media:
            draft.media_done = True
            return None
        if (privacy := privacy_choice(turn.text)) is not None:
            # the next question answered early: no photo, and this privacy
            draft.privacy = privacy
            return self.skip(draft, turn)
        if turn.means(Intent.YES):
            return turn.say("send_media_now", choices=(Choice.SKIP,))
        if _NO_START.match(turn.text):
            return self.skip(draft, turn)  # "gak ada, takut ketahuan kalo moto"
        if long_answer(turn):
            return add_more(draft, turn) or turn.say("more_description", choices=(Choice.SKIP,))
        return self.skip(draft, turn)

    def skip(self, draft: Draft, turn: Turn) -> None:
        draft.media_done = True


class PrivacyStep:
    name = DialogStep.PRIVACY

    def needed(self, draft: Draft, sms: bool) -> bool:
        return draft.privacy is None

    def prompt(self, draft: Draft, turn: Turn) -> Reply:
        return turn.say("ask_privacy", choices=PRIVACY_CHOICES)

    def take(self, draft: Draft, turn: Turn) -> Reply | None:
        if is_question(turn):
            return self.prompt(draft, turn)  # "apa bedanya rahasia sama anonim?": explained
        if (privacy := privacy_choice(turn.text, words=8)) is not None:
            draft.privacy = privacy
            return None
        if long_answer(turn):
            return add_more(draft, turn) or turn.say("choose_privacy", choices=PRIVACY_CHOICES)
        draft.privacy_asks += 1
        if draft.privacy_asks > ASKS:
            return self.skip(draft, turn)
        return turn.say("choose_privacy", choices=PRIVACY_CHOICES)

    def skip(self, draft: Draft, turn: Turn) -> None:
        draft.privacy = turn.config.default_privacy


class ConfirmStep:
    """The summary; yes sends, a correction is taken and the summary shown again."""

    name = DialogStep.CONFIRM

    def needed(self, draft: Draft, sms: bool) -> bool:
        return True

    def prompt(self, draft: Draft, turn: Turn) -> Reply:
        return summary(draft, turn)

    def take(self, draft: Draft, turn: Turn) -> Reply | None:
        if turn.means(Intent.YES, Intent.ACK) or turn.word in ("YA", "YES", "OK KIRIM"):
            draft.send_requested = True
            return None
        if (privacy := privacy_choice(turn.text)) is not None:
            draft.privacy = privacy
            return summary(draft, turn)
        if turn.means(Intent.NO):
            return turn.say("confirm_again", choices=(Choice.SEND, Choice.CANCEL))
        if turn.msg.media:
            return summary(draft, turn)
        if turn.means(Intent.CONTENT) and len(turn.text.split()) >= 2:
            # a correction: kept with the complaint, and shown back
            return add_more(draft, turn) or summary(draft, turn)
        return turn.say("confirm_again", choices=(Choice.SEND, Choice.CANCEL))

    def skip(self, draft: Draft, turn: Turn) -> None:
        pass


def summary(draft: Draft, turn: Turn) -> Reply:
    location = draft.location_text or (
        f"{draft.lat:.5f}, {draft.lon:.5f}"
        if draft.lat is not None and draft.lon is not None
        else texts.label("none", turn.lang)
    )
    values = {
        "description": draft.description,
        "location": location,
        "attachments": str(len(draft.media)),
        "privacy": texts.label(draft.privacy or turn.config.default_privacy, turn.lang),
    }
    if turn.sms:
        text = texts.fit_sms("summary", turn.lang, "description", **values)
    else:
        if len(values["description"]) > SUMMARY_CHARS:
            values["description"] = values["description"][:SUMMARY_CHARS] + "…"
        text = texts.render("summary", turn.lang, **values)
    return Reply(text, choices=(Choice.SEND, Choice.CANCEL))


def _opened(reading: Reading) -> bool:
    """The message began with "I want to report" (or "another one")."""
    openers = {Intent.OPENER, Intent.NEW_COMPLAINT}
    return reading.intent in openers or bool(reading.also & openers)


def _vague_opening(reading: Reading) -> bool:
    few = len(reading.content.split()) < 4
    return _opened(reading) and few and guess_category(reading.content).code == FALLBACK_CODE


def _names_a_problem(reading: Reading) -> bool:
    """A question that is a complaint ("kenapa jalan kami belum diperbaiki?") names what
    it is about; one about the service does not."""
    content = reading.content
    return len(content.split()) >= 12 or guess_category(content).code != FALLBACK_CODE


def _bare_date(text: str, today: date) -> date | None:
    """An answer to "when?" that is only a date: "3/11", "3-11-2026", "tgl 3"."""
    match = re.fullmatch(
        r"\s*(?:tgl\.?|tanggal)?\s*(\d{1,2})(?:[/.-](\d{1,2})(?:[/.-](\d{2,4}))?)?"
        r"\s*",
        text,
        re.I,
    )
    if not match:
        return None
    day = int(match.group(1))
    month = int(match.group(2) or today.month)
    year = int(match.group(3) or today.year)
    year += 2000 if year < 100 else 0
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    if when > today and not match.group(3):
        try:
            when = date(year - 1, month, day) if match.group(2) else None
        except ValueError:
            return None
    return when if when is not None and when <= today else None


# The order the questions come in; the first one the draft still needs is asked.
STEPS: tuple[Step, ...] = (
    DescriptionStep(),
    CategoryStep(),
    DateStep(),
    LocationStep(),
    RegionStep(),
    MediaStep(),
    PrivacyStep(),
    ConfirmStep(),
)
BY_NAME: dict[str, Step] = {s.name: s for s in STEPS}


def next_step(draft: Draft, sms: bool) -> Step:
    return next(s for s in STEPS if s.needed(draft, sms))
