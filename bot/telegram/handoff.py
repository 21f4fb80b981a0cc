"""/advisor and the handover buttons (advisor, consent, contact way, rating): the person's side of the human handover."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Advisor, Consent, Contact, Rate
from bot.telegram.context import CHANNEL, Sender


async def advisor(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.request_advisor(CHANNEL, sender.external_id, sender.lang_hint)


async def advisor_button(
    query: CallbackQuery,
    callback_data: Advisor,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


async def consent(
    query: CallbackQuery,
    callback_data: Consent,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


async def contact(
    query: CallbackQuery,
    callback_data: Contact,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


async def rate(
    query: CallbackQuery,
    callback_data: Rate,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="handoff")
    router.message.register(advisor, Command("advisor", "human", "berater"))
    router.callback_query.register(advisor_button, Advisor.filter())
    router.callback_query.register(consent, Consent.filter())
    router.callback_query.register(contact, Contact.filter())
    router.callback_query.register(rate, Rate.filter())
    return router
