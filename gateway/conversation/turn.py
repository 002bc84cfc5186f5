"""One inbound message as every part of the dialog sees it: the text, what it means,
where it came from, and how to answer in the citizen's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gateway import texts
from gateway.conversation.draft import DialogConfig, Memory
from normalizer.complaint import Channel
from normalizer.intent import Intent, Reading
from normalizer.message import Choice, InboundMessage, Reply

_TRAILING = re.compile(r"[\s.!?,]+$")


def bare(text: str) -> str:
    """Upper-case, without the punctuation people put after a one-word answer."""
    return _TRAILING.sub("", text.strip()).upper()


@dataclass
class Turn:
    session: Session
    config: DialogConfig
    msg: InboundMessage
    memory: Memory
    text: str
    reading: Reading
    lang: str
    now: datetime

    @property
    def sms(self) -> bool:
        return self.msg.channel == Channel.SMS

    @property
    def word(self) -> str:
        return bare(self.text)

    def means(self, *intents: Intent) -> bool:
        return self.reading.intent in intents

    def say(
        self,
        key: str,
        choices: tuple[Choice, ...] = (),
        ask_location: bool = False,
        **values: str,
    ) -> Reply:
        return Reply(
            texts.render(key, self.lang, sms=self.sms, **values),
            choices=choices,
            ask_location=ask_location,
        )
