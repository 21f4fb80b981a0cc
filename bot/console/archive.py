"""The archive route: every conversation the account may see, searched and filtered.

The route only parses the form; visibility, search and the audit entry are
`bot.services.archive.Archive.search`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.console.csrf import verify_csrf
from bot.console.deps import ArchiveDep, CurrentAdvisor
from bot.console.web import render
from bot.errors import InvalidInput
from bot.services.archive import CHANNELS, STATE_FILTERS, ArchiveQuery
from bot.services.inbox import OUTCOMES
from bot.services.team import LANGUAGE_CODE

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])

LANGUAGES = ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")


def _date(value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _topics() -> list[str]:
    from knowledge.topics import load_topics

    return [topic.id for topic in load_topics()]


@router.get("/archive")
async def archive(
    request: Request,
    account: CurrentAdvisor,
    service: ArchiveDep,
    q: str = "",
    language: str = "",
    topic: str = "",
    outcome: str = "",
    channel: str = "",
    state: str = "",
    date_from: str = "",
    date_to: str = "",
    page: int = 1,
) -> Response:
    form = {
        "q": q,
        "language": language,
        "topic": topic,
        "outcome": outcome,
        "channel": channel,
        "state": state,
        "date_from": date_from,
        "date_to": date_to,
    }
    context: dict[str, Any] = {
        "form": form,
        "languages": LANGUAGES,
        "topics": _topics(),
        "outcomes": OUTCOMES,
        "channels": CHANNELS,
        "states": STATE_FILTERS,
        "rows": [],
        "error": "",
    }
    try:
        if language and not LANGUAGE_CODE.match(language):
            raise InvalidInput("language: a code such as de or ar")
        query = ArchiveQuery(
            q=q,
            language=language,
            topic=topic,
            outcome=outcome,
            channel=channel,
            state=state,
            date_from=_date(date_from),
            date_to=_date(date_to),
            page=page,
        )
        context.update(await service.search(account, query))
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "archive/archive.html", context, status_code=400)
    chosen = {key: value for key, value in form.items() if value}
    if context["page"] > 1:
        context["prev_url"] = f"/console/archive?{urlencode({**chosen, 'page': context['page'] - 1})}"
    if context["more"]:
        context["next_url"] = f"/console/archive?{urlencode({**chosen, 'page': context['page'] + 1})}"
    return render(request, "archive/archive.html", context)
