"""The web chat's calendar file (GET /chat/calendar/{id}): a deadline result saved with its reminders.

The link sits under a calculator result that starts a deadline (chat/_log.html); in Telegram the same
result offers reminders from the bot instead (bot/services/calendar_file.py says why).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.console.chat import CHANNEL, chat_session_id, lang_hint
from bot.console.deps import DatabaseDep
from bot.console.web import templates
from bot.locales import t
from bot.services import calendar_file
from bot.services.handoff import BERLIN
from bot.storage.models import Message

router = APIRouter()


def _offered(message: Message) -> bool:
    return calendar_file.deadline_ahead(message, dt.datetime.now(BERLIN).date()) is not None


templates.env.globals["calendar_offered"] = _offered


@router.get("/chat/calendar/{message_id}")
async def calendar(request: Request, message_id: int, db: DatabaseDep) -> Response:
    sid = chat_session_id(request)
    lang = lang_hint(request) or "en"
    made = await calendar_file.for_message(db, CHANNEL, sid, message_id, lang, dt.datetime.now(dt.UTC)) if sid else None
    if made is None:
        return HTMLResponse(t("calendar_none", lang), status_code=404)
    name, data = made
    headers = {"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"}
    return Response(data, media_type="text/calendar; charset=utf-8", headers=headers)
