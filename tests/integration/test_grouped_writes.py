"""Replies of many people share transactions (group commit), on SQLite and PostgreSQL.

Through the public service with the real answer service and a real database:
what is measured is what a person and the operators would see — every person
answered once, a redelivered update ignored, one failing reply not taking the
others down, and a chat another replica handed over relayed instead of answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.channels import Outgoing, WebChatSender
from bot.services.conversations import ConversationService, Incoming
from bot.storage.db import Database, DuplicateUpdate, pending_update
from bot.storage.models import Message
from tests.e2e.harness import answer_service, web_conversations

QUESTION = "Mein Chef zahlt meinen Lohn nicht"


@pytest.fixture(scope="module")
def answers() -> Any:
    return answer_service()


class RefusingSender(WebChatSender):
    """A channel that refuses one person (a fault to inject, like the Telegram emulator's)."""

    async def stage(self, session: AsyncSession, outgoings: Sequence[Outgoing]) -> list[Outgoing]:
        if any(o.external_id == "refused" for o in outgoings):
            raise RuntimeError("the channel refused this person")
        return await super().stage(session, outgoings)


def _service(db: Database, answers: Any) -> ConversationService:
    return web_conversations(db, answers, sender=RefusingSender)


@pytest.fixture
async def service(db: Database, answers: Any) -> AsyncIterator[ConversationService]:
    yield _service(db, answers)


def count_commits(db: Database) -> list[int]:
    commits = [0]

    def on_commit(_connection: Any) -> None:
        commits[0] += 1

    event.listen(db.engine.sync_engine, "commit", on_commit)
    return commits


async def _messages(db: Database, conversation_id: int) -> list[tuple[str, str | None]]:
    async with db.session() as session:
        rows = await session.execute(
            select(Message.direction, Message.action)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id)
        )
        return [(direction, action) for direction, action in rows]


async def test_many_people_at_once_are_each_answered_in_few_transactions(service: ConversationService) -> None:
    commits = count_commits(service.db)
    results = await asyncio.gather(*(service.handle_incoming("web", f"p{n}", QUESTION, "de") for n in range(30)))
    assert [r.action for r in results] == ["answer"] * 30
    assert len({r.conversation_id for r in results}) == 30
    for result in results:
        assert await _messages(service.db, result.conversation_id) == [("in", "answer"), ("out", "answer")]
    assert commits[0] < 10, f"{commits[0]} commits for 30 replies: they did not share transactions"


async def _handle_update(service: ConversationService, update_id: int, person: str) -> Incoming | str:
    """As the Telegram idempotency middleware does: the update id waits in the context to be claimed."""
    pending_update.set(("telegram:test", update_id))
    try:
        return await service.handle_incoming("web", person, QUESTION, "de")
    except DuplicateUpdate:
        return "duplicate"
    finally:
        pending_update.set(None)


async def test_a_redelivered_update_in_a_batch_is_ignored_and_the_rest_answered(service: ConversationService) -> None:
    first = await asyncio.create_task(_handle_update(service, 7, "alice"))
    assert isinstance(first, Incoming)
    again, other = await asyncio.gather(
        asyncio.create_task(_handle_update(service, 7, "alice")),
        asyncio.create_task(_handle_update(service, 8, "bob")),
    )
    assert again == "duplicate"
    assert isinstance(other, Incoming) and other.action == "answer"
    assert await _messages(service.db, first.conversation_id) == [("in", "answer"), ("out", "answer")]
    async with service.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 4


async def test_one_failing_reply_does_not_fail_the_others(service: ConversationService) -> None:
    people = ["refused", *(f"ok{n}" for n in range(8))]
    results = await asyncio.gather(
        *(service.handle_incoming("web", person, QUESTION, "de") for person in people), return_exceptions=True
    )
    assert isinstance(results[0], RuntimeError)  # tried alone after the shared transaction failed
    assert all(isinstance(r, Incoming) and r.action == "answer" for r in results[1:]), results
    async with service.db.session() as session:
        stored = await session.scalar(select(func.count()).select_from(Message))
    assert stored == 16  # the refused person's question was rolled back with its reply, nothing half-written


async def test_a_chat_handed_over_by_another_replica_is_relayed_not_answered(db: Database, answers: Any) -> None:
    bot_replica, console_replica = _service(db, answers), _service(db, answers)
    first = await bot_replica.handle_incoming("web", "carol", QUESTION, "de")  # this replica now thinks "bot"
    await console_replica.request_advisor("web", "carol", "de")
    async with db.session() as session:
        from bot.storage.models import Handoff

        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == first.conversation_id))
    assert handoff is not None
    await console_replica.handle_action("web", "carol", f"consent:{handoff.id}:y", "de")
    relayed = await bot_replica.handle_incoming("web", "carol", QUESTION, "de")
    assert relayed.action == "relayed" and relayed.conversation_id == first.conversation_id
    assert (await _messages(db, first.conversation_id))[-1] == ("in", "relayed")
