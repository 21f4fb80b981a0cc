"""/deadline and the calculator buttons: the guided calculators (dismissal, minimum wage, vacation, sick pay),
the buttons that agree to and stop the reminders of a deadline, and the buttons under a letter's reading
(📅 its calculator, 📎 keep it for the advisor; the letter itself arrives through questions.media)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Calculator, Letter, Remind
from bot.telegram import buttons
from bot.telegram.context import CHANNEL, Sender


async def deadline(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.calculator(CHANNEL, sender.external_id, sender.lang_hint)


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="calculators")
    router.message.register(deadline, Command("deadline", "frist", "rechner"))
    router.callback_query.register(buttons.press, Calculator.filter())
    router.callback_query.register(buttons.press, Remind.filter())
    router.callback_query.register(buttons.press, Letter.filter())
    return router
