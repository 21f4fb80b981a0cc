"""/start: the language keyboard first; the privacy notice and what the bot can do follow the choice."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.types import Message

from bot.services.conversations import ConversationService
from bot.telegram.context import CHANNEL, sender_of

router = Router(name="start")


@router.message(CommandStart())
async def start(message: Message, conversations: ConversationService) -> None:
    sender = sender_of(message)
    if sender is not None:
        await conversations.start(CHANNEL, sender.external_id, sender.lang_hint)
