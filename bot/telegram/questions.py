"""Free text and media: everything a person writes that is not a command.

Text goes to the conversation core, which answers it or relays it to the advisor.
Media cannot be answered by retrieval; the core replies politely while the bot
talks, and passes the file id to the advisor while a human is in the chat.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.services.conversations import ConversationService
from bot.telegram.callbacks import answer_button
from bot.telegram.context import CHANNEL, sender_of
from bot.telegram.filters import ButtonData, PlainText, SlashText


async def question(message: Message, conversations: ConversationService) -> None:
    sender = sender_of(message)
    if sender is not None:
        await conversations.handle_incoming(CHANNEL, sender.external_id, message.text, sender.lang_hint)


async def unknown_command(message: Message, conversations: ConversationService) -> None:
    """An unknown /command is treated as text, so "/hilfe" still reaches retrieval."""
    sender = sender_of(message)
    if sender is not None:
        text = (message.text or "").lstrip("/").split("@", 1)[0]
        await conversations.handle_incoming(CHANNEL, sender.external_id, text, sender.lang_hint)


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


async def media(message: Message, conversations: ConversationService) -> None:
    sender = sender_of(message)
    if sender is None:
        return
    kind, attachment = _media(message)
    await conversations.handle_incoming(
        CHANNEL, sender.external_id, message.caption or "", sender.lang_hint, kind=kind, attachment=attachment
    )


async def feedback(query: CallbackQuery, conversations: ConversationService) -> None:
    await answer_button(query, conversations)


async def unknown_button(query: CallbackQuery, conversations: ConversationService) -> None:
    """Buttons from an old keyboard or forged data: a polite toast, never an error."""
    await answer_button(query, conversations)


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
    router.callback_query.register(feedback, ButtonData("fb:"))
    router.callback_query.register(unknown_button)
    return router
