"""The editors' side of the knowledge base: drafts, revisions, publishing, the unanswered report, export.

The YAML files in `knowledge/entries/` are the reviewed baseline; the console
stores every edit as an `EntryRevision` (full entry JSON, author, state). What
the bot serves is the baseline overridden by the newest *published* revision of
each entry. Publishing rebuilds the index incrementally (only changed texts are
re-embedded) and swaps the `CURRENT` pointer atomically; every AnswerService
notices the new version on its next request. `fairbot kb export` writes the
served state back to YAML, so content changes stay reviewable in git.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import json
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.errors import InvalidInput, NotFound
from bot.storage.db import Database
from bot.storage.models import (
    REVISION_DRAFT,
    REVISION_PUBLISHED,
    Account,
    CannedReply,
    Conversation,
    EntryRevision,
    Feedback,
    Message,
)
from knowledge.loader import dump_entry, load_entries_with_errors, write_entries
from knowledge.schema import SOURCE_LANGUAGE, SUPPORTED_LANGUAGES, Entry, EntryText
from knowledge.topics import load_topics

EXPIRING_WITHIN = dt.timedelta(days=30)
REVIEW_EVERY = dt.timedelta(days=365)


def _today() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Berlin")).date()


class EntryInvalid(InvalidInput):
    """The entry would not load in the bot; `errors` lists every problem for the form."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class LangStatus:
    lang: str
    missing: bool = False
    stale: bool = False  # the German text changed after this translation


@dataclass
class EntryStatus:
    """One row of the editor workspace."""

    entry_id: str
    topic: str
    title: str
    data: dict[str, Any]
    source: str  # yaml | published | draft-only
    has_draft: bool = False
    expired: bool = False
    expiring: bool = False
    review_due: bool = False
    langs: dict[str, LangStatus] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [lang for lang, s in self.langs.items() if s.missing]

    @property
    def stale(self) -> list[str]:
        return [lang for lang, s in self.langs.items() if s.stale]


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


def entry_dict(entry: Entry) -> dict[str, Any]:
    return entry.model_dump(mode="json")


def validate_entry(data: dict[str, Any]) -> Entry:
    try:
        entry = Entry.model_validate(data)
    except ValidationError as error:
        raise EntryInvalid(
            [f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in error.errors()]
        ) from None
    known = {t.id for t in load_topics()}
    if entry.topic not in known:
        raise EntryInvalid([f"topic: unknown topic {entry.topic!r}"])
    return entry


def _text_of(data: dict[str, Any], lang: str) -> dict[str, Any] | None:
    text = (data.get("texts") or {}).get(lang)
    if not text or not str(text.get("answer", "")).strip() or not str(text.get("title", "")).strip():
        return None
    return dict(text)


