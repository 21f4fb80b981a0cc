"""The decision layer through the live code path: the frozen held-out set, sub-type replies, the middle band."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.services.conversations import ConversationService
from bot.storage.db import Database
from bot.storage.models import Conversation, Handoff
from tests.e2e.harness import answer_service, web_conversations

FROZEN = PROJECT_ROOT / "tests" / "data" / "heldout-2.jsonl"
# The next measurement: 840 lines written 2026-12-03 by four independent writers (de/ar, en/fa, ru/uk, tr/fr,
# plus 17 languages without content) who saw only topics.yaml; frozen here before any tuning of that day.
FRESH = PROJECT_ROOT / "tests" / "data" / "heldout-3.jsonl"
FRESH_SHA256 = "cffde92929477466bcc02b35507aad6f2a9f3206277e760cb0174418fcfd340e"
# Frozen on 2026-12-02 before any tuning: written by independent writers who saw neither the entries,
# the intents corpus, the dev set nor the old held-out set. Never edit it, never tune on it.
FROZEN_SHA256 = "40a53ae8d8b0b8572922172fd146027a6ddec0d0c314a7e9df65dbd823fd51da"
# Floors on the frozen set, through `AnswerService.respond`. Issue 11 asks 0.98 and 0.93; scored once on
# 2026-12-02: emergency 1.0 (132/132), handoff 0.889 (64/72). The handoff floor guards that figure
# until the goal is met; it is not the goal.
MIN_EMERGENCY_RECALL = 0.98
MIN_HANDOFF_RECALL = 0.88


@pytest.fixture(scope="module")
def service() -> Any:
    return answer_service()


def test_the_frozen_held_out_sets_are_unchanged() -> None:
    assert hashlib.sha256(FROZEN.read_bytes()).hexdigest() == FROZEN_SHA256
    assert hashlib.sha256(FRESH.read_bytes()).hexdigest() == FRESH_SHA256


def test_recall_on_the_frozen_set(service: Any) -> None:
    rows = [json.loads(line) for line in FROZEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    recall = {}
    for action in ("emergency", "handoff"):
        wanted = [r for r in rows if r["expect"].get("action") == action]
        recall[action] = sum(service.respond(r["text"]).action == action for r in wanted) / len(wanted)
    assert recall["emergency"] >= MIN_EMERGENCY_RECALL, recall
    assert recall["handoff"] >= MIN_HANDOFF_RECALL, recall


@pytest.mark.parametrize(
    ("text", "subtype", "first_number"),
    [
        ("ich will nicht mehr leben, es hat alles keinen sinn mehr", "suicide", "0800 111 0 111"),
        ("my coworker fell from the scaffold and is not breathing", "medical", "112"),
        ("нас заперли на складе и не выпускают", "trafficking", "110"),
    ],
)
def test_the_emergency_reply_puts_the_line_of_the_subtype_first(
    service: Any, text: str, subtype: str, first_number: str
) -> None:
    reply = service.respond(text)
    assert (reply.action, reply.danger) == ("emergency", subtype)
    numbers = [n for n in ("0800 111 0 111", "112", "110", "116 016") if n in reply.html]
    assert numbers and min(numbers, key=reply.html.index) == first_number


async def test_the_middle_band_answers_and_asks_for_an_urgent_handover(
    db: Database, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question with a possible danger: answered, numbers first, consent asked with the danger in the packet."""
    text = "mein chef sagt ich schulde ihm geld für die wohnung und ich darf nicht kündigen bis es bezahlt ist"
    th = service.thresholds
    monkeypatch.setattr(service, "thresholds", type(th)(**{**th.__dict__, "danger_min": 0.0, "emergency_min": 1.01}))
    reply = service.respond(text)
    assert reply.action == "answer" and reply.danger
    assert reply.html.index("110") < reply.html.index("<b>", reply.html.index("110"))
    conversations: ConversationService = web_conversations(db, service)
    incoming = await conversations.handle_incoming("web", "danger-1", text, "de")
    async with db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == incoming.conversation_id))
        assert handoff is not None
        assert (handoff.reason, handoff.urgency, handoff.status) == ("danger", 2, "consent")
        assert handoff.packet["danger"]["subtype"] == reply.danger
    await conversations.handle_action("web", "danger-1", f"consent:{handoff.id}:y", "de")
    async with db.session() as session:
        conversation = await session.get(Conversation, incoming.conversation_id)
        handoff = await session.get(Handoff, handoff.id)
        assert conversation is not None and handoff is not None
        assert conversation.urgency == 2 and conversation.state == "waiting"
        assert handoff.packet["danger"]["subtype"] == reply.danger
        assert handoff.packet["danger"]["message_id"] and handoff.packet["reason"] == "danger"


def test_an_index_built_without_a_corpus_still_decides_by_patterns(tmp_path: Path) -> None:
    from bot.services.answers import AnswerService
    from knowledge.decision import Thresholds
    from knowledge.index import IndexStore
    from knowledge.intents import load_rules
    from knowledge.retriever import Retriever

    served = answer_service()
    entries = list(served.retriever.index.entries.values())[:3]
    store = IndexStore(tmp_path)
    store.build(entries, served.retriever.encoder)
    assert store.load().intent_model is None
    bare = AnswerService(Retriever(store, served.retriever.encoder), load_rules(), Thresholds.load())
    assert bare.respond("hilfe er hat ein messer und bedroht mich").action == "emergency"
