"""/advisor and the handover buttons (consent, rating): the person's side of the human handover."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services.conversations import ConversationService
from bot.telegram.callbacks import answer_button
from bot.telegram.context import CHANNEL, sender_of
from bot.telegram.filters import ButtonData


async def advisor(message: Message, conversations: ConversationService) -> None:
    sender = sender_of(message)
    if sender is not None:
        await conversations.request_advisor(CHANNEL, sender.external_id, sender.lang_hint)


async def handoff_button(query: CallbackQuery, conversations: ConversationService) -> None:
    await answer_button(query, conversations)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="handoff")
    router.message.register(advisor, Command("advisor", "human", "berater"))
    router.callback_query.register(handoff_button, ButtonData("adv:", "consent:", "rate:"))
    return router