class Editorial:
    """Knowledge-base editing for one deployment; cheap to build, holds the encoder once loaded."""

    _encoder_lock = threading.Lock()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._encoder: Any = None

    # ------------------------------------------------------------------ reading
    def baseline(self) -> dict[str, Entry]:
        entries, _errors = load_entries_with_errors(
            self.settings.fairbot_entries_dir, self.settings.fairbot_topics_file
        )
        return {e.id: e for e in entries}

    async def revisions(self, session: AsyncSession, entry_id: str) -> list[EntryRevision]:
        query = select(EntryRevision).where(EntryRevision.entry_id == entry_id).order_by(EntryRevision.id)
        return list((await session.scalars(query)).all())

    async def _latest_published(self, session: AsyncSession) -> dict[str, EntryRevision]:
        rows = await session.scalars(
            select(EntryRevision).where(EntryRevision.state == REVISION_PUBLISHED).order_by(EntryRevision.id)
        )
        latest: dict[str, EntryRevision] = {}
        for row in rows:
            latest[row.entry_id] = row
        return latest

    async def served_entries(self, session: AsyncSession) -> list[Entry]:
        """What the bot serves: the YAML baseline, each entry replaced by its newest published revision."""
        entries = self.baseline()
        for entry_id, revision in (await self._latest_published(session)).items():
            try:
                entries[entry_id] = Entry.model_validate(revision.data)
            except ValidationError:
                continue  # validated when published; a schema change must not take the bot down
        return sorted(entries.values(), key=lambda e: e.id)

    async def current(self, session: AsyncSession, entry_id: str) -> tuple[dict[str, Any], str]:
        """The state an editor continues from: newest revision (draft or published), else the YAML file."""
        revs = await self.revisions(session, entry_id)
        if revs:
            return dict(revs[-1].data), revs[-1].state
        baseline = self.baseline()
        if entry_id not in baseline:
            raise NotFound(f"no entry {entry_id!r}")
        return entry_dict(baseline[entry_id]), "yaml"

    async def workspace(self, session: AsyncSession) -> list[EntryStatus]:
        baseline = self.baseline()
        all_revs = (await session.scalars(select(EntryRevision).order_by(EntryRevision.id))).all()
        by_entry: dict[str, list[EntryRevision]] = defaultdict(list)
        for rev in all_revs:
            by_entry[rev.entry_id].append(rev)
        today = _today()
        rows: list[EntryStatus] = []
        for entry_id in sorted(set(baseline) | set(by_entry)):
            revs = by_entry.get(entry_id, [])
            if revs:
                data, source = (
                    dict(revs[-1].data),
                    ("draft-only" if entry_id not in baseline else revs[-1].state),
                )
            else:
                data, source = entry_dict(baseline[entry_id]), "yaml"
            de = _text_of(data, SOURCE_LANGUAGE) or _text_of(data, "en") or {}
            status = EntryStatus(
                entry_id=entry_id,
                topic=str(data.get("topic", "")),
                title=str(de.get("title", entry_id)),
                data=data,
                source=source,
                has_draft=bool(revs) and revs[-1].state == REVISION_DRAFT,
            )
            valid_until = _as_date(data.get("valid_until"))
            if valid_until:
                status.expired = valid_until < today
                status.expiring = not status.expired and valid_until - today <= EXPIRING_WITHIN
            reviewed = _as_date(data.get("reviewed"))
            status.review_due = reviewed is None or today - reviewed >= REVIEW_EVERY
            base = entry_dict(baseline[entry_id]) if entry_id in baseline else None
            changed = _text_change_times(revs, base)
            for lang in SUPPORTED_LANGUAGES:
                missing = _text_of(data, lang) is None
                de_at, lang_at = changed.get(SOURCE_LANGUAGE), changed.get(lang)
                stale = (
                    lang != SOURCE_LANGUAGE
                    and not missing
                    and de_at is not None
                    and (lang_at is None or lang_at < de_at)
                )
                status.langs[lang] = LangStatus(lang, missing=missing, stale=stale)
            rows.append(status)
        return rows

    # ------------------------------------------------------------------ writing
    async def save_draft(
        self,
        session: AsyncSession,
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
            raise EntryInvalid([f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]) from None
        data, _state = await self.current(session, entry_id)
        data = json.loads(json.dumps(data))  # deep copy
        data.setdefault("texts", {})[lang] = text.model_dump(mode="json")
        if meta:
            data.update({k: v for k, v in meta.items() if k in ("topic", "reviewed", "valid_until", "sources")})
        return self._add_revision(session, author, entry_id, lang, data, note or f"edit {lang}")

    async def add_question_variant(
        self, session: AsyncSession, author: Account, entry_id: str, lang: str, question: str
    ) -> EntryRevision:
        question = question.strip()
        if not question:
            raise InvalidInput("empty question")
        data, _state = await self.current(session, entry_id)
        data = json.loads(json.dumps(data))
        text = data.setdefault("texts", {}).get(lang)
        if text is None:
            raise InvalidInput(f"entry {entry_id} has no {lang} text yet: translate it first")
        if question not in text.setdefault("questions", []):
            text["questions"].append(question)
        return self._add_revision(session, author, entry_id, lang, data, f"question variant ({lang})")

    async def draft_from_reply(
        self, session: AsyncSession, author: Account, message_id: int, question: str | None = None
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
        topic = (conversation.topic if conversation else None) or "other"
        base = re.sub(r"[^a-z0-9]+", "-", (question or "advisor-reply").lower()).strip("-")[:40] or "advisor-reply"
        entry_id = f"draft-{base}-{message_id}".strip("-")
        entry_id = re.sub(r"-+", "-", entry_id)
        today = _today().isoformat()
        data = {
            "id": entry_id,
            "topic": topic,
            "reviewed": today,
            "valid_until": None,
            "sources": [],
            "texts": {
                lang: {
                    "title": (question or "Advisor reply")[:120],
                    "questions": [question] if question else [],
                    "answer": message.text,
                }
            },
        }
        return self._add_revision(session, author, entry_id, lang, data, f"from advisor reply {message_id}")

    async def rollback(self, session: AsyncSession, author: Account, revision_id: int) -> EntryRevision:
        old = await session.get(EntryRevision, revision_id)
        if old is None:
            raise NotFound("no such revision")
        return self._add_revision(session, author, old.entry_id, "*", dict(old.data), f"rollback to #{old.id}")

    def _add_revision(
        self,
        session: AsyncSession,
        author: Account,
        entry_id: str,
        lang: str,
        data: dict[str, Any],
        note: str,
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
        )
        session.add(revision)
        return revision

    async def publish(self, session: AsyncSession, author: Account, entry_id: str) -> tuple[EntryRevision, Entry]:
        """Mark the newest revision published (after full validation); the caller commits, then reindexes."""
        revs = await self.revisions(session, entry_id)
        if not revs:
            raise InvalidInput("nothing to publish: save a draft first")
        latest = revs[-1]
        entry = validate_entry(latest.data)
        if latest.state != REVISION_PUBLISHED:
            latest.state = REVISION_PUBLISHED
            latest.published_at = dt.datetime.now(dt.UTC)
            latest.author_id = latest.author_id or author.id
        return latest, entry

    # ------------------------------------------------------------------ index
    def encoder(self, answers: Any = None) -> Any:
        """The serving encoder: the running AnswerService's own instance when there is one (no second copy
        in memory). Publishing re-embeds only the changed texts, so the small serving model is quick enough,
        and it shares MODEL_ID (and the embedding cache) with the index encoder of full builds."""
        shared = getattr(getattr(answers, "retriever", None), "encoder", None)
        if shared is not None:
            return shared
        with self._encoder_lock:
            if self._encoder is None:
                from knowledge.encoders import load_encoder

                self._encoder = load_encoder(self.settings.knowledge)
            return self._encoder

    def build_index(self, entries: Sequence[Entry] | Callable[[], Sequence[Entry]], answers: Any = None) -> Any:
        """CPU-bound (embedding): call through `asyncio.to_thread`."""
        from knowledge.index import IndexStore
        from knowledge.intents import load_corpus

        store = IndexStore(self.settings.index_dir)
        # the same build call as `bot.services.answers.build_index`, but with the console's entries
        return store.build(entries, self.encoder(answers), intents=load_corpus())

    async def reindex(self, db: Database, answers: Any = None) -> Any:
        """Rebuild from the served state. The entries are read inside the index's build lock (the callable
        runs in the worker thread and asks this loop for them), so two editors publishing at once in two
        processes cannot leave an index built from the older snapshot."""
        loop = asyncio.get_running_loop()

        async def read() -> list[Entry]:
            async with db.session() as session:
                return await self.served_entries(session)

        def entries() -> list[Entry]:
            return asyncio.run_coroutine_threadsafe(read(), loop).result(timeout=300)

        return await asyncio.to_thread(self.build_index, entries, answers)

    # ------------------------------------------------------------------ report
    async def unanswered(self, session: AsyncSession, *, limit: int = 300) -> list[UnansweredItem]:
        rows = (
            await session.scalars(
                select(Feedback)
                .where((Feedback.helpful.is_(False)) | (Feedback.helpful.is_(None)))
                .order_by(Feedback.id.desc())
                .limit(limit)
            )
        ).all()
        baseline_topics = {e.id: e.topic for e in self.baseline().values()}
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
                    question=row.question,
                    lang=row.lang or "?",
                    topic=topic,
                    entry_id=row.entry_id,
                    helpful=row.helpful,
                    created_at=row.created_at,
                    conversation_id=row.conversation_id,
                    advisor_reply_id=reply.id if reply else None,
                    advisor_reply=reply.text if reply else None,
                )
            )
        return items

    # ------------------------------------------------------------------ export
    async def export(self, session: AsyncSession, directory: Path) -> list[Path]:
        return write_entries(await self.served_entries(session), directory)


