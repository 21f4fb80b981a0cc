"""/language and the language buttons: the chosen language wins over detection from then on."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Language
from bot.telegram.context import CHANNEL, Sender


async def language(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.language_menu(CHANNEL, sender.external_id, sender.lang_hint)


async def chosen(
    query: CallbackQuery,
    callback_data: Language,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="language")
    router.message.register(language, Command("language"))
    router.callback_query.register(chosen, Language.filter())
    return router
