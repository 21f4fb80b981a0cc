"""The schema on both backends: Alembic builds it, timestamps stay UTC, erasure cascades, update ids dedupe."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, inspect, select

from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import (
    Conversation,
    Feedback,
    Handoff,
    Message,
    Note,
    OutboxItem,
    Person,
    ProcessedUpdate,
)
from tests.e2e.harness import create_pg_database, drop_pg_database


async def test_migration_creates_every_table(db: Database) -> None:
    async with db.engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    assert {"person", "conversation", "message", "handoff", "note", "feedback", "processed_update", "outbox"} <= tables
    await db.migrate()  # idempotent: a second `upgrade head` is a no-op


async def test_timestamps_come_back_aware_utc(db: Database) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    moment = dt.datetime(2026, 11, 25, 13, 0, tzinfo=berlin)
    async with db.transaction() as session:
        session.add(Person(channel="telegram", external_id="1", created_at=moment, last_seen_at=moment))
    async with db.session() as session:
        person = await repo.find_person(session, "telegram", "1")
    assert person is not None
    assert person.created_at.tzinfo is not None
    assert person.created_at.utcoffset() == dt.timedelta(0)
    assert person.created_at == moment


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        async with db.transaction() as session:
            session.add(Person(channel="telegram", external_id="2", created_at=dt.datetime(2026, 1, 1)))


async def test_deleting_a_person_erases_every_row_of_theirs(db: Database) -> None:
    async with db.transaction() as session:
        person = Person(channel="telegram", external_id="3")
        other = Person(channel="telegram", external_id="4")
        session.add_all([person, other])
        await session.flush()
        conversation = Conversation(person_id=person.id)
        kept = Conversation(person_id=other.id)
        session.add_all([conversation, kept])
        await session.flush()
        message = Message(conversation_id=conversation.id, direction="in", author="user", text="secret")
        session.add_all([message, Message(conversation_id=kept.id, direction="in", author="user", text="x")])
        await session.flush()
        session.add_all(
            [
                Handoff(conversation_id=conversation.id, reason="request", packet={"transcript": ["secret"]}),
                Note(conversation_id=conversation.id, author_id=1, text="note"),
                Feedback(conversation_id=conversation.id, message_id=message.id, helpful=False, question="secret"),
                OutboxItem(
                    channel="telegram",
                    chat_id="3",
                    payload={"text": "secret"},
                    person_id=person.id,
                    message_id=message.id,
                ),
            ]
        )
    async with db.transaction() as session:
        await session.delete(await session.get(Person, person.id))
    async with db.session() as session:
        for model in (Conversation, Message, Handoff, Note, Feedback, OutboxItem):
            count = await session.scalar(select(func.count()).select_from(model))
            expected = 1 if model in (Conversation, Message) else 0
            assert count == expected, model.__name__


async def test_update_ids_are_claimed_once(db: Database) -> None:
    async with db.transaction() as session:
        assert await repo.claim_update(session, "telegram:1", 10) is True
    async with db.transaction() as session:
        assert await repo.claim_update(session, "telegram:1", 10) is False
        assert await repo.claim_update(session, "telegram:2", 10) is True
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 2


@pytest.mark.postgres
async def test_replicas_starting_together_migrate_one_after_another() -> None:
    url = create_pg_database()
    databases = [Database(url) for _ in range(3)]
    try:
        await asyncio.gather(*(d.migrate() for d in databases))
        async with databases[0].engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert "conversation" in tables
    finally:
        for database in databases:
            await database.dispose()
        drop_pg_database(url)
