"""The unanswered report: questions the bot could not answer or that people rated unhelpful, grouped by
nearest topic and language, with the first advisor reply that could become an entry. Editors see their
region's questions only, with phone numbers, addresses and given names redacted (bot.services.redaction)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.editorial.baseline import BaselineCache
from bot.services.redaction import redact
from bot.storage.models import Conversation, Feedback, Message


@dataclass(frozen=True)
class UnansweredItem:
    feedback_id: int
    question: str
    lang: str
    topic: str | None
    entry_id: str | None
    helpful: bool | None
    created_at: dt.datetime
    conversation_id: int
    advisor_reply_id: int | None = None
    advisor_reply: str | None = None


async def unanswered(
    session: AsyncSession, cache: BaselineCache, *, region: str | None = None, limit: int = 300
) -> list[UnansweredItem]:
    """The newest unanswered questions, of one region's conversations (None: all), with personal data redacted."""
    query = select(Feedback).where((Feedback.helpful.is_(False)) | (Feedback.helpful.is_(None)))
    if region is not None:
        query = query.join(Conversation, Conversation.id == Feedback.conversation_id).where(
            Conversation.region == region
        )
    rows = (await session.scalars(query.order_by(Feedback.id.desc()).limit(limit))).all()
    baseline_topics = {e.id: e.topic for e in (await cache.get()).values()}
    items: list[UnansweredItem] = []
    for row in rows:
        conversation = await session.get(Conversation, row.conversation_id)
        nearest = row.entry_id
        if nearest is None and row.message_id is not None:
            # a fallback: the question's best (too weak) match still names the nearest topic
            asked = await session.get(Message, row.message_id)
            nearest = asked.entry_id if asked else None
        topic = baseline_topics.get(nearest or "") or (conversation.topic if conversation else None)
        reply = await session.scalar(
            select(Message)
            .where(Message.conversation_id == row.conversation_id, Message.author == "advisor")
            .order_by(Message.id)
            .limit(1)
        )
        items.append(
            UnansweredItem(
                feedback_id=row.id,
                question=redact(row.question),
                lang=row.lang or "?",
                topic=topic,
                entry_id=row.entry_id,
                helpful=row.helpful,
                created_at=row.created_at,
                conversation_id=row.conversation_id,
                advisor_reply_id=reply.id if reply else None,
                advisor_reply=redact(reply.text) if reply else None,
            )
        )
    return items


def group_unanswered(items: Sequence[UnansweredItem]) -> list[tuple[tuple[str, str], list[UnansweredItem]]]:
    """Grouped by (nearest topic, language), biggest groups first: where a new entry helps most."""
    groups: dict[tuple[str, str], list[UnansweredItem]] = defaultdict(list)
    for item in items:
        groups[(item.topic or "?", item.lang)].append(item)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
