"""Canned replies: the prepared texts editors keep for advisors, and the choice shown beside a conversation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput, NotFound
from bot.storage.models import CannedReply
from knowledge.schema import SUPPORTED_LANGUAGES


async def canned_replies(session: AsyncSession, region: str | None = None) -> list[CannedReply]:
    query = select(CannedReply).order_by(CannedReply.language, CannedReply.title)
    if region:
        query = query.where((CannedReply.region.is_(None)) | (CannedReply.region == region))
    return list((await session.scalars(query)).all())


async def canned_for_conversation(session: AsyncSession, lang: str, region: str) -> list[CannedReply]:
    """The replies an advisor may pick for a conversation in `lang`: its language first, then German and
    English; those of every region and of the advisor's own."""
    query = (
        select(CannedReply)
        .where(CannedReply.language.in_((lang, "de", "en")))
        .where((CannedReply.region.is_(None)) | (CannedReply.region == region))
        .order_by(CannedReply.language != lang, CannedReply.title)
    )
    return list((await session.scalars(query)).all())


async def add_canned_reply(
    session: AsyncSession, *, language: str, title: str, text: str, region: str | None = None
) -> CannedReply:
    """Editors keep the advisors' prepared replies; they are plain text, sent escaped like any reply."""
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    if not title.strip() or not text.strip():
        raise InvalidInput("a canned reply needs a title and a text")
    reply = CannedReply(language=language, title=title.strip()[:128], text=text.strip(), region=region or None)
    session.add(reply)
    await session.flush()
    return reply


async def delete_canned_reply(session: AsyncSession, reply_id: int) -> None:
    reply = await session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound("no such canned reply")
    await session.delete(reply)
