"""What happened in one private chat, from the user's side: the bot's messages as currently shown,
their edit history, callback answers and chat actions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .signals import Changed


@dataclass(slots=True)
class BotMessage:
    """A message the bot sent into the chat, in its current state; `versions` keeps every earlier state."""

    message_id: int
    kind: str
    raw: dict[str, Any]
    source: str | None = None
    parse_mode: str | None = None
    versions: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    reply_keyboard: dict[str, Any] | None = None  # ReplyKeyboardMarkup/Remove/ForceReply sent with it

    @property
    def text(self) -> str:
        """Plain text as rendered after parse_mode (the caption for media)."""
        return str(self.raw.get("text", self.raw.get("caption", "")))

    @property
    def html(self) -> str:
        """The text as the bot sent it (HTML source for parse_mode=HTML)."""
        return self.source if self.source is not None else self.text

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self.raw.get("entities", self.raw.get("caption_entities", [])))

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.raw.get("reply_markup")

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Inline keyboard rows as currently shown (empty when none)."""
        markup = self.raw.get("reply_markup") or {}
        return [list(row) for row in markup.get("inline_keyboard", [])]

    @property
    def button_texts(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    @property
    def edited(self) -> bool:
        return bool(self.versions)

    def find_button(self, *, text: str | None = None, data: str | None = None) -> dict[str, Any] | None:
        for row in self.buttons:
            for button in row:
                if data is not None and button.get("callback_data") == data:
                    return button
                if text is not None and button.get("text") == text:
                    return button
        return None

    def snapshot(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "kind": self.kind,
            "text": self.text,
            "html": self.html,
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "buttons": self.buttons,
            "reply_markup": self.reply_markup,
            "reply_keyboard": self.reply_keyboard,
            "edits": len(self.versions),
            "deleted": self.deleted,
            "raw": self.raw,
        }


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    callback_query_id: str
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """One line of the chat's history: who did what, when (monotonic), with which payload."""

    kind: str  # user_message | bot_message | edit | delete | callback_query | callback_answer | chat_action
    at: float
    payload: dict[str, Any]


class ChatLog:
    def __init__(self, chat_id: int, everywhere: Changed | None = None) -> None:
        self.chat_id = chat_id
        self._everywhere = everywhere
        self.next_message_id = 1
        self.all_messages: dict[int, dict[str, Any]] = {}
        self.bot_messages: list[BotMessage] = []
        self.bot_by_id: dict[int, BotMessage] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.chat_actions: list[str] = []
        self.events: list[ChatEvent] = []
        self.changed = Changed()

    def new_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    def record(self, kind: str, payload: dict[str, Any]) -> None:
        self.events.append(ChatEvent(kind, time.monotonic(), payload))
        self.changed.fire()
        if self._everywhere is not None:
            self._everywhere.fire()

    def add_user_message(self, message: dict[str, Any]) -> None:
        self.all_messages[message["message_id"]] = message
        self.record("user_message", message)

    def add_bot_message(self, message: BotMessage) -> None:
        self.all_messages[message.message_id] = message.raw
        self.bot_messages.append(message)
        self.bot_by_id[message.message_id] = message
        self.record("bot_message", message.raw)
