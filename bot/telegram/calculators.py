"""/deadline and the calculator buttons: the guided calculators (dismissal, minimum wage, vacation, sick pay),
and the buttons that agree to and stop the reminders of a deadline."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Calculator, Remind
from bot.telegram.context import CHANNEL, Sender


async def deadline(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.calculator(CHANNEL, sender.external_id, sender.lang_hint)


async def calculator_button(
    query: CallbackQuery,
    callback_data: Calculator,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


async def reminder_button(
    query: CallbackQuery,
    callback_data: Remind,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
) -> None:
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="calculators")
    router.message.register(deadline, Command("deadline", "frist", "rechner"))
    router.callback_query.register(calculator_button, Calculator.filter())
    router.callback_query.register(reminder_button, Remind.filter())
    return router
