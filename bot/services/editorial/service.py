"""`Editorial`: the knowledge-base operations on one database session, for one deployment.

One instance per app (it holds the baseline cache and the encoder once loaded); the console's
desk, the `fairbot kb` commands and the index build all go through it. Each method delegates to
the module that owns the job.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.events import EventBus
from bot.services.editorial import export as exporting
from bot.services.editorial import publishing
from bot.services.editorial import revisions as history
from bot.services.editorial import unanswered as report
from bot.services.editorial import workspace as rows
from bot.services.editorial.baseline import BaselineCache
from bot.storage.db import Database
from bot.storage.models import Account, EntryRevision
from knowledge.schema import Entry


class Editorial:
    """Knowledge-base editing for one deployment; cheap to build, holds the baseline and the encoder once loaded."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = BaselineCache(settings.fairbot_entries_dir, settings.fairbot_topics_file)
        self.index = publishing.IndexBuilder(settings)

    # ------------------------------------------------------------------ reading
    async def baseline(self) -> dict[str, Entry]:
        """The reviewed YAML entries by id (cached until a file changes; read in a worker thread)."""
        return await self.cache.get()

    async def revisions(self, session: AsyncSession, entry_id: str) -> list[EntryRevision]:
        return await history.revisions(session, entry_id)

    async def served_entries(self, session: AsyncSession) -> list[Entry]:
        return await publishing.served_entries(session, self.cache)

    async def current(self, session: AsyncSession, entry_id: str) -> tuple[dict[str, Any], str]:
        return await history.current(session, self.cache, entry_id)

    async def workspace(self, session: AsyncSession) -> list[rows.EntryStatus]:
        return await rows.workspace(session, self.cache)

    async def workspace_page(
        self, session: AsyncSession, *, topic: str = "", lang: str = "", state: str = "all", query: str = ""
    ) -> rows.WorkspacePage:
        return await rows.workspace_page(session, self.cache, topic=topic, lang=lang, state=state, query=query)

    async def revision_view(self, session: AsyncSession, revision_id: int) -> history.RevisionView:
        return await history.revision_view(session, self.cache, revision_id)

    async def unanswered(
        self, session: AsyncSession, *, region: str | None = None, limit: int = 300
    ) -> list[report.UnansweredItem]:
        return await report.unanswered(session, self.cache, region=region, limit=limit)

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
        return await history.save_draft(
            session,
            self.cache,
            author,
            entry_id,
            lang,
            title=title,
            questions=questions,
            answer=answer,
            meta=meta,
            note=note,
        )

    async def add_question_variant(
        self, session: AsyncSession, author: Account, entry_id: str, lang: str, question: str
    ) -> EntryRevision:
        return await history.add_question_variant(session, self.cache, author, entry_id, lang, question)

    async def draft_from_reply(
        self, session: AsyncSession, author: Account, message_id: int, question: str | None = None
    ) -> EntryRevision:
        return await history.draft_from_reply(session, author, message_id, question)

    async def rollback(self, session: AsyncSession, author: Account, revision_id: int) -> EntryRevision:
        return await history.rollback(session, author, revision_id)

    async def publish(self, session: AsyncSession, author: Account, entry_id: str) -> tuple[EntryRevision, Entry]:
        """Mark the newest revision published (after full validation); the caller commits, then reindexes."""
        return await publishing.mark_published(session, author, entry_id)

    async def publish_and_reindex(
        self, db: Database, author: Account, entry_id: str, *, answers: Any = None, bus: EventBus | None = None
    ) -> publishing.Published:
        """The whole use case: publish, audit, reindex, broadcast the new index version."""
        return await publishing.publish(db, self.index, self.cache, author, entry_id, answers=answers, bus=bus)

    # ------------------------------------------------------------------ index and export
    def build_index(self, entries: Any, answers: Any = None) -> Any:
        """CPU-bound (embedding): call through `asyncio.to_thread`."""
        return self.index.build_index(entries, answers)

    async def reindex(self, db: Database, answers: Any = None) -> Any:
        """Rebuild the index from the served state (see `IndexBuilder.reindex`)."""

        async def read() -> list[Entry]:
            async with db.session() as session:
                return await self.served_entries(session)

        return await self.index.reindex(read, answers)

    async def export(self, session: AsyncSession, directory: Path) -> list[Path]:
        return await exporting.export(session, self.cache, directory)
