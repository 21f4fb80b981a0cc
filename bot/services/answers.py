"""Retrieve, decide, compose: the one code path from a message to the bot's reply.

The live bot, the web chat, `fairbot ask` and `fairbot eval` all call
`AnswerService.respond`, so what is measured is what users get.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Action = Literal["answer", "fallback", "handoff", "emergency", "greeting"]


@dataclass(frozen=True)
class RankedTopic:
    topic: str
    entry_id: str
    score: float


@dataclass(frozen=True)
class Reply:
    """What the bot decided for one message.

    `lang` is the detected language of the message (any ISO 639-1 code);
    `answer_lang` is the language the reply is written in (one with content).
    `html` is ready for Telegram's HTML parse mode (all content escaped) and is
    filled for every action, so every channel renders the same thing.
    """

    action: Action
    lang: str
    answer_lang: str
    html: str
    topics: list[RankedTopic] = field(default_factory=list)
    entry_id: str | None = None
    entry_version: str | None = None  # content hash of the entry that was shown
    score: float | None = None
    suggestions: list[RankedTopic] = field(default_factory=list)  # fallback: up to 3 topic buttons