def group_unanswered(items: Sequence[UnansweredItem]) -> list[tuple[tuple[str, str], list[UnansweredItem]]]:
    """Grouped by (nearest topic, language), biggest groups first: where a new entry helps most."""
    groups: dict[tuple[str, str], list[UnansweredItem]] = defaultdict(list)
    for item in items:
        groups[(item.topic or "?", item.lang)].append(item)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


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


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _text_change_times(revs: Sequence[EntryRevision], baseline: dict[str, Any] | None) -> dict[str, dt.datetime]:
    """When each language's text last changed, from the revision history (starting from the YAML baseline)."""
    changed: dict[str, dt.datetime] = {}
    previous: dict[str, Any] = dict((baseline or {}).get("texts") or {})
    for index, rev in enumerate(revs):
        texts = (rev.data or {}).get("texts") or {}
        for lang, text in texts.items():
            if (previous or index) and previous.get(lang) != text:
                changed[lang] = rev.created_at
        previous = texts
    return changed


# ---------------------------------------------------------------------- canned replies
async def canned_replies(session: AsyncSession, region: str | None = None) -> list[CannedReply]:
    query = select(CannedReply).order_by(CannedReply.language, CannedReply.title)
    if region:
        query = query.where((CannedReply.region.is_(None)) | (CannedReply.region == region))
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
