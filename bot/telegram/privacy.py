"""/privacy and /delete: the notice, and erasure after an explicit confirmation."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Delete
from bot.telegram import buttons
from bot.telegram.context import CHANNEL, Sender


async def privacy(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.privacy(CHANNEL, sender.external_id, sender.lang_hint)


async def delete(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.ask_delete(CHANNEL, sender.external_id, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="privacy")
    router.message.register(privacy, Command("privacy"))
    router.message.register(delete, Command("delete"))
    router.callback_query.register(buttons.press, Delete.filter())
    return router
