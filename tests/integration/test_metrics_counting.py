"""The conversation core counts what /metrics shows: each event once, at the moment it happens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot import metrics
from bot.services.conversations import ConversationService
from bot.storage.db import Database
from bot.storage.models import Handoff
from tests.e2e.harness import answer_service, web_conversations


@pytest.fixture(scope="module")
def answers() -> Any:
    return answer_service()


@pytest.fixture
async def service(db: Database, answers: Any) -> AsyncIterator[ConversationService]:
    yield web_conversations(db, answers)


def _values(name: str, labels: dict[str, str]) -> float:
    """The sum of `name` over every sample whose labels include `labels`."""
    return sum(
        sample.value
        for family in metrics.REGISTRY.collect()
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


class Samples:
    """Metric values now, to compare with later: `delta(name, **labels)` (labels may be a subset)."""

    def __init__(self) -> None:
        self.before: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def take(self, name: str, **labels: str) -> None:
        self.before[(name, tuple(sorted(labels.items())))] = _values(name, labels)

    def delta(self, name: str, **labels: str) -> float:
        return _values(name, labels) - self.before[(name, tuple(sorted(labels.items())))]


async def _consent(service: ConversationService, person: str, conversation_id: int, lang: str) -> None:
    async with service.db.session() as session:
        handoff = await session.scalar(
            select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc())
        )
    assert handoff is not None
    await service.handle_action("web", person, f"consent:{handoff.id}:y", lang)


async def test_answers_handovers_emergencies_and_the_advisor_desk_are_counted(service: ConversationService) -> None:
    samples = Samples()
    watched = [
        ("fairbot_messages_total", {"action": "answer", "lang": "de"}),
        ("fairbot_messages_total", {"action": "relayed", "lang": "none", "topic": "none"}),
        ("fairbot_reply_seconds_count", {}),
        ("fairbot_emergencies_total", {}),
        ("fairbot_handovers_total", {"reason": "emergency"}),
        ("fairbot_queue_wait_seconds_count", {}),
        ("fairbot_first_advisor_reply_seconds_count", {}),
    ]
    for name, labels in watched:
        samples.take(name, **labels)

    answered = await service.handle_incoming("web", "m1", "Wie hoch ist der Mindestlohn?", "de")
    assert answered.action == "answer"
    assert samples.delta("fairbot_messages_total", action="answer", lang="de") == 1
    assert samples.delta("fairbot_reply_seconds_count") == 1

    emergency = await service.handle_incoming("web", "m2", "My boss hits me and locked me in the room", "en")
    assert emergency.action == "emergency"
    assert samples.delta("fairbot_emergencies_total") == 1
    await _consent(service, "m2", emergency.conversation_id, "en")
    assert samples.delta("fairbot_handovers_total", reason="emergency") == 1

    relayed = await service.handle_incoming("web", "m2", "Please hurry", "en")
    assert relayed.action == "relayed"
    assert samples.delta("fairbot_messages_total", action="relayed", lang="none", topic="none") == 1
    assert samples.delta("fairbot_reply_seconds_count") == 3

    await service.claim(emergency.conversation_id, advisor_id=5)
    assert samples.delta("fairbot_queue_wait_seconds_count") == 1
    await service.advisor_reply(emergency.conversation_id, 5, "Ich bin da. Sind Sie in Sicherheit?")
    await service.advisor_reply(emergency.conversation_id, 5, "Rufen Sie die 110, wenn er zurückkommt.")
    assert samples.delta("fairbot_first_advisor_reply_seconds_count") == 1  # the first reply only
