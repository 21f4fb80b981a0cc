"""/advisor and the handover buttons (advisor, consent, contact way, rating): the person's side of the human handover."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Advisor, Consent, Contact, Rate
from bot.telegram import buttons
from bot.telegram.context import CHANNEL, Sender


async def advisor(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.request_advisor(CHANNEL, sender.external_id, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="handoff")
    router.message.register(advisor, Command("advisor", "human", "berater"))
    router.callback_query.register(buttons.press, Advisor.filter())
    router.callback_query.register(buttons.press, Consent.filter())
    router.callback_query.register(buttons.press, Contact.filter())
    router.callback_query.register(buttons.press, Rate.filter())
    return router
