"""A stopping replica hands its unsent Telegram calls back at once; retries and refusals are counted for /metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot import metrics
from bot.services.channels import Outgoing
from bot.services.outbox import PermanentFailure, RetryLater, TelegramOutbox
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, OutboxItem, Person, utcnow


def _outgoing(chat: str, text: str) -> Outgoing:
    return Outgoing(person_id=0, channel="telegram", external_id=chat, html=text)


def _counter(name: str) -> float:
    return metrics.REGISTRY.get_sample_value(name) or 0.0


async def test_unsent_calls_are_released_on_stop_and_sent_by_another_replica(db: Database) -> None:
    async def hanging(method: str, payload: dict[str, Any]) -> Any:  # Telegram stopped answering
        await asyncio.Event().wait()

    stopping = TelegramOutbox(db, hanging, sweep_interval=3600)
    await stopping.start()
    async with db.transaction() as session:
        staged = await stopping.stage(
            session, [_outgoing("1", "first"), _outgoing("1", "second"), _outgoing("2", "other chat")]
        )
    await stopping.flush(staged)
    await asyncio.sleep(0.1)  # the first call of each chat is in flight, "second" waits behind "first"
    await stopping.stop(timeout=0.2)

    async with db.session() as session:
        rows = (await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all()
    assert [row.status for row in rows] == ["pending"] * 3
    assert all(row.lease_until is None and row.next_attempt_at <= utcnow() for row in rows)

    sent: list[tuple[str, str]] = []
    calls = 0

    async def telegram(method: str, payload: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RetryLater(0.01, "429 retry_after")
        if payload["chat_id"] == "2":
            raise PermanentFailure("HTTP 403: Forbidden: bot was blocked by the user")
        sent.append((payload["chat_id"], payload["text"]))
        return {"message_id": len(sent)}

    retries, failures = _counter("fairbot_outbox_retries_total"), _counter("fairbot_outbox_failures_total")
    successor = TelegramOutbox(db, telegram, sweep_interval=3600)
    try:
        assert await successor.sweep() == 3  # at once: no lease (120 s) to wait out
        await successor.start()
        for _ in range(100):
            if successor.idle():
                break
            await asyncio.sleep(0.05)
    finally:
        await successor.stop()
    assert sent == [("1", "first"), ("1", "second")]  # the chat's order survives the hand-over
    async with db.session() as session:
        statuses = (await session.scalars(select(OutboxItem.status).order_by(OutboxItem.id))).all()
    assert statuses == ["sent", "sent", "failed"]
    assert _counter("fairbot_outbox_retries_total") == retries + 1
    assert _counter("fairbot_outbox_failures_total") == failures + 1


async def test_a_waiter_that_comes_after_the_delivery_still_learns_it_was_sent(db: Database) -> None:
    """The console waits for an advisor's reply to reach Telegram; with Redis the reply was often sent while
    its events were still being published, before the wait began, which then ran out and said "queued"."""

    async def telegram(method: str, payload: dict[str, Any]) -> Any:
        return {"message_id": 1}

    outbox = TelegramOutbox(db, telegram, sweep_interval=3600)
    await outbox.start()
    try:
        async with db.transaction() as session:
            person = Person(channel="telegram", external_id="7")
            session.add(person)
            await session.flush()
            conversation = Conversation(person_id=person.id)
            session.add(conversation)
            await session.flush()
            message = Message(conversation_id=conversation.id, direction="out", author="advisor", text="Guten Tag")
            session.add(message)
            await session.flush()
            reply = Outgoing(person.id, "telegram", "7", "Guten Tag", message_id=message.id)
            staged = await outbox.stage(session, [reply])
        await outbox.flush(staged)
        for _ in range(100):
            if outbox.idle():
                break
            await asyncio.sleep(0.05)
        assert outbox.idle()
        assert await asyncio.wait_for(outbox.wait_delivered(message.id, 30), 1) == "sent"
    finally:
        await outbox.stop()
