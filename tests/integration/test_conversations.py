"""The conversation state machine through its public service, on SQLite and PostgreSQL.

The web channel is used here (its sender is the event bus), so these tests need
no Telegram; the Telegram path is covered end to end in tests/e2e.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import events
from bot.errors import AlreadyClaimed, InvalidInput, InvalidState, NotAssigned
from bot.locales import t
from bot.services.channels import WebChatSender
from bot.services.conversations import ConversationService
from bot.services.throttling import MemoryThrottle
from bot.storage.db import Database
from bot.storage.models import Conversation, Feedback, Handoff, Message, Person
from tests.e2e.harness import answer_service, web_conversations


@pytest.fixture(scope="module")
def answers() -> Any:
    return answer_service()


class Recorder:
    """Follows a person's web-chat topic like the web chat page does."""

    def __init__(self, bus: events.EventBus) -> None:
        self.bus = bus
        self.seen: dict[str, list[dict[str, Any]]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def follow(self, topic: str) -> None:
        async def run() -> None:
            async for payload in self.bus.subscribe(topic):
                self.seen.setdefault(topic, []).append(payload)

        self._tasks.append(asyncio.create_task(run()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@pytest.fixture
async def service(db: Database, answers: Any) -> AsyncIterator[ConversationService]:
    yield web_conversations(db, answers, throttle=MemoryThrottle(limit=5, window_seconds=60))


async def _conversation(svc: ConversationService, conversation_id: int) -> Conversation:
    return await svc.get_conversation(conversation_id)


async def _out_texts(svc: ConversationService, conversation_id: int) -> list[str]:
    return [m.text for m in await svc.transcript(conversation_id) if m.direction == "out"]


async def _handover(svc: ConversationService, person: str, text: str = "Mein Chef zahlt meinen Lohn nicht") -> int:
    """A person asks, then asks for an advisor and consents: returns the waiting conversation's id."""
    first = await svc.handle_incoming("web", person, text, "de")
    await svc.handle_action("web", person, "adv:request", "de")
    async with svc.db.session() as session:
        handoff = await session.scalar(
            select(Handoff).where(Handoff.conversation_id == first.conversation_id).order_by(Handoff.id.desc())
        )
    assert handoff is not None and handoff.status == "consent"
    toast = await svc.handle_action("web", person, f"consent:{handoff.id}:y", "de")
    assert toast
    return first.conversation_id


async def test_question_is_answered_and_stored_with_entry_and_score(service: ConversationService) -> None:
    recorder = Recorder(service.bus)
    result = await service.handle_incoming("web", "p1", "Mein Chef zahlt meinen Lohn nicht", "de")
    assert result.action == "answer"
    messages = await service.transcript(result.conversation_id)
    assert [(m.direction, m.author) for m in messages] == [("in", "user"), ("out", "bot")]
    answer = messages[1]
    assert answer.entry_id and answer.entry_version and answer.score is not None
    assert answer.delivery_status == "sent"  # the web chat's outbox is the bus
    assert messages[0].text == "Mein Chef zahlt meinen Lohn nicht"
    await recorder.stop()


async def test_fallback_lands_in_the_unanswered_report(service: ConversationService) -> None:
    result = await service.handle_incoming("web", "p2", "xyzzy plugh quux", "en")
    assert result.action == "fallback"
    async with service.db.session() as session:
        feedback = (await session.scalars(select(Feedback))).all()
    assert [f.question for f in feedback] == ["xyzzy plugh quux"]
    assert feedback[0].helpful is None


async def test_full_handover_relay_close_and_rating(service: ConversationService) -> None:
    conversation_id = await _handover(service, "p3")
    conversation = await _conversation(service, conversation_id)
    assert conversation.state == "waiting" and conversation.consent_given_at is not None
    queue = await service.queue("ni")
    assert [item.conversation_id for item in queue.waiting] == [conversation_id]
    packet = await service.handoff_packet(conversation_id)
    assert packet is not None and packet["language"] == "de" and packet["transcript"]

    # While waiting, the bot says nothing: the message is stored and relayed.
    before = len(await _out_texts(service, conversation_id))
    relayed = await service.handle_incoming("web", "p3", "Hallo? Ist jemand da?", "de")
    assert relayed.action == "relayed"
    assert len(await _out_texts(service, conversation_id)) == before

    await service.claim(conversation_id, advisor_id=7)
    assert (await service.queue("ni", advisor_id=7)).mine[0].conversation_id == conversation_id
    reply = await service.advisor_reply(conversation_id, 7, "Guten Tag, ich bin <Ihre> Beraterin & helfe gern.")
    assert reply.author == "advisor" and reply.delivery_status == "sent"
    assert reply.text == "Guten Tag, ich bin <Ihre> Beraterin & helfe gern."
    await service.handle_incoming("web", "p3", "Danke! Mein Chef zahlt seit zwei Monaten nicht.", "de")
    note = await service.add_note(conversation_id, 7, "Lohnforderung, 2 Monate")
    assert note.id

    closed = await service.close(conversation_id, 7, outcome="referred")
    assert closed.state == "closed" and closed.outcome == "referred"
    toast = await service.handle_action("web", "p3", f"rate:{conversation_id}:4", "de")
    assert toast
    assert (await _conversation(service, conversation_id)).rating == 4

    # The bot resumes in a new conversation.
    again = await service.handle_incoming("web", "p3", "Wie hoch ist der Mindestlohn?", "de")
    assert again.conversation_id != conversation_id and again.action == "answer"
    history = await service.person_history(closed.person_id)
    assert [c.id for c in history] == [conversation_id, again.conversation_id]
    authors = [m.author for m in await service.transcript(conversation_id)]
    assert "advisor" in authors and authors.count("user") >= 3


async def test_emergency_gives_numbers_first_then_asks_consent(service: ConversationService) -> None:
    result = await service.handle_incoming("web", "p4", "My boss hits me and locked me in the room", "en")
    assert result.action == "emergency"
    texts = await _out_texts(service, result.conversation_id)
    assert "110" in texts[0] and "112" in texts[0]
    async with service.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == result.conversation_id))
    assert handoff is not None and handoff.reason == "emergency" and handoff.urgency == 2
    await service.handle_action("web", "p4", f"consent:{handoff.id}:y", "en")
    # An emergency goes ahead of an older normal request.
    other = await _handover(service, "p5")
    queue = await service.queue("ni")
    assert [i.conversation_id for i in queue.waiting] == [result.conversation_id, other]
    assert queue.waiting[0].urgency == 2 and queue.waiting[0].reason == "emergency"


async def test_declined_consent_shares_nothing(service: ConversationService) -> None:
    first = await service.handle_incoming("web", "p6", "Ich möchte mit einem Menschen sprechen", "de")
    assert first.action == "handoff"
    async with service.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == first.conversation_id))
    assert handoff is not None
    await service.handle_action("web", "p6", f"consent:{handoff.id}:n", "de")
    conversation = await _conversation(service, first.conversation_id)
    assert conversation.state == "bot" and conversation.consent_given_at is None
    assert (await service.queue("ni")).waiting == []


