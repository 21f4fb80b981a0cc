"""/topics: browse the knowledge base by topic when a person does not know how to ask."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Alternative, Topic, Topics
from bot.telegram import buttons
from bot.telegram.context import CHANNEL, Sender


async def topics(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.topics(CHANNEL, sender.external_id, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="topics")
    router.message.register(topics, Command("topics"))
    router.callback_query.register(buttons.press, Topics.filter())
    router.callback_query.register(buttons.press, Topic.filter())
    router.callback_query.register(
        buttons.press, Alternative.filter()
    )  # "Or is your question about …?" under a near-tie
    return router
