"""The retention purge: what the privacy notice promises ("deleted after RETENTION_DAYS"), done in code.

A conversation goes once its last activity (its newest message or note, or its last change)
is older than the retention period, whatever its state: most conversations stay with the
bot and never close. One still with an advisor (waiting or claimed) is closed first, with
the outcome `retention`, so the inbox drops it. A person with nothing left and not seen
since the cutoff goes too: the person row is the last link between a chat id and us.
Everything that came from a conversation (messages, notes, handover packets, feedback, deadline
reminders) cascades with it; an admin's free-text reason in the audit log about it is blanked. Reminders whose deadline has passed go in any case: their work is
done, and their outbox rows still name the chat. Each run logs its counts and the cutoff, never an
id or a text.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import delete, exists, func, select, update

from bot import events
from bot.services import accounts
from bot.services.handoff import BERLIN
from bot.storage.db import Database
from bot.storage.models import (
    STATE_CLOSED,
    STATE_HUMAN,
    STATE_WAITING,
    Conversation,
    InboundUpdate,
    Message,
    Note,
    OutboxItem,
    Person,
    ProcessedUpdate,
    Reminder,
    utcnow,
)

log = logging.getLogger(__name__)

OUTCOME = "retention"
CHUNK = 500  # ids per statement: SQLite limits the parameters of one statement
SENT_OUTBOX_KEPT = dt.timedelta(days=1)
UPDATE_IDS_KEPT = dt.timedelta(days=7)


@dataclass(frozen=True)
class PurgeCounts:
    conversations: int = 0
    closed_first: int = 0  # of those, still with an advisor: closed with the outcome "retention"
    messages: int = 0
    people: int = 0
    outbox: int = 0
    processed_updates: int = 0
    held_updates: int = 0  # fetched, never handled (e.g. under a bot token no longer used): they hold message text
    reminders: int = 0  # past their deadline, or gone with their conversation

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back after counting."""


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


async def purge(
    db: Database,
    retention_days: int,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    bus: events.EventBus | None = None,
) -> PurgeCounts:
    """Delete what is past retention as of `now` (default: this moment); `dry_run` only counts."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=retention_days)
    newer_message = exists().where(Message.conversation_id == Conversation.id, Message.created_at >= cutoff)
    newer_note = exists().where(Note.conversation_id == Conversation.id, Note.created_at >= cutoff)
    stale_query = select(Conversation.id, Conversation.state).where(
        Conversation.created_at < cutoff,
        Conversation.updated_at < cutoff,
        ~newer_message,
        ~newer_note,
    )
    counts = PurgeCounts()
    closed: list[int] = []
    try:
        async with db.transaction() as session:
            stale = (await session.execute(stale_query)).all()
            ids = [row.id for row in stale]
            closed = [row.id for row in stale if row.state in (STATE_WAITING, STATE_HUMAN)]
            for chunk in _chunks(closed):
                await session.execute(
                    update(Conversation)
                    .where(Conversation.id.in_(chunk))
                    .values(state=STATE_CLOSED, outcome=OUTCOME, closed_at=now, updated_at=now)
                )
            messages = reminders = 0
            for chunk in _chunks(ids):
                messages += (
                    await session.scalar(select(func.count(Message.id)).where(Message.conversation_id.in_(chunk))) or 0
                )
                reminders += (
                    await session.scalar(select(func.count(Reminder.id)).where(Reminder.conversation_id.in_(chunk)))
                    or 0
                )
                await session.execute(delete(Conversation).where(Conversation.id.in_(chunk)))
            await accounts.forget_reasons(session, ids)  # audit events stay; an admin's reason text about them goes
            has_conversation = exists().where(Conversation.person_id == Person.id)
            people = await session.execute(delete(Person).where(~has_conversation, Person.last_seen_at < cutoff))
            passed = await session.execute(delete(Reminder).where(Reminder.deadline < now.astimezone(BERLIN).date()))
            reminders += passed.rowcount  # type: ignore[attr-defined]
            outbox = await session.execute(
                delete(OutboxItem).where(
                    (OutboxItem.created_at < cutoff)
                    | (OutboxItem.status.in_(("sent", "failed")) & (OutboxItem.created_at < now - SENT_OUTBOX_KEPT))
                )
            )
            updates = await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - UPDATE_IDS_KEPT)
            )
            held = await session.execute(delete(InboundUpdate).where(InboundUpdate.received_at < now - UPDATE_IDS_KEPT))
            counts = PurgeCounts(
                conversations=len(ids),
                closed_first=len(closed),
                messages=messages,
                people=people.rowcount,  # type: ignore[attr-defined]
                outbox=outbox.rowcount,  # type: ignore[attr-defined]
                processed_updates=updates.rowcount,  # type: ignore[attr-defined]
                held_updates=held.rowcount,  # type: ignore[attr-defined]
                reminders=reminders,
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    if not dry_run and counts.conversations + counts.people:
        await db.checkpoint()  # SQLite: no old page image of what went stays in the write-ahead log
    log.info(
        "retention_purge",
        extra={
            "dry_run": dry_run,
            "retention_days": retention_days,
            "cutoff": cutoff.date().isoformat(),
            **counts.as_dict(),
        },
    )
    if bus is not None and not dry_run and counts.conversations:
        for conversation_id in closed:
            await bus.publish(events.conversation_topic(conversation_id), {"type": "state", "state": STATE_CLOSED})
        await bus.publish(events.QUEUE, {"type": "purged"})
    return counts
