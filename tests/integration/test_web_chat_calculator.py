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
