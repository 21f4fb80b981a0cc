"""Entry revisions: validating an entry, the history of one entry, drafts an editor saves, rollback, diffs.

Every edit in the console is stored as an `EntryRevision` holding the whole entry as JSON; the
newest revision (draft or published) is what an editor continues from, else the YAML baseline.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput, NotFound
from bot.services.editorial.baseline import BaselineCache
from bot.services.redaction import redact
from bot.storage.models import REVISION_DRAFT, REVISION_PUBLISHED, Account, Conversation, EntryRevision, Message
from knowledge.loader import dump_entry
from knowledge.schema import SOURCE_LANGUAGE, SUPPORTED_LANGUAGES, Entry, EntryText
from knowledge.topics import load_topics

BERLIN = ZoneInfo("Europe/Berlin")


def today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


class EntryInvalid(InvalidInput):
    """The entry would not load in the bot; `errors` lists every problem for the form."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _errors_of(error: ValidationError, whole: str = "") -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or whole}: {e['msg']}" for e in error.errors()]


def entry_dict(entry: Entry) -> dict[str, Any]:
    return entry.model_dump(mode="json")


def validate_entry(data: dict[str, Any]) -> Entry:
    try:
        entry = Entry.model_validate(data)
    except ValidationError as error:
        raise EntryInvalid(_errors_of(error, "entry")) from None
    known = {t.id for t in load_topics()}
    if entry.topic not in known:
        raise EntryInvalid([f"topic: unknown topic {entry.topic!r}"])
    return entry


async def revisions(session: AsyncSession, entry_id: str) -> list[EntryRevision]:
    query = select(EntryRevision).where(EntryRevision.entry_id == entry_id).order_by(EntryRevision.id)
    return list((await session.scalars(query)).all())


async def latest_published(session: AsyncSession) -> dict[str, EntryRevision]:
    rows = await session.scalars(
        select(EntryRevision).where(EntryRevision.state == REVISION_PUBLISHED).order_by(EntryRevision.id)
    )
    latest: dict[str, EntryRevision] = {}
    for row in rows:
        latest[row.entry_id] = row
    return latest


async def current(session: AsyncSession, baseline: BaselineCache, entry_id: str) -> tuple[dict[str, Any], str]:
    """The state an editor continues from: newest revision (draft or published), else the YAML file."""
    revs = await revisions(session, entry_id)
    if revs:
        return dict(revs[-1].data), revs[-1].state
    entries = await baseline.get()
    if entry_id not in entries:
        raise NotFound(f"no entry {entry_id!r}")
    return entry_dict(entries[entry_id]), "yaml"


def add_revision(
    session: AsyncSession,
    author: Account,
    entry_id: str,
    lang: str,
    data: dict[str, Any],
    note: str,
    *,
    source_conversation_id: int | None = None,
) -> EntryRevision:
    data["id"] = entry_id
    revision = EntryRevision(
        entry_id=entry_id,
        language=lang,
        author_id=author.id,
        author_name=author.display_name or author.username,
        data=data,
        state=REVISION_DRAFT,
        note=note[:255],
        source_conversation_id=source_conversation_id,
    )
    session.add(revision)
    return revision


async def save_draft(
    session: AsyncSession,
    baseline: BaselineCache,
    author: Account,
    entry_id: str,
    lang: str,
    *,
    title: str,
    questions: Sequence[str],
    answer: str,
    meta: dict[str, Any] | None = None,
    note: str = "",
) -> EntryRevision:
    """Store one language's edit as a new draft revision of the whole entry."""
    if lang not in SUPPORTED_LANGUAGES:
        raise InvalidInput(f"unknown language {lang!r}")
    try:
        text = EntryText(title=title, questions=[q for q in questions if q.strip()], answer=answer)
    except ValidationError as error:
        raise EntryInvalid(_errors_of(error)) from None
    data, _state = await current(session, baseline, entry_id)
    data = json.loads(json.dumps(data))  # deep copy
    data.setdefault("texts", {})[lang] = text.model_dump(mode="json")
    if meta:
        data.update({k: v for k, v in meta.items() if k in ("topic", "reviewed", "valid_until", "sources")})
    source = await _unpublished_source(session, entry_id)
    return add_revision(session, author, entry_id, lang, data, note or f"edit {lang}", source_conversation_id=source)


async def _unpublished_source(session: AsyncSession, entry_id: str) -> int | None:
    """The conversation a still unpublished entry was drafted from: its next drafts go with it too."""
    latest = await session.scalar(
        select(EntryRevision).where(EntryRevision.entry_id == entry_id).order_by(EntryRevision.id.desc()).limit(1)
    )
    if latest is None or latest.state != REVISION_DRAFT:
        return None
    return latest.source_conversation_id


