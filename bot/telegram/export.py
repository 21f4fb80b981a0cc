"""/export: a copy of everything stored about the person, sent to them as a file (GDPR Art. 15).

The file is made on request and sent directly, never stored: it is the person's own data,
and keeping a copy in the outbox would be one more copy to erase.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from bot.locales import t
from bot.services import data_export
from bot.services.conversations import ConversationService
from bot.telegram.context import CHANNEL, Sender


async def export(message: Message, sender: Sender, conversations: ConversationService) -> None:
    lang = sender.lang_hint or "en"
    data = await data_export.export_person(conversations.db, channel=CHANNEL, external_id=sender.external_id)
    if data is None:
        await message.answer(t("webchat_export_nothing", lang))
        return
    upload = BufferedInputFile(data_export.as_file(data), filename=data_export.file_name(data))
    await message.answer_document(upload, caption=t("export_caption", lang))


def create_router() -> Router:
    """A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="export")
    router.message.register(export, Command("export"))
    return router
