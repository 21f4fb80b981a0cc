"""Canned replies: the prepared texts advisors pick beside a conversation, edit and send.

A fresh install is not empty: `knowledge/canned_replies.yaml` ships a first set in every served
language, written into an empty table at start (`seed_shipped`); from then on the table is the
truth, edited in the console. Texts name service-profile values as fields (`{service.phone}`, or
short `{phone}`), filled in when a reply is offered for a conversation, line by line as in the
entries: a line whose field has no value is left out, so no placeholder reaches a person.
Advisors may propose a reply; it is offered once an admin approved it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import knowledge
from bot.errors import InvalidInput, NotFound
from bot.storage.models import CannedReply
from knowledge.schema import SUPPORTED_LANGUAGES
from knowledge.service_fields import FIELDS, field_problems, render

SHIPPED_FILE = Path(knowledge.__file__).resolve().parent / "canned_replies.yaml"
APPROVED = "approved"
PROPOSED = "proposed"
_SHORT_FIELD = re.compile(r"\{(" + "|".join(FIELDS) + r")\}")


@dataclass(frozen=True)
class CannedView:
    """A reply as offered for one conversation: its text with the service profile's values filled in."""

    id: int
    language: str
    title: str
    text: str


def normalise_fields(text: str) -> str:
    """`{phone}` as `{service.phone}`: advisors write the short form, the entries the long one."""
    return _SHORT_FIELD.sub(lambda m: "{service." + m.group(1) + "}", text)


def _checked(language: str, title: str, text: str) -> tuple[str, str, str]:
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    if not title.strip() or not text.strip():
        raise InvalidInput("a canned reply needs a title and a text")
    text = normalise_fields(text.replace("\r\n", "\n").strip())
    problems = field_problems(text)
    if problems:
        raise InvalidInput("; ".join(problems))
    return language, title.strip()[:128], text


def load_shipped(path: Path = SHIPPED_FILE) -> list[dict[str, Any]]:
    """The shipped replies as rows (key, title, language, text); every text checked like an edited one."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = []
    for reply in data.get("replies", []):
        for language, text in reply["texts"].items():
            language, title, text = _checked(language, reply["title"], text)
            rows.append({"key": reply["key"], "title": title, "language": language, "text": text})
    return rows


async def seed_shipped(session: AsyncSession, path: Path = SHIPPED_FILE) -> int:
    """Write the shipped set into an empty table (a fresh install); how many rows were added. A table with
    any reply is left alone: editors may have deleted the shipped ones on purpose."""
    if await session.scalar(select(func.count()).select_from(CannedReply)):
        return 0
    rows = load_shipped(path)
    session.add_all(CannedReply(status=APPROVED, **row) for row in rows)
    return len(rows)


async def canned_replies(session: AsyncSession, region: str | None = None, status: str = APPROVED) -> list[CannedReply]:
    query = select(CannedReply).where(CannedReply.status == status).order_by(CannedReply.language, CannedReply.title)
    if region:
        query = query.where((CannedReply.region.is_(None)) | (CannedReply.region == region))
    return list((await session.scalars(query)).all())


async def canned_for_conversation(
    session: AsyncSession, lang: str, region: str, values: Mapping[str, str] | None = None
) -> list[CannedView]:
    """The approved replies an advisor may pick for a conversation in `lang`: its language first, then
    German and English; those of every region and of the advisor's own; fields filled from `values`
    (a reply left empty by missing values is not offered)."""
    query = (
        select(CannedReply)
        .where(CannedReply.status == APPROVED)
        .where(CannedReply.language.in_((lang, "de", "en")))
        .where((CannedReply.region.is_(None)) | (CannedReply.region == region))
        .order_by(CannedReply.language != lang, CannedReply.title)
    )
    replies = (await session.scalars(query)).all()
    filled = dict(values or {})
    views = [CannedView(r.id, r.language, r.title, render(normalise_fields(r.text), filled)) for r in replies]
    return [view for view in views if view.text.strip()]  # every line needed a value the profile lacks


async def add_canned_reply(
    session: AsyncSession,
    *,
    language: str,
    title: str,
    text: str,
    region: str | None = None,
    proposed_by: int | None = None,
) -> CannedReply:
    """Editors add replies directly; an advisor's (`proposed_by`) waits for an admin's approval."""
    language, title, text = _checked(language, title, text)
    reply = CannedReply(
        language=language,
        title=title,
        text=text,
        region=region or None,
        status=PROPOSED if proposed_by is not None else APPROVED,
        proposed_by=proposed_by,
    )
    session.add(reply)
    await session.flush()
    return reply


async def _get(session: AsyncSession, reply_id: int) -> CannedReply:
    reply = await session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound("no such canned reply")
    return reply


async def update_canned_reply(
    session: AsyncSession, reply_id: int, *, language: str, title: str, text: str
) -> CannedReply:
    reply = await _get(session, reply_id)
    reply.language, reply.title, reply.text = _checked(language, title, text)
    return reply


async def approve_canned_reply(session: AsyncSession, reply_id: int) -> CannedReply:
    reply = await _get(session, reply_id)
    reply.status = APPROVED
    return reply


async def delete_canned_reply(session: AsyncSession, reply_id: int) -> None:
    await session.delete(await _get(session, reply_id))