async def test_advisor_operations_check_assignment(service: ConversationService) -> None:
    conversation_id = await _handover(service, "p7")
    with pytest.raises(InvalidState):
        await service.advisor_reply(conversation_id, 1, "too early")
    await service.claim(conversation_id, 1)
    with pytest.raises(AlreadyClaimed):
        await service.claim(conversation_id, 2)
    with pytest.raises(NotAssigned):
        await service.advisor_reply(conversation_id, 2, "not mine")
    with pytest.raises(InvalidInput):
        await service.advisor_reply(conversation_id, 1, "   ")
    await service.transfer(conversation_id, 1, 2)
    with pytest.raises(NotAssigned):
        await service.advisor_reply(conversation_id, 1, "not mine any more")
    message = await service.advisor_reply(conversation_id, 2, "Hallo")
    assert message.advisor_id == 2


async def test_claim_race_has_exactly_one_winner(service: ConversationService) -> None:
    conversation_id = await _handover(service, "p8")

    async def claim(advisor: int) -> int | None:
        try:
            await service.claim(conversation_id, advisor)
            return advisor
        except AlreadyClaimed:
            return None

    results = await asyncio.gather(*(claim(a) for a in range(1, 21)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert (await _conversation(service, conversation_id)).advisor_id == winners[0]


async def test_throttling_answers_politely_once_and_keeps_the_messages(service: ConversationService) -> None:
    results = [await service.handle_incoming("web", "p9", f"hallo {i}", "de") for i in range(8)]
    assert [r.action for r in results[5:]] == ["throttled"] * 3
    assert [r.replies for r in results[5:]] == [1, 0, 0]
    async with service.db.session() as session:
        stored = await session.scalar(select(func.count()).select_from(Message).where(Message.direction == "in"))
    assert stored == 8


async def test_an_emergency_is_never_throttled(service: ConversationService) -> None:
    for i in range(6):
        await service.handle_incoming("web", "p9e", f"hallo {i}", "de")
    late = await service.handle_incoming("web", "p9e", "hilfe er hat ein messer und schlägt mich", "de")
    assert late.action == "emergency"


async def test_media_gets_a_polite_reply_and_reaches_the_advisor_later(service: ConversationService) -> None:
    first = await service.handle_incoming("web", "p10", "", "ru", kind="photo", attachment={"file_id": "F1"})
    assert first.action == "media" and first.replies == 1
    conversation_id = await _handover(service, "p10", "Мне не платят зарплату")
    await service.claim(conversation_id, 3)
    relayed = await service.handle_incoming("web", "p10", "", "ru", kind="voice", attachment={"file_id": "V1"})
    assert relayed.action == "relayed"
    last = (await service.transcript(conversation_id))[-1]
    assert last.kind == "voice" and last.attachment == {"file_id": "V1"}


async def test_unknown_buttons_are_answered_politely(service: ConversationService) -> None:
    """Forged, stale or malformed data: the polite "unknown button" toast, and nothing else happens."""
    first = await service.handle_incoming("web", "p11", "Wie hoch ist der Mindestlohn?", "de")
    stored = len(await service.transcript(first.conversation_id))
    forged = ("nonsense", "fb:abc", "consent:999999:y", "rate:1:9", "topic:", "fb:999999:1", "lang:xx", "del:maybe")
    for data in forged:
        assert await service.handle_action("web", "p11", data, "de") == t("unknown_button", "de"), data
    assert len(await service.transcript(first.conversation_id)) == stored
    async with service.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Feedback)) == 0
        assert await session.scalar(select(func.count()).select_from(Person)) == 1


async def test_erasure_removes_the_person_and_everything_theirs(service: ConversationService) -> None:
    conversation_id = await _handover(service, "p12")
    await service.claim(conversation_id, 5)
    await service.add_note(conversation_id, 5, "note")
    assert await service.privacy_service.erase("web", "p12", "de") is True
    async with service.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0
        assert await session.scalar(select(func.count()).select_from(Message)) == 0
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0


@pytest.mark.parametrize("lang", ["de", "en", "ar", "fa", "ru", "uk", "tr", "fr"])
async def test_privacy_notice_quotes_the_purges_own_retention_period(db: Database, lang: str) -> None:
    """The notice promises what the purge does: the period comes from the setting the purge uses."""
    bus = events.MemoryEventBus()
    svc = ConversationService(db, None, bus, {"web": WebChatSender(bus)}, retention_days=42)
    await svc.privacy("web", "privacy-reader", lang)
    async with db.session() as session:
        texts = (await session.scalars(select(Message.text).where(Message.direction == "out"))).all()
    notice = texts[-1]
    assert "42" in notice and "{days}" not in notice
