"""The same calculator dialog in the web chat, over HTTP like the page's own requests: /deadline, a tapped
button, typed answers in Ukrainian, the result with its source and advisor button on the re-rendered page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.services.calculators.working_days import today_in_berlin
from tests.e2e.harness import answer_service, make_settings, running_app

CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"|name="csrf_token" value="([^"]+)"')
BUTTON = re.compile(r'data-action="(calc:[a-z0-9_-]+)">([^<]+)</button>')


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, fairbot_secret_key="web-chat-test-secret", throttle_messages=1000)
    async with running_app(settings, answer_service()) as running:
        yield running


def _buttons(page: str) -> dict[str, str]:
    """The newest message's calculator buttons on the page: label -> packed data."""
    return {label.strip(): data for data, label in BUTTON.findall(page)}


async def test_the_sick_pay_dialog_in_the_web_chat(app: Any) -> None:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    headers = {"accept-language": "uk"}  # the browser says Ukrainian
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as visitor:
        opened = await visitor.get("/chat?lang=uk")
        found = CSRF.search(opened.text)
        assert found is not None
        form = {"csrf_token": found.group(1) or found.group(2)}

        assert (await visitor.post("/chat/send", data={**form, "text": "/deadline"})).status_code == 200
        menu = _buttons((await visitor.get("/chat?lang=uk")).text)
        assert "🤒 Оплата під час хвороби" in menu and "✖️ Скасувати" in menu
        await visitor.post("/chat/action", data={**form, "data": menu["🤒 Оплата під час хвороби"]})
        asked = await visitor.get("/chat?lang=uk")
        assert "Який був ваш перший день хвороби?" in asked.text

        ill = today_in_berlin() - dt.timedelta(days=1)
        await visitor.post("/chat/send", data={**form, "text": f"{ill.day}.{ill.month}.{ill.year}"})
        await visitor.post(
            "/chat/action", data={**form, "data": _buttons((await visitor.get("/chat")).text)["Понад 4 тижні тому"]}
        )
        await visitor.post("/chat/send", data={**form, "text": "ні"})  # typed like the button's label
        page = (await visitor.get("/chat?lang=uk")).text

    until = ill + dt.timedelta(days=41)
    assert "Ваша оплата під час хвороби" in page and f"{until:%d.%m.%Y}" in page
    assert "перша оцінка" in page and "gesetze-im-internet.de/entgfg/__3.html" in page


CALENDAR = re.compile(r'href="(/chat/calendar/\d+)"[^>]*data-testid="chat-calendar">([^<]+)<')


async def test_a_dismissal_deadline_is_saved_to_the_visitors_own_calendar_with_its_reminders(app: Any) -> None:
    """The web chat cannot write to a visitor days later; their calendar can, with the same three reminders."""
    from icalendar import Calendar

    received = today_in_berlin() - dt.timedelta(days=2)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 40000))
    french = {"accept-language": "fr"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=french) as visitor:
        form = {"csrf_token": _token((await visitor.get("/chat?lang=fr")).text)}
        await visitor.post("/chat/send", data={**form, "text": "/deadline"})
        await visitor.post("/chat/action", data={**form, "data": "calc:k-dismissal"})
        await visitor.post("/chat/send", data={**form, "text": f"{received.day}.{received.month}.{received.year}"})
        await visitor.post("/chat/action", data={**form, "data": "calc:skip"})  # since when employed: skipped
        before_result = (await visitor.get("/chat?lang=fr")).text
        assert not CALENDAR.search(before_result), "offered before there is a deadline"
        await visitor.post("/chat/action", data={**form, "data": "calc:skip"})  # no end date in the letter
        found = CALENDAR.search((await visitor.get("/chat?lang=fr")).text)
        assert found is not None, "no calendar link under the dismissal result"
        assert found.group(2).startswith("📅 Enregistrer le délai dans mon agenda")
        download = await visitor.get(found.group(1))

        # Another visitor (another cookie) gets nothing for the same link.
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stranger:
            await stranger.get("/chat?lang=fr")
            refused = await stranger.get(found.group(1))

    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/calendar")
    assert "attachment" in download.headers["content-disposition"]
    event = next(c for c in Calendar.from_ical(download.content).walk("VEVENT"))
    deadline = event.decoded("dtstart")
    assert deadline >= received + dt.timedelta(days=21)  # § 4 KSchG: three weeks, later if they end on a holiday
    assert "tribunal du travail" in str(event.get("summary"))
    triggers = sorted(alarm.decoded("trigger") for alarm in event.walk("VALARM"))
    assert triggers == [dt.timedelta(days=-7, hours=9), dt.timedelta(days=-2, hours=9), dt.timedelta(hours=9)]
    assert refused.status_code == 404 and "/deadline" in refused.text


def _token(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None
    return found.group(1) or found.group(2)
