"""/topics: browse the knowledge base by topic when a person does not know how to ask."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Alternative, Topic, Topics
from bot.telegram.context import CHANNEL, Sender


async def topics(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.topics(CHANNEL, sender.external_id, sender.lang_hint)


async def topics_button(
    query: CallbackQuery,
    callback_data: Topics,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


async def topic(
    query: CallbackQuery,
    callback_data: Topic | Alternative,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="topics")
    router.message.register(topics, Command("topics"))
    router.callback_query.register(topics_button, Topics.filter())
    router.callback_query.register(topic, Topic.filter())
    router.callback_query.register(topic, Alternative.filter())  # "Or is your question about …?" under a near-tie
    return router
