"""Queries the services share, so a query is written (and indexed) once.

Repositories take the caller's session and never commit: the service owns the
transaction, which is what keeps a message and its outbox row together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, desc, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    STATE_CLOSED,
    STATE_WAITING,
    Conversation,
    Handoff,
    InboundUpdate,
    Message,
    Note,
    Person,
    ProcessedUpdate,
    utcnow,
)

_MESSAGES = cast(Table, Message.__table__)  # declared models map to a Table; the stubs say FromClause
# One statement for any number of rows, ids returned in the order of the rows: a batch of updates
# writes all its questions and replies at once.
_INSERT_MESSAGES = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)
# Every row names every column (a multi-row insert needs one shape); these fill what a caller leaves out.
_MESSAGE_DEFAULTS: dict[str, Any] = {
    "author": "user",
    "advisor_id": None,
    "text": "",
    "kind": "text",
    "attachment": None,
    "entry_id": None,
    "entry_version": None,
    "score": None,
    "action": None,
    "lang": None,
    "delivery_status": None,
}


async def add_messages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert messages with plain Core inserts (a fraction of an ORM flush); their ids, in order."""
    if not rows:
        return []
    now = utcnow()
    full = [{**_MESSAGE_DEFAULTS, "created_at": now, **row} for row in rows]
    return [int(i) for i in (await session.execute(_INSERT_MESSAGES, full[0] if len(full) == 1 else full)).scalars()]


async def add_message(session: AsyncSession, **values: Any) -> int:
    return (await add_messages(session, [values]))[0]


_KEEP_BUTTONS = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("message_id")).values(buttons=bindparam("buttons"))


async def keep_buttons(session: AsyncSession, buttons: Sequence[tuple[int, list[list[dict[str, str]]]]]) -> None:
    """The buttons under messages just stored, by message id, in one statement (their ids, which some buttons
    carry, are known only once the rows are written)."""
    if buttons:
        await session.execute(_KEEP_BUTTONS, [{"message_id": i, "buttons": rows} for i, rows in buttons])


async def find_person(session: AsyncSession, channel: str, external_id: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.channel == channel, Person.external_id == external_id))


# Built once: this runs for every incoming message, and building a statement costs as much as running it.
_PEOPLE_AND_OPEN_CONVERSATIONS = (
    select(Person, Conversation)
    .outerjoin(
        Conversation,
        (Conversation.person_id == Person.id) & (Conversation.state != STATE_CLOSED),
    )
    .where(Person.channel == bindparam("channel"), Person.external_id.in_(bindparam("external_ids", expanding=True)))
)


async def people_and_open_conversations(
    session: AsyncSession, channel: str, external_ids: Sequence[str]
) -> dict[str, tuple[Person, Conversation | None]]:
    """People of one channel by external id, each with their newest open conversation, in one round trip."""
    found: dict[str, tuple[Person, Conversation | None]] = {}
    rows = await session.execute(_PEOPLE_AND_OPEN_CONVERSATIONS, {"channel": channel, "external_ids": external_ids})
    for person, conversation in rows:
        known = found.get(person.external_id)
        if known is None or (conversation is not None and (known[1] is None or conversation.id > known[1].id)):
            found[person.external_id] = (person, conversation)
    return found


async def person_and_open_conversation(
    session: AsyncSession, channel: str, external_id: str
) -> tuple[Person | None, Conversation | None]:
    return (await people_and_open_conversations(session, channel, [external_id])).get(external_id, (None, None))


async def latest_handoff(session: AsyncSession, conversation_id: int) -> Handoff | None:
    return await session.scalar(
        select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(desc(Handoff.id)).limit(1)
    )


async def advisor_message_count(session: AsyncSession, conversation_id: int) -> int:
    query = select(func.count()).where(Message.conversation_id == conversation_id, Message.author == "advisor")
    return int(await session.scalar(query) or 0)


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
        .on_conflict_do_nothing(index_elements=["source", "update_id"])
        .returning(table.c.source, table.c.update_id)
    )


_CLAIM_UPDATES = {"postgresql": _claim_statement(pg_insert), "sqlite": _claim_statement(sqlite_insert)}


async def claim_updates(session: AsyncSession, claims: Sequence[tuple[str, int]]) -> set[tuple[str, int]]:
    """Record update ids in one statement; returns those that were new (the others are redeliveries)."""
    if not claims:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    now = utcnow()
    rows = [{"source": source, "update_id": update_id, "processed_at": now} for source, update_id in claims]
    return {(source, int(update_id)) for source, update_id in await session.execute(_CLAIM_UPDATES[dialect], rows)}


async def claim_update(session: AsyncSession, source: str, update_id: int) -> bool:
    """Record an update id; False when it was already there (a redelivery)."""
    return bool(await claim_updates(session, [(source, update_id)]))


def _hold_statement(insert_for_dialect: Any) -> Any:
    return insert_for_dialect(InboundUpdate.__table__).on_conflict_do_nothing(index_elements=["source", "update_id"])


_HOLD_UPDATES = {"postgresql": _hold_statement(pg_insert), "sqlite": _hold_statement(sqlite_insert)}


async def hold_updates(session: AsyncSession, source: str, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Keep fetched updates (id, payload) until they are handled; one fetched twice is kept once."""
    if not updates:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    now = utcnow()
    rows = [{"source": source, "update_id": i, "payload": payload, "received_at": now} for i, payload in updates]
    await session.execute(_HOLD_UPDATES[dialect], rows)


async def held_updates(session: AsyncSession, source: str) -> list[tuple[int, dict[str, Any]]]:
    """Updates fetched earlier and not yet handled (a crash, a stop with a backlog), oldest first."""
    rows = await session.execute(
        select(InboundUpdate.update_id, InboundUpdate.payload)
        .where(InboundUpdate.source == source)
        .order_by(InboundUpdate.update_id)
    )
    return [(int(update_id), payload) for update_id, payload in rows]


async def release_updates(session: AsyncSession, source: str, update_ids: Sequence[int]) -> None:
    """Handled: no longer kept."""
    if update_ids:
        await session.execute(
            delete(InboundUpdate).where(InboundUpdate.source == source, InboundUpdate.update_id.in_(update_ids))
        )
