"""What every handler needs to know about the sender, read from the update in one place."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import CallbackQuery, Message

CHANNEL = "telegram"


@dataclass(frozen=True)
class Sender:
    external_id: str
    lang_hint: str | None


def sender_of(event: Message | CallbackQuery) -> Sender | None:
    """Private chats only: the bot counsels one person at a time, never in groups."""
    user = event.from_user
    if user is None or user.is_bot:
        return None
    if isinstance(event, Message) and event.chat.type != "private":
        return None
    lang = (user.language_code or "").split("-")[0].lower() or None
    return Sender(external_id=str(user.id), lang_hint=lang)
