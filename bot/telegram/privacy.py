"""/privacy and /delete: the notice, and erasure after an explicit confirmation."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Delete
from bot.telegram.context import CHANNEL, Sender


async def privacy(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.privacy(CHANNEL, sender.external_id, sender.lang_hint)


async def delete(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.ask_delete(CHANNEL, sender.external_id, sender.lang_hint)


async def delete_answer(
    query: CallbackQuery,
    callback_data: Delete,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="privacy")
    router.message.register(privacy, Command("privacy"))
    router.message.register(delete, Command("delete"))
    router.callback_query.register(delete_answer, Delete.filter())
    return router
