"""/start: the language keyboard first; the privacy notice and what the bot can do follow the choice."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.types import Message

from bot.services.conversations import ConversationService
from bot.telegram.context import CHANNEL, Sender


async def start(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.start(CHANNEL, sender.external_id, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="start")
    router.message.register(start, CommandStart())
    return router
