"""Triage of the advisor queue: which waiting person should be answered first, and the reason shown for it.

Three kinds of marks, from what the conversation already holds (nothing is asked of the person):
- emergency: the decision layer's emergency or danger band, with its sub-type (violence, trafficking,
  medical, suicide, help);
- deadline: a calculator result that starts a deadline still running (days left, and the date);
- exploitation: the topics the person's questions led to (passport or papers kept, signs of labour
  exploitation such as threats or being locked in, debts to recruiters), or the trafficking sub-type.

Order: emergencies first; then deadlines with at most `CLOSE_DAYS` days left (a right lost tomorrow
cannot be won back); then signs of exploitation; then the other running deadlines, nearest first;
then everyone else in the queue's own order (urgency, then longest waiting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.reminders import deadline_of
from bot.storage.models import Handoff, Message

EMERGENCY, DEADLINE, EXPLOITATION = "emergency", "deadline", "exploitation"
CLOSE_DAYS = 3
URGENT_REASONS = ("emergency", "danger")
# knowledge/topics.yaml ids whose answers a person only gets by describing these situations
SIGN_OF_TOPIC = {
    "documents-withheld": "documents",  # passport or residence papers kept by the employer
    "labour-exploitation": "exploitation",  # threats, locked in, debts to the employer
    "recruitment-fees": "debts",  # placement fees, travel costs to pay back
}
SIGN_OF_SUBTYPE = {"trafficking": "trafficking"}  # the emergency sub-type of trafficking and forced labour


@dataclass(frozen=True)
class Mark:
    kind: str  # emergency | deadline | exploitation
    detail: str = ""  # emergency: the sub-type; exploitation: the sign; deadline: the kind of deadline
    days_left: int | None = None  # deadline only
    date: dt.date | None = None  # deadline only


@dataclass
class Facts:
    """What the queue knows of one conversation."""

    urgency: int = 0
    reason: str | None = None
    subtype: str | None = None
    topics: set[str] = field(default_factory=set)
    calculations: list[dict[str, Any]] = field(default_factory=list)
    contact: dict[str, Any] = field(default_factory=dict)  # how the person wants to hear back (contact.py)


def marks(facts: Facts, today: dt.date) -> list[Mark]:
    """The conversation's marks, most pressing first."""
    found: list[Mark] = []
    if facts.urgency >= 2 or facts.reason in URGENT_REASONS:
        found.append(Mark(EMERGENCY, facts.subtype or ""))
    deadlines = []
    for calculation in facts.calculations:
        started = deadline_of(calculation)
        if started is not None and (started[1] - today).days >= 0:
            deadlines.append(Mark(DEADLINE, started[0], (started[1] - today).days, started[1]))
    nearest = min(deadlines, key=lambda m: m.days_left or 0, default=None)
    signs = [SIGN_OF_SUBTYPE[facts.subtype]] if facts.subtype in SIGN_OF_SUBTYPE else []
    signs += sorted({SIGN_OF_TOPIC[topic] for topic in facts.topics if topic in SIGN_OF_TOPIC} - set(signs))
    exploitation = [Mark(EXPLOITATION, sign) for sign in signs]
    if nearest is not None and (nearest.days_left or 0) <= CLOSE_DAYS:
        return [*found, nearest, *exploitation]
    return [*found, *exploitation, *([nearest] if nearest else [])]


def order(found: Sequence[Mark]) -> tuple[int, int]:
    """The sort key of a conversation's marks (lower comes first); unmarked ones keep the queue's order."""
    if not found:
        return (4, 0)
    first = found[0]
    if first.kind == EMERGENCY:
        return (0, 0)
    if first.kind == DEADLINE and (first.days_left or 0) <= CLOSE_DAYS:
        return (1, first.days_left or 0)
    if first.kind == EXPLOITATION:
        return (2, 0)
    return (3, first.days_left or 0)


async def gather(
    session: AsyncSession,
    conversations: Iterable[Any],
    topic_of: Callable[[str], str | None],
) -> dict[int, Facts]:
    """The facts of each conversation (id, urgency, topic): its hand-over, the entries it was answered
    with (their topics), and its calculator results; a few statements for the whole queue."""
    facts = {c.id: Facts(urgency=c.urgency or 0, topics={c.topic} if c.topic else set()) for c in conversations}
    ids = list(facts)
    if not ids:
        return facts
    handoffs = await session.execute(
        select(Handoff.conversation_id, Handoff.reason, Handoff.topic, Handoff.packet)
        .where(Handoff.conversation_id.in_(ids), Handoff.status.in_(("queued", "done")))
        .order_by(Handoff.id)
    )
    for conversation_id, reason, topic, packet in handoffs.all():
        fact = facts[conversation_id]
        fact.reason = reason
        fact.subtype = ((packet or {}).get("danger") or {}).get("subtype") or fact.subtype
        fact.contact = (packet or {}).get("contact") or {}
        if topic:
            fact.topics.add(topic)
    answered = await session.execute(
        select(Message.conversation_id, Message.entry_id)
        .where(Message.conversation_id.in_(ids), Message.entry_id.is_not(None))
        .distinct()
    )
    for conversation_id, entry_id in answered.all():
        topic = topic_of(entry_id) if entry_id else None
        if topic:
            facts[conversation_id].topics.add(topic)
    calculated = await session.execute(
        select(Message.conversation_id, Message.attachment).where(
            Message.conversation_id.in_(ids), Message.kind == "calculation"
        )
    )
    for conversation_id, attachment in calculated.all():
        if attachment and attachment.get("calculation"):
            facts[conversation_id].calculations.append(attachment["calculation"])
    return facts