async def add_question_variant(
    session: AsyncSession, baseline: BaselineCache, author: Account, entry_id: str, lang: str, question: str
) -> EntryRevision:
    question = question.strip()
    if not question:
        raise InvalidInput("empty question")
    data, _state = await current(session, baseline, entry_id)
    data = json.loads(json.dumps(data))
    text = data.setdefault("texts", {}).get(lang)
    if text is None:
        raise InvalidInput(f"entry {entry_id} has no {lang} text yet: translate it first")
    question = redact(question)  # it comes from a person's conversation (the unanswered report)
    if question not in text.setdefault("questions", []):
        text["questions"].append(question)
    source = await _unpublished_source(session, entry_id)
    return add_revision(
        session, author, entry_id, lang, data, f"question variant ({lang})", source_conversation_id=source
    )


async def draft_from_reply(
    session: AsyncSession, author: Account, message_id: int, question: str | None = None
) -> EntryRevision:
    """Turn an advisor's reply into a new draft entry, so a good answer given once is given by the bot."""
    message = await session.get(Message, message_id)
    if message is None or message.author != "advisor":
        raise NotFound("no advisor reply with that id")
    conversation = await session.get(Conversation, message.conversation_id)
    lang = message.lang or (conversation.language if conversation else None) or SOURCE_LANGUAGE
    if lang not in SUPPORTED_LANGUAGES:
        lang = SOURCE_LANGUAGE
    if question is None:
        asked = await session.scalar(
            select(Message)
            .where(
                Message.conversation_id == message.conversation_id,
                Message.author == "user",
                Message.id < message.id,
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        question = asked.text if asked else ""
    question = redact(question or "")  # nothing of who asked leaves the conversation: not in the text, not in the id
    topic = (conversation.topic if conversation else None) or "other"
    base = re.sub(r"[^a-z0-9]+", "-", (question or "advisor-reply").lower()).strip("-")[:40] or "advisor-reply"
    entry_id = re.sub(r"-+", "-", f"draft-{base}-{message_id}".strip("-"))
    data: dict[str, Any] = {
        "id": entry_id,
        "topic": topic,
        "reviewed": today().isoformat(),
        "valid_until": None,
        "sources": [],
        "texts": {
            lang: {
                "title": (question or "Advisor reply")[:120],
                "questions": [question] if question else [],
                "answer": redact(message.text),
            }
        },
    }
    return add_revision(
        session,
        author,
        entry_id,
        lang,
        data,
        f"from advisor reply {message_id}",
        source_conversation_id=message.conversation_id,
    )


async def rollback(session: AsyncSession, author: Account, revision_id: int) -> EntryRevision:
    old = await session.get(EntryRevision, revision_id)
    if old is None:
        raise NotFound("no such revision")
    return add_revision(session, author, old.entry_id, "*", dict(old.data), f"rollback to #{old.id}")


def revision_diff(older: dict[str, Any] | None, newer: dict[str, Any]) -> list[tuple[str, str]]:
    """Line diff of two revisions as YAML, the same text a reviewer sees in git."""

    def text(data: dict[str, Any] | None) -> list[str]:
        if data is None:
            return []
        try:
            return dump_entry(Entry.model_validate(data)).splitlines()
        except ValidationError:
            return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True).splitlines()

    out: list[tuple[str, str]] = []
    for line in difflib.unified_diff(text(older), text(newer), lineterm="", n=1):
        if line.startswith(("+++", "---")):
            continue
        kind = "add" if line.startswith("+") else "del" if line.startswith("-") else "ctx"
        out.append((kind, line))
    return out


@dataclass(frozen=True)
class RevisionView:
    """One revision with the one before it (or the YAML baseline) and the diff between them."""

    revision: EntryRevision
    older: EntryRevision | None
    diff: list[tuple[str, str]]


async def revision_view(session: AsyncSession, baseline: BaselineCache, revision_id: int) -> RevisionView:
    revision = await session.get(EntryRevision, revision_id)
    if revision is None:
        raise NotFound("no such revision")
    older = None
    for rev in await revisions(session, revision.entry_id):
        if rev.id == revision.id:
            break
        older = rev
    if older is not None:
        base: dict[str, Any] | None = older.data
    else:
        entry = (await baseline.get()).get(revision.entry_id)
        base = entry_dict(entry) if entry else None
    return RevisionView(revision, older, revision_diff(base, revision.data))
