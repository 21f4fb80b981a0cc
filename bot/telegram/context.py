"""Who wrote, read from the update in one place; handlers get it as `sender` (see `SenderMiddleware`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.types import CallbackQuery, Message

from bot.services.conversations import Inbound

CHANNEL = "telegram"


@dataclass(frozen=True)
class Sender:
    external_id: str
    lang_hint: str | None

    def says(self, text: str | None, *, kind: str = "text", attachment: dict[str, Any] | None = None) -> Inbound:
        """What this person wrote, as the one inbound value every channel hands to the core."""
        return Inbound.of(CHANNEL, self.external_id, text, self.lang_hint, kind=kind, attachment=attachment)


def sender_of(event: Message | CallbackQuery) -> Sender | None:
    """Private chats only: the bot counsels one person at a time, never in groups."""
    user = event.from_user
    if user is None or user.is_bot:
        return None
    if isinstance(event, Message) and event.chat.type != "private":
        return None
    lang = (user.language_code or "").split("-")[0].lower() or None
    return Sender(external_id=str(user.id), lang_hint=lang)
