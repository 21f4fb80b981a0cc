"""Near-ties (issue 15, major 4): the best entry answers, the other topic is one tap away, editors see it.

The live answer service and the conversation core on SQLite and PostgreSQL; the margin is widened so a
known question counts as a near-tie whatever the index's exact scores are today (the margin itself is
tested in tests/unit/test_decision.py and measured in knowledge/thresholds.yaml).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.locales import t
from bot.services.conversations import buttons
from bot.services.editorial.baseline import BaselineCache
from bot.services.editorial.unanswered import unanswered
from bot.storage.db import Database
from bot.storage.models import Feedback, Message
from tests.e2e.harness import answer_service, web_conversations

QUESTION = "Mein Chef gibt mir nie eine Lohnabrechnung, nur Geld aufs Konto. Muss er mir die nicht geben?"


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Any:
    shared = answer_service()
    th = shared.thresholds
    monkeypatch.setattr(shared, "thresholds", type(th)(**{**th.__dict__, "near_tie_margin": 1.0}))
    return shared


async def test_a_near_tie_answers_offers_the_other_topic_and_is_reported(db: Database, service: Any) -> None:
    reply = service.respond(QUESTION)
    assert reply.action == "answer" and reply.alternative is not None  # the evaluation still counts an answer
    other = reply.alternative
    assert other.topic != reply.topics[0].topic

    conversations = web_conversations(db, service)
    title = conversations.replies.topic_title(other.topic, "de")
    keyboard = buttons.reply_keyboard(reply, "de", conversations.replies.topic_title)
    assert callable(keyboard)
    first_row = keyboard(1)[0]
    assert [b.text for b in first_row] == [t("btn_or_about", "de", title=title)]
    assert first_row[0].data == buttons.Alternative(entry=other.entry_id).pack()

    incoming = await conversations.handle_incoming("web", "near-tie", QUESTION, "de")
    assert incoming.action == "answer"
    async with db.session() as session:
        logged = (await session.scalars(select(Feedback))).all()
    assert [(f.helpful, f.entry_id, f.question) for f in logged] == [(None, reply.entry_id, QUESTION)]

    # one tap: the other topic's entry answers, recorded like any answer
    toast = await conversations.handle_action("web", "near-tie", first_row[0].data, "de")
    assert toast is None
    async with db.session() as session:
        last = await session.scalar(select(Message).where(Message.author == "bot").order_by(Message.id.desc()).limit(1))
    assert last is not None and last.entry_id == other.entry_id and last.action == "answer"

    # the editors' unanswered report lists the question with the entry it was answered with
    async with db.session() as session:
        items = await unanswered(session, BaselineCache(PROJECT_ROOT / "knowledge" / "entries"))
    assert [(i.question, i.entry_id, i.helpful) for i in items] == [(QUESTION, reply.entry_id, None)]


async def test_a_stale_near_tie_button_gets_a_polite_toast(db: Database, service: Any) -> None:
    conversations = web_conversations(db, service)
    await conversations.handle_incoming("web", "stale", QUESTION, "de")
    toast = await conversations.handle_action("web", "stale", buttons.Alternative(entry="no-such-entry").pack(), "de")
    assert toast == t("unknown_button", "de")
