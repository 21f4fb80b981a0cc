"""Free text and media: everything a person writes that is not a command.

Text goes to the conversation core, which answers it or relays it to the advisor.
Media cannot be answered by retrieval; the core replies politely while the bot
talks, and passes the file id to the advisor while a human is in the chat. A photo,
an image or a PDF sent while the bot talks is read as a letter (bot/services/letters).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Helpful
from bot.services.letters import ACCEPTED_TYPES as LETTER_TYPES
from bot.services.letters import MAX_BYTES
from bot.telegram import buttons
from bot.telegram.context import CHANNEL, Sender
from bot.telegram.filters import PlainText, SlashText

log = logging.getLogger("bot.telegram")


async def question(message: Message, sender: Sender, conversations: ConversationService) -> None:
    await conversations.receive(sender.says(message.text))


async def unknown_command(message: Message, sender: Sender, conversations: ConversationService) -> None:
    """An unknown /command is treated as text, so "/hilfe" still reaches retrieval."""
    await conversations.receive(sender.says((message.text or "").lstrip("/").split("@", 1)[0]))


def _media(message: Message) -> tuple[str, dict[str, Any]]:
    if message.photo:
        return "photo", {"file_id": message.photo[-1].file_id}
    if message.voice:
        return "voice", {"file_id": message.voice.file_id, "duration": message.voice.duration}
    if message.audio:
        return "audio", {"file_id": message.audio.file_id}
    if message.video:
        return "video", {"file_id": message.video.file_id}
    if message.video_note:
        return "video_note", {"file_id": message.video_note.file_id}
    if message.sticker:
        return "sticker", {"file_id": message.sticker.file_id, "emoji": message.sticker.emoji}
    if message.document:
        return "document", {
            "file_id": message.document.file_id,
            "file_name": message.document.file_name,
            "mime_type": message.document.mime_type,
        }
    if message.location:
        return "location", {"latitude": message.location.latitude, "longitude": message.location.longitude}
    if message.contact:
        return "contact", {}  # a phone number is more than counselling needs: not stored
    return "other", {}


def _letter_file(message: Message) -> tuple[str, int | None] | None:
    """The file id and size of a photo, image or PDF: what may be a letter."""
    if message.photo:
        return message.photo[-1].file_id, message.photo[-1].file_size
    document = message.document
    if document and (document.mime_type or "").lower() in LETTER_TYPES:
        return document.file_id, document.file_size
    return None


async def media(message: Message, sender: Sender, conversations: ConversationService) -> None:
    letter = _letter_file(message)
    if letter is not None and message.bot is not None:
        file_id, size = letter
        data = None
        try:
            if size is None or size <= MAX_BYTES:
                data = (await message.bot.download(file_id)).getvalue()  # type: ignore[union-attr]
        except (TelegramAPIError, aiohttp.ClientError, TimeoutError) as error:
            # the file cannot be fetched (gone, forged id, network): handled as a file the bot cannot read
            log.warning("letter_download_failed", extra={"error": type(error).__name__})
        else:
            if await conversations.read_letter(CHANNEL, sender.external_id, data, sender.lang_hint) is not None:
                return
    kind, attachment = _media(message)
    await conversations.receive(sender.says(message.caption or "", kind=kind, attachment=attachment))


def create_text_router() -> Router:
    """Free text, routed first: it is nearly every update, and no /command router could take it,
    so it skips their command parsing."""
    router = Router(name="questions-text")
    router.message.register(question, PlainText())
    return router


def create_router() -> Router:
    """The catch-alls, routed last. A fresh router per dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="questions")
    router.message.register(unknown_command, SlashText())
    router.message.register(media)
    router.callback_query.register(buttons.press, Helpful.filter())
    router.callback_query.register(buttons.press)  # no button class took it: an old keyboard or forged data
    return router
