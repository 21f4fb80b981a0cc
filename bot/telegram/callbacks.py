"""Every button press ends here: the core acts, and the spinner on the button stops with a short toast."""

from __future__ import annotations

import contextlib
import json
import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery

from bot.services.conversations import ConversationService
from bot.telegram.context import CHANNEL, sender_of

log = logging.getLogger(__name__)


async def answer_button(query: CallbackQuery, conversations: ConversationService) -> None:
    sender = sender_of(query)
    toast = None
    try:
        if sender is not None:
            toast = await conversations.handle_action(CHANNEL, sender.external_id, query.data or "", sender.lang_hint)
    finally:
        # Cosmetic (it stops the spinner) and expires quickly: best effort, not through the outbox.
        with contextlib.suppress(TelegramAPIError, OSError, TimeoutError):
            await query.answer(text=(toast or None) and toast[:190])
    log.debug(json.dumps({"event": "button", "kind": (query.data or "").split(":", 1)[0]}))
