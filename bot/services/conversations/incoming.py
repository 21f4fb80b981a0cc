"""One inbound message from any channel (Telegram, web chat) as one value, and its stored form.

Channels only carry text in and out: the Telegram router and the web chat both
build an `Inbound` and hand it to `ConversationService.receive`. What happened
to it comes back as an `Incoming`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.services.answers import Reply
from bot.storage.models import Conversation, clean_text

MAX_STORED_TEXT = 8000  # longer input is cut (and the person told): nobody types more, a paste can


@dataclass(frozen=True, slots=True)
class Inbound:
    """A person's message as the core sees it, whatever channel it came by."""

    channel: str
    external_id: str
    text: str
    lang_hint: str | None = None
    kind: str = "text"  # text, empty, or a media kind (photo, voice, document, ...)
    attachment: dict[str, Any] | None = None
    region: str | None = None
    too_long: bool = False  # the text was cut to MAX_STORED_TEXT

    @classmethod
    def of(
        cls,
        channel: str,
        external_id: str,
        text: str | None,
        lang_hint: str | None = None,
        *,
        kind: str = "text",
        attachment: dict[str, Any] | None = None,
        region: str | None = None,
    ) -> Inbound:
        """Cleaned, stripped and cut to what is stored; a text message with nothing in it is of kind "empty".

        Cleaned here, not only when stored: the answer path reads the text first, and a lone surrogate
        or a NUL crashed the tokenizer (found by tests/e2e/test_update_properties.py).
        """
        text = clean_text(text or "").strip()
        too_long = len(text) > MAX_STORED_TEXT
        text = text[:MAX_STORED_TEXT]
        if kind == "text" and not text:
            kind = "empty"
        return cls(channel, external_id, text, lang_hint, kind, attachment, region, too_long)


@dataclass
class Incoming:
    """What happened to one incoming message (for logs, tests and the bench)."""

    conversation_id: int
    message_id: int
    state: str
    action: str | None  # the bot's decision, or relayed / throttled / media
    replies: int = 0


def incoming_row(
    conversation: Conversation,
    text: str,
    action: str,
    kind: str = "text",
    attachment: dict[str, Any] | None = None,
    *,
    reply: Reply | None = None,
) -> dict[str, Any]:
    """A person's message; with the retrieval reply it got, its language, score and entry."""
    return {
        "conversation_id": conversation.id,
        "direction": "in",
        "author": "user",
        "text": text,
        "kind": kind,
        "attachment": attachment,
        "action": action,
        "lang": reply.lang if reply else None,
        "score": reply.score if reply else None,
        "entry_id": reply.entry_id if reply else None,
    }
