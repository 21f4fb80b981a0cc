"""Publishing an entry: validate and mark the newest revision published, audit it, rebuild the index
incrementally from the served state, and tell every replica that a new index version is live."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.errors import FairbotError, InvalidInput
from bot.events import INDEX, EventBus
from bot.services import accounts
from bot.services.editorial.baseline import BaselineCache
from bot.services.editorial.revisions import latest_published, revisions, validate_entry
from bot.storage.db import Database
from bot.storage.models import REVISION_PUBLISHED, Account, EntryRevision
from knowledge.schema import Entry

log = logging.getLogger(__name__)


class ReindexFailed(FairbotError):
    """The revision is published but the index was not rebuilt; the next publish or `fairbot index build` retries."""

    code = "reindex_failed"


async def served_entries(session: AsyncSession, cache: BaselineCache) -> list[Entry]:
    """What the bot serves: the YAML baseline, each entry replaced by its newest published revision."""
    entries = await cache.get()
    for entry_id, revision in (await latest_published(session)).items():
        try:
            entries[entry_id] = Entry.model_validate(revision.data)
        except ValidationError:
            continue  # validated when published; a schema change must not take the bot down
    return sorted(entries.values(), key=lambda e: e.id)


async def mark_published(session: AsyncSession, author: Account, entry_id: str) -> tuple[EntryRevision, Entry]:
    """Mark the newest revision published (after full validation); the caller commits, then reindexes."""
    revs = await revisions(session, entry_id)
    if not revs:
        raise InvalidInput("nothing to publish: save a draft first")
    latest = revs[-1]
    entry = validate_entry(latest.data)
    if latest.state != REVISION_PUBLISHED:
        latest.state = REVISION_PUBLISHED
        latest.published_at = dt.datetime.now(dt.UTC)
        latest.author_id = latest.author_id or author.id
    latest.source_conversation_id = None  # reviewed and published: editorial content, it stays if the person goes
    return latest, entry


class IndexBuilder:
    """Rebuilds the index from the served state with the serving encoder (loaded once, shared if running)."""

    _encoder_lock = threading.Lock()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._encoder: Any = None

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
        # the same build call as `bot.services.index_builds.build_index`, but with the console's entries
        return store.build(entries, self.encoder(answers), intents=load_corpus())

    async def reindex(self, read: Callable[[], Coroutine[Any, Any, list[Entry]]], answers: Any = None) -> Any:
        """Rebuild from the served state. The entries are read inside the index's build lock (the callable
        runs in the worker thread and asks this loop for them), so two editors publishing at once in two
        processes cannot leave an index built from the older snapshot."""
        loop = asyncio.get_running_loop()

        def entries() -> list[Entry]:
            return asyncio.run_coroutine_threadsafe(read(), loop).result(timeout=300)

        return await asyncio.to_thread(self.build_index, entries, answers)


@dataclass(frozen=True)
class Published:
    revision_id: int
    index_version: str


async def publish(
    db: Database,
    builder: IndexBuilder,
    cache: BaselineCache,
    author: Account,
    entry_id: str,
    *,
    answers: Any = None,
    bus: EventBus | None = None,
) -> Published:
    """Publish → audit → reindex → broadcast, the whole use case.

    Raises `EntryInvalid` / `FairbotError` when nothing was published (the form shows why), and
    `ReindexFailed` when the revision is published but the index could not be rebuilt.
    """
    async with db.transaction() as session:
        revision, _entry = await mark_published(session, author, entry_id)
        await accounts.audit(session, author.id, "entry.publish", "entry", entry_id, revision=revision.id)
        revision_id = revision.id

    async def read() -> list[Entry]:
        async with db.session() as session:
            return await served_entries(session, cache)

    try:
        report = await builder.reindex(read, answers)
    except Exception as error:  # the revision is published; the next publish or `fairbot index build` retries
        log.exception("reindex_failed", extra={"entry_id": entry_id})
        raise ReindexFailed(f"{type(error).__name__}: {error}"[:300]) from error
    if bus is not None:
        await bus.publish(INDEX, {"version": report.version})
    log.info("entry_published", extra={"entry_id": entry_id, "index_version": report.version})
    return Published(revision_id, report.version)
