"""Template rendering shared by the console routers: autoescaped Jinja2 plus the few filters the pages need.

Autoescape is on for every template; the only HTML that is not escaped is a bot
reply passed through `tg_html` (the Telegram allow-list sanitizer).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from bot.console.csrf import csrf_token
from bot.console.i18n import translate, ui_lang
from bot.console.sanitizer import sanitize_telegram_html
from bot.services.helplines import dialable
from bot.services.reporting import REPORT_ROLES

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
BERLIN = ZoneInfo("Europe/Berlin")

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True


def berlin(value: dt.datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(BERLIN).strftime(fmt)


def waited(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """Compact waiting time: 45 s, 12 min, 3 h 5 min, 2 d."""
    if value is None:
        return ""
    now = now or dt.datetime.now(dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    seconds = max(0, int((now - value).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d"


def topic_title(topic: str | None, lang: str) -> str:
    """The taxonomy's title in the console language, with the stable id for searching."""
    if not topic:
        return "–"
    from knowledge.topics import load_topics

    for item in load_topics():
        if item.id == topic:
            return f"{item.title_in(lang)} ({topic})"
    return topic


templates.env.globals["topic_title"] = topic_title
templates.env.globals["report_roles"] = REPORT_ROLES  # who sees the Reports link
templates.env.filters["tg_html"] = sanitize_telegram_html
templates.env.filters["dialable"] = dialable  # help-line numbers as tel: links (the web chat)
templates.env.filters["berlin"] = berlin
templates.env.filters["waited"] = waited


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    account = getattr(request.state, "account", None)
    lang = ui_lang(request, getattr(account, "ui_lang", None))
    ctx: dict[str, Any] = {
        "account": account,
        "lang": lang,
        "t": lambda key, **params: translate(key, lang, **params),
        "csrf": csrf_token(request),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
