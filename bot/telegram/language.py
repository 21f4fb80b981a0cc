"""/language and the language buttons: the chosen language wins over detection from then on."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Language
from bot.telegram import buttons
from bot.telegram.context import CHANNEL, Sender


async def language(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.language_menu(CHANNEL, sender.external_id, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="language")
    router.message.register(language, Command("language"))
    router.callback_query.register(buttons.press, Language.filter())
    return router
