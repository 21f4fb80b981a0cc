"""/language and the language buttons: the chosen language wins over detection from then on."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services.conversations import ConversationService
from bot.telegram.callbacks import answer_button
from bot.telegram.context import CHANNEL, sender_of
from bot.telegram.filters import ButtonData


async def language(message: Message, conversations: ConversationService) -> None:
    sender = sender_of(message)
    if sender is not None:
        await conversations.language_menu(CHANNEL, sender.external_id, sender.lang_hint)


async def chosen(query: CallbackQuery, conversations: ConversationService) -> None:
    await answer_button(query, conversations)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="language")
    router.message.register(language, Command("language"))
    router.callback_query.register(chosen, ButtonData("lang:"))
    return router
