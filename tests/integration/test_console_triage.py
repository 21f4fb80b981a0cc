"""The advisor queue's triage over the console's routes: people who reached the queue through the real
conversation core (web chat, the real answer service and decision layer, the dismissal calculator) are
marked and ordered: an emergency, a deadline about to run out, exploitation, a later deadline, the rest.
The reason is shown in German and in English."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.calculators.working_days import today_in_berlin
from bot.services.conversations import ConversationService, buttons
from bot.storage.models import Conversation, Handoff, Person
from tests.console_user import log_in
from tests.e2e.harness import answer_service, make_settings, running_app

ROW = re.compile(r'data-testid="queue-item" data-conversation-id="(\d+)" data-triage="(\w*)"')


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, fairbot_secret_key="asgi-test-secret-not-for-production")
    async with running_app(settings, answer_service()) as running:
        yield running


async def _consent(app: Any, external_id: str) -> int:
    """Yes to the newest consent question of the person (asked after /advisor or an emergency)."""
    core: ConversationService = app.state.runtime.conversations
    async with app.state.runtime.db.session() as session:
        conversation_id, handoff_id = (
            await session.execute(
                select(Conversation.id, Handoff.id)
                .join(Person, Person.id == Conversation.person_id)
                .join(Handoff, Handoff.conversation_id == Conversation.id)
                .where(Person.external_id == external_id, Handoff.status == "consent")
                .order_by(Handoff.id.desc())
            )
        ).first()
    await core.handle_action("web", external_id, buttons.Consent(handoff_id=handoff_id, answer="y").pack(), "de")
    return conversation_id


async def _asks_then_hands_over(app: Any, external_id: str, text: str) -> int:
    core: ConversationService = app.state.runtime.conversations
    await core.handle_incoming("web", external_id, text, "de")
    await core.request_advisor("web", external_id, "de")
    return await _consent(app, external_id)


async def _deadline_then_hands_over(app: Any, external_id: str, received: dt.date) -> int:
    core: ConversationService = app.state.runtime.conversations
    await core.calculator("web", external_id, "de", kind="dismissal")
    await core.handle_incoming("web", external_id, f"{received:%d.%m.%Y}", "de")
    await core.handle_action("web", external_id, "calc:skip", "de")  # employed since: not said
    await core.handle_action("web", external_id, "calc:skip", "de")  # no end date in the letter
    await core.request_advisor("web", external_id, "de")
    return await _consent(app, external_id)


async def test_marked_conversations_come_first_with_their_reason(app: Any) -> None:
    today = today_in_berlin()
    plain = await _asks_then_hands_over(app, "triage-plain", "Wie viele Urlaubstage habe ich?")
    later = await _deadline_then_hands_over(app, "triage-later", today - dt.timedelta(days=1))
    passport = await _asks_then_hands_over(
        app, "triage-passport", "Mein Arbeitgeber hat meinen Reisepass genommen und gibt ihn nicht zurück"
    )
    soon = await _deadline_then_hands_over(app, "triage-soon", today - dt.timedelta(days=20))
    fees = await _asks_then_hands_over(
        app, "triage-fees", "Die Agentur verlangt 3000 Euro Vermittlungsgebühr, die ich abarbeiten soll"
    )
    core: ConversationService = app.state.runtime.conversations
    await core.handle_incoming(
        "web",
        "triage-locked",
        "Der Chef hat meinen Pass und meine Aufenthaltskarte eingeschlossen, was kann ich tun?",
        "de",
    )
    locked = await _consent(app, "triage-locked")

    bea = await log_in(app, "bea")
    page = (await bea.get("/console/inbox/queue")).text
    rows = ROW.findall(page)
    assert [int(cid) for cid, _ in rows] == [locked, soon, passport, fees, later, plain]
    assert [kind for _, kind in rows] == ["emergency", "deadline", "exploitation", "exploitation", "deadline", ""]

    def reasons(conversation_id: int, html: str) -> str:
        cell = re.search(rf'data-testid="triage-{conversation_id}">(.*?)</td>', html, re.S)
        assert cell is not None
        return re.sub(r"<[^>]+>", " ", cell.group(1))

    assert "Notfall: Menschenhandel / Zwangsarbeit" in reasons(locked, page)
    assert "Ausbeutung: Verdacht auf Menschenhandel" in reasons(locked, page)
    async with app.state.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == soon))
    assert handoff is not None
    deadline = dt.date.fromisoformat(handoff.packet["calculations"][0]["claim_deadline"])
    days = (deadline - today).days
    left = "1 Tag" if days == 1 else f"{days} Tage"
    assert f"noch {left} (Kündigungsschutzklage bis {deadline:%d.%m.%Y})" in reasons(soon, page)
    assert "Ausbeutung: Pass oder Papiere einbehalten" in reasons(passport, page)
    assert "Ausbeutung: Schulden bei Vermittlern" in reasons(fees, page)
    assert "Frist läuft: noch" in reasons(later, page)
    assert reasons(plain, page).strip() == ""

    bea.client.cookies.set("console_lang", "en")
    english = (await bea.get("/console/inbox/queue")).text
    assert "Emergency: trafficking / forced labour" in reasons(locked, english)
    left = "1 day" if days == 1 else f"{days} days"
    assert f"Deadline running: {left} left (claim against the dismissal by" in reasons(soon, english)
    assert "Exploitation: passport or papers kept" in reasons(passport, english)

    # a claimed conversation keeps its marks in the advisor's own list
    claimed = await bea.post(f"/console/conversations/{passport}/claim")
    assert claimed.status_code == 303
    mine = (await bea.get("/console/inbox/queue")).text
    assert "Exploitation: passport or papers kept" in mine.split('data-testid="mine"', 1)[1]
