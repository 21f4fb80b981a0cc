"""The advisor sees the person's calculator results in the conversation page's handover packet (real app, ASGI)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.services import accounts
from bot.services.conversations import ConversationService
from bot.storage.models import Handoff
from tests.e2e.harness import answer_service, make_settings, running_app


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, fairbot_secret_key="asgi-test-secret-not-for-production")
    async with running_app(settings, answer_service()) as running:
        yield running


CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')
PASSWORD = "correct-horse-battery-staple"


async def _logged_in_page(app: Any, url: str) -> httpx.Response:
    """An advisor of Niedersachsen logs in and opens `url`."""
    async with app.state.runtime.db.transaction() as session:
        await accounts.create_account(
            session, username="carla", password=PASSWORD, role="advisor", display_name="Carla", region="ni"
        )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client:
        login = await client.get("/console/login")
        found = CSRF.search(login.text)
        assert found is not None
        data = {"username": "carla", "password": PASSWORD, "csrf_token": found.group(1)}
        assert (await client.post("/console/login", data=data)).status_code == 303
        return await client.get(url)


async def test_the_conversation_page_shows_the_calculation(app: Any) -> None:
    core: ConversationService = app.state.runtime.conversations
    for value in ("k-sick_pay", "today", "skip", "no"):
        await core.handle_action("web", "calc-person", f"calc:{value}", "de")
    first = await core.handle_incoming("web", "calc-person", "Ich möchte mit einer Beraterin sprechen", "de")
    async with app.state.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == first.conversation_id))
    assert handoff is not None
    await core.handle_action("web", "calc-person", f"consent:{handoff.id}:y", "de")

    page = await _logged_in_page(app, f"/console/conversations/{first.conversation_id}")
    assert page.status_code == 200
    assert 'data-testid="calculation" data-calculator="sick_pay"' in page.text
    assert "Ihr Lohn bei Krankheit" in page.text and "Berechnungen der Person" in page.text
