"""Unread counts for the advisor's own conversations (issue 15, major 7): what the person wrote that the
advisor has not seen yet, for the inbox badge, the tab-title counter and the desktop notification.

"Seen" is the newest message id the advisor's browser showed (kept in the console session, so it needs no
table); a reply also counts as having read everything before it, which keeps the count right after a
new login or on a second browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Message


async def unread_counts(
    session: AsyncSession, conversation_ids: Iterable[int], seen: Mapping[int, int]
) -> dict[int, int]:
    """Per conversation: the person's messages newer than both the last one shown and the advisor's last reply."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Message.conversation_id, func.max(Message.id))
        .where(Message.conversation_id.in_(ids), Message.author == "advisor")
        .group_by(Message.conversation_id)
    )
    replied: dict[int, int] = {conversation_id: last for conversation_id, last in rows.all()}
    counts: dict[int, int] = {}
    for conversation_id in ids:
        after = max(seen.get(conversation_id, 0), replied.get(conversation_id) or 0)
        counts[conversation_id] = int(
            await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.conversation_id == conversation_id, Message.author == "user", Message.id > after)
            )
            or 0
        )
    return counts
