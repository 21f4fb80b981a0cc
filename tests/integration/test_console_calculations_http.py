"""The advisor sees the person's calculator results in the conversation page's handover packet (real app, ASGI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.conversations import ConversationService
from bot.storage.models import Handoff
from tests.e2e.harness import answer_service, make_settings, running_app
from tests.integration.test_console_inbox_http import _advisor


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, fairbot_secret_key="asgi-test-secret-not-for-production")
    async with running_app(settings, answer_service()) as running:
        yield running


async def test_the_conversation_page_shows_the_calculation(app: Any) -> None:
    core: ConversationService = app.state.runtime.conversations
    for value in ("k-sick_pay", "today", "skip", "no"):
        await core.handle_action("web", "calc-person", f"calc:{value}", "de")
    first = await core.handle_incoming("web", "calc-person", "Ich möchte mit einer Beraterin sprechen", "de")
    async with app.state.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == first.conversation_id))
    assert handoff is not None
    await core.handle_action("web", "calc-person", f"consent:{handoff.id}:y", "de")

    advisor = await _advisor(app, "carla")
    page = await advisor.get(f"/console/conversations/{first.conversation_id}")
    assert page.status_code == 200
    assert 'data-testid="calculation" data-calculator="sick_pay"' in page.text
    assert "Ihr Lohn bei Krankheit" in page.text and "Berechnungen der Person" in page.text
