"""The HTTP session to the Bot API: aiogram's, except that one broken update cannot stall long polling.

(An update is confirmed to Telegram only once it is stored: bot/telegram/intake.py.)

Why: aiogram validates a getUpdates answer as a whole. One update it cannot read (a field of a newer Bot
API in an unexpected shape, a payload that is not an object) fails the whole batch, aiogram asks again
with the same offset, gets the same batch, and from then on no update reaches the bot: every person
waits forever. Found by tests/e2e/test_update_properties.py. Here each update of a getUpdates answer
is checked alone; one that does not validate is logged once (its id and the error type, never its
content) and replaced by a bare `{"update_id": N}`, which the dispatcher skips and the offset moves past,
as the webhook path acknowledges a broken update (bot/telegram/runtime.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Update
from pydantic import ValidationError

log = logging.getLogger(__name__)


class TolerantSession(AiohttpSession):
    """AiohttpSession whose getUpdates answers drop the updates that do not validate, one by one."""

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            content = _without_broken_updates(bot, content)
        return super().check_response(bot, method, status_code, content)


def _without_broken_updates(bot: Bot, content: str) -> str:
    try:
        data = json.loads(content)
    except ValueError:
        return content  # not JSON at all: aiogram reports it as before
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        return content
    kept: list[Any] = []
    for raw in result:
        try:
            Update.model_validate(raw, context={"bot": bot})
            kept.append(raw)
        except ValidationError as exc:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            log.warning(
                "polling_bad_update", extra={"update_id": update_id, "error": f"{exc.error_count()} validation errors"}
            )
            if isinstance(update_id, int) and not isinstance(update_id, bool):
                kept.append({"update_id": update_id})  # skipped by the dispatcher, confirmed by the next offset
    if len(kept) == len(result) and all(a is b for a, b in zip(kept, result, strict=True)):
        return content
    return json.dumps({**data, "result": kept})
