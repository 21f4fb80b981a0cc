"""/topics: browse the knowledge base by topic when a person does not know how to ask."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services.conversations import ConversationService
from bot.telegram.callbacks import answer_button
from bot.telegram.context import CHANNEL, sender_of
from bot.telegram.filters import ButtonData


async def topics(message: Message, conversations: ConversationService) -> None:
    sender = sender_of(message)
    if sender is not None:
        await conversations.topics(CHANNEL, sender.external_id, sender.lang_hint)


async def topic(query: CallbackQuery, conversations: ConversationService) -> None:
    await answer_button(query, conversations)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="topics")
    router.message.register(topics, Command("topics"))
    router.callback_query.register(topic, ButtonData("topic:", exact=("topics",)))
    return router
