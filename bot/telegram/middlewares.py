"""Middlewares: one chat at a time, each update once; the sender for every handler, a toast for every button.

Order matters. The per-chat lock is taken before anything awaits, so updates of
one chat are handled in the order Telegram numbered them (aiogram runs updates
as concurrent tasks). Then the update id is recorded, in the same transaction as the effects of handling it: a
redelivered update (a webhook retry, a restart between processing and
confirming) changes nothing and is not answered twice; an update whose handling
failed leaves no record, so its redelivery is processed rather than lost.

Handlers then get `sender` (who wrote, in a private chat; other updates reach
no handler), and every button press is answered, with the core's toast if any.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware

from bot.storage.db import Database, DuplicateUpdate, pending_update
from bot.telegram.context import sender_of

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def chat_key(update: Update) -> str | None:
    for event in (update.message, update.edited_message, update.callback_query):
        user = getattr(event, "from_user", None)
        if user is not None:
            return str(user.id)
    return None


class ChatOrderMiddleware(BaseMiddleware):
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        key = chat_key(event) if isinstance(event, Update) else None
        if key is None:
            return await handler(event, data)
        lock = self._locks.get(key)
        if lock is None:
            if len(self._locks) > 50_000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            return await handler(event, data)


class IdempotencyMiddleware(BaseMiddleware):
    """Each update is processed once: its id is recorded in the same transaction as its effects.

    The first write transaction of the handler records the id (`bot.storage.db.pending_update`);
    a redelivered update fails that insert, its transaction rolls back and nothing is said twice.
    A reply written in a transaction shared with other updates (group commit) records the id there,
    and the shared transaction reports a redelivery with the same `DuplicateUpdate`.
    A handler that writes nothing gets its id recorded afterwards.
    """

    def __init__(self, db: Database, source: str) -> None:
        self.db = db
        self.source = source

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        token = pending_update.set((self.source, event.update_id))
        try:
            result = await handler(event, data)
            if pending_update.get() is not None:  # nothing was written: record the id on its own
                async with self.db.transaction():
                    pass
            return result
        except DuplicateUpdate:
            log.info("update_duplicate", extra={"update_id": event.update_id})
            return None
        finally:
            pending_update.reset(token)


class SenderMiddleware(BaseMiddleware):
    """Handlers get `sender`; messages from groups and bots reach no handler (a button of theirs is only answered)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender = sender_of(event) if isinstance(event, Message | CallbackQuery) else None
        if sender is None:
            return None
        data["sender"] = sender
        return await handler(event, data)


class ToastMiddleware(CallbackAnswerMiddleware):
    """Every button press is answered, which stops the spinner on the button; handlers set the toast text.

    Cosmetic, and it expires quickly: best effort, not through the outbox. It is answered even when the
    handler failed, and a failure to answer fails nothing else.
    """

    async def answer(self, event: CallbackQuery, callback_answer: CallbackAnswer) -> None:  # type: ignore[override]
        text = callback_answer.text
        with contextlib.suppress(TelegramAPIError, OSError, TimeoutError):
            await event.answer(text=text[:190] if text else None)
        log.debug("button", extra={"kind": (event.data or "").split(":", 1)[0]})
