"""Queries the services share, so a query is written (and indexed) once.

Repositories take the caller's session and never commit: the service owns the
transaction, which is what keeps a message and its outbox row together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, desc, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    STATE_CLOSED,
    STATE_WAITING,
    Conversation,
    Handoff,
    Message,
    Note,
    Person,
    ProcessedUpdate,
    utcnow,
)

_INSERT_MESSAGE = insert(Message.__table__).returning(Message.__table__.c.id)


async def add_message(session: AsyncSession, **values: Any) -> int:
    """Insert one message and return its id: a plain insert costs a fraction of an ORM flush, and the
    hot path writes two messages per update (the question and the reply)."""
    values.setdefault("created_at", utcnow())
    return int((await session.execute(_INSERT_MESSAGE, values)).scalar_one())


async def find_person(session: AsyncSession, channel: str, external_id: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.channel == channel, Person.external_id == external_id))


async def open_conversation(session: AsyncSession, person_id: int) -> Conversation | None:
    """The person's conversation that is not closed; at most one exists (the service keeps it so)."""
    return await session.scalar(
        select(Conversation)
        .where(Conversation.person_id == person_id, Conversation.state != STATE_CLOSED)
        .order_by(desc(Conversation.id))
        .limit(1)
    )


# Built once: this runs for every incoming message, and building a statement costs as much as running it.
_PERSON_AND_OPEN_CONVERSATION = (
    select(Person, Conversation)
    .outerjoin(
        Conversation,
        (Conversation.person_id == Person.id) & (Conversation.state != STATE_CLOSED),
    )
    .where(Person.channel == bindparam("channel"), Person.external_id == bindparam("external_id"))
    .order_by(desc(Conversation.id))
    .limit(1)
)


async def person_and_open_conversation(
    session: AsyncSession, channel: str, external_id: str
) -> tuple[Person | None, Conversation | None]:
    """Both in one round trip: this runs for every incoming message."""
    row = (
        await session.execute(_PERSON_AND_OPEN_CONVERSATION, {"channel": channel, "external_id": external_id})
    ).first()
    if row is None:
        return None, None
    return row[0], row[1]


async def get_or_create_person(
    session: AsyncSession, channel: str, external_id: str, region: str, lang_hint: str | None = None
) -> Person:
    person = await find_person(session, channel, external_id)
    if person is None:
        person = Person(channel=channel, external_id=external_id, region=region, detected_lang=lang_hint)
        session.add(person)
        await session.flush()
    else:
        person.last_seen_at = utcnow()
    return person


async def get_or_open_conversation(session: AsyncSession, person: Person) -> Conversation:
    conversation = await open_conversation(session, person.id)
    if conversation is None:
        conversation = Conversation(person_id=person.id, region=person.region, language=person.lang)
        session.add(conversation)
        await session.flush()
    return conversation


async def latest_handoff(session: AsyncSession, conversation_id: int) -> Handoff | None:
    return await session.scalar(
        select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(desc(Handoff.id)).limit(1)
    )


async def messages_of(session: AsyncSession, conversation_id: int, limit: int | None = None) -> Sequence[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(desc(Message.id))
    if limit is not None:
        query = query.limit(limit)
    return list(reversed((await session.scalars(query)).all()))


async def notes_of(session: AsyncSession, conversation_id: int) -> Sequence[Message | Note]:
    return (await session.scalars(select(Note).where(Note.conversation_id == conversation_id).order_by(Note.id))).all()


async def waiting_conversations(session: AsyncSession, region: str) -> Sequence[Conversation]:
    return (
        await session.scalars(
            select(Conversation)
            .where(Conversation.region == region, Conversation.state == STATE_WAITING)
            .order_by(desc(Conversation.urgency), Conversation.waiting_since, Conversation.id)
        )
    ).all()


def _claim_statement(insert_for_dialect: Any) -> Any:
    table = ProcessedUpdate.__table__
    return (
        insert_for_dialect(table)
        .values(source=bindparam("source"), update_id=bindparam("update_id"), processed_at=bindparam("at"))
        .on_conflict_do_nothing(index_elements=["source", "update_id"])
    )


_CLAIM_UPDATE = {"postgresql": _claim_statement(pg_insert), "sqlite": _claim_statement(sqlite_insert)}


async def claim_update(session: AsyncSession, source: str, update_id: int) -> bool:
    """Record an update id; False when it was already there (a redelivery)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    result = await session.execute(_CLAIM_UPDATE[dialect], {"source": source, "update_id": update_id, "at": utcnow()})
    return bool(result.rowcount)  # type: ignore[attr-defined]
