"""/privacy and /delete: the notice, and erasure after an explicit confirmation."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services.conversations import ConversationService
from bot.telegram.callbacks import answer_button
from bot.telegram.context import CHANNEL, sender_of
from bot.telegram.filters import ButtonData


async def privacy(message: Message, conversations: ConversationService) -> None:
    sender = sender_of(message)
    if sender is not None:
        await conversations.privacy(CHANNEL, sender.external_id, sender.lang_hint)


async def delete(message: Message, conversations: ConversationService) -> None:
    sender = sender_of(message)
    if sender is not None:
        await conversations.ask_delete(CHANNEL, sender.external_id, sender.lang_hint)


async def delete_answer(query: CallbackQuery, conversations: ConversationService) -> None:
    await answer_button(query, conversations)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="privacy")
    router.message.register(privacy, Command("privacy"))
    router.message.register(delete, Command("delete"))
    router.callback_query.register(delete_answer, ButtonData("del:"))
    return router
