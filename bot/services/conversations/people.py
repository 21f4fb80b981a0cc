"""Finding and creating people and their open conversations, and what this process remembers of them.

Every part of the core reaches a person through `People`: `load` finds (or
creates) the person and their open conversation inside the caller's
transaction; `look_up` answers "which state, which language" for the hot path
from a short-lived process cache, so most messages cost no extra query.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from bot.logs import bind_conversation
from bot.services.grouping import Batcher
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import STATE_BOT, Conversation, Person, utcnow

UiLanguage = Literal["de", "en", "ar", "fa", "ru", "uk", "tr", "fr"]
UI_LANGUAGES: tuple[UiLanguage, ...] = get_args(UiLanguage)  # the languages of the bot's own phrases
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=5)


def ui_lang(person: Person | None, fallback: str | None = None) -> str:
    """The language the bot's own phrases are said in: chosen, else detected, else the hint; English if unknown."""
    if person is None:
        return fallback or "en"
    lang = person.chosen_lang or person.detected_lang or fallback or "en"
    return lang if lang in UI_LANGUAGES else "en"


@dataclass
class Known:
    """What this process last saw of a person: enough to pick retrieval hints without a query."""

    chosen: str | None
    detected: str | None
    state: str
    until: float
    dialog: bool = False  # a calculator dialog is open: the next text may be its answer


class People:
    """People by (channel, external id): one lock each, a cache of their state, and loading in bulk."""

    def __init__(self, db: Database, region: str, *, known_ttl: float = 30.0) -> None:
        self.db = db
        self.region = region
        self._locks: dict[str, asyncio.Lock] = {}
        # Saves a query per message. Only hints: every write transaction re-reads the state and acts on
        # that (a stale "bot" becomes a relay, a stale "waiting" falls back to answering), and entries
        # expire quickly, so another replica's change (a claim in the console) is seen within seconds.
        self._known: OrderedDict[str, Known] = OrderedDict()
        self.known_ttl = known_ttl
        self._lookups: Batcher[tuple[str, str], Known] = Batcher(self._look_up_many)

    def lock(self, channel: str, external_id: str) -> asyncio.Lock:
        """Messages of one person are handled one at a time (order, and no duplicate conversations)."""
        key = f"{channel}:{external_id}"
        lock = self._locks.get(key)
        if lock is None:
            if len(self._locks) > 50_000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def remember(self, person: Person, state: str, dialog: bool | None = None) -> None:
        """`dialog` None keeps what was known about an open calculator dialog."""
        key = f"{person.channel}:{person.external_id}"
        if dialog is None:
            before = self._known.get(key)
            dialog = before.dialog if before else False
        until = time.monotonic() + self.known_ttl
        self._known[key] = Known(person.chosen_lang, person.detected_lang, state, until, dialog)
        self._known.move_to_end(key)
        if len(self._known) > 100_000:
            self._known.popitem(last=False)

    def recall(self, channel: str, external_id: str) -> Known | None:
        known = self._known.get(f"{channel}:{external_id}")
        if known is None or known.until < time.monotonic():
            return None
        return known

    def forget(self, channel: str, external_id: str) -> None:
        self._known.pop(f"{channel}:{external_id}", None)

    async def look_up(self, channel: str, external_id: str) -> Known:
        """State and languages of a person: from the cache, else in a query shared with concurrent look-ups."""
        return self.recall(channel, external_id) or await self._lookups.submit((channel, external_id))

    async def _look_up_many(self, keys: list[tuple[str, str]]) -> list[Known]:
        """What the cache did not know, for many people in one query (a burst of new people at once)."""
        found: dict[tuple[str, str], Known] = {}
        async with self.db.session() as session:
            for channel in {channel for channel, _ in keys}:
                ids = [external_id for c, external_id in keys if c == channel]
                people = await repo.people_and_open_conversations(session, channel, ids)
                for external_id, (person, conversation) in people.items():
                    state = conversation.state if conversation else STATE_BOT
                    dialog = conversation is not None and conversation.dialog is not None
                    found[(channel, external_id)] = Known(person.chosen_lang, person.detected_lang, state, 0.0, dialog)
        return [found.get(key) or Known(None, None, STATE_BOT, 0.0) for key in keys]

    async def lang_of(self, channel: str, external_id: str, lang_hint: str | None) -> str:
        """The UI language of a person who may not exist yet (a read, no write)."""
        async with self.db.session() as session:
            person = await repo.find_person(session, channel, external_id)
        return ui_lang(person, lang_hint)

    async def load(
        self,
        session: AsyncSession,
        channel: str,
        external_id: str,
        region: str | None = None,
        lang_hint: str | None = None,
    ) -> tuple[Person, Conversation]:
        person, conversation = (await self.load_many(session, channel, [(external_id, region, lang_hint)]))[external_id]
        bind_conversation(conversation.id)  # the rest of this task (an update, a request) logs with its id
        return person, conversation

    async def load_many(
        self, session: AsyncSession, channel: str, wanted: Sequence[tuple[str, str | None, str | None]]
    ) -> dict[str, tuple[Person, Conversation]]:
        """People (external id, region, language hint) with their open conversations; new ones are created."""
        found = await repo.people_and_open_conversations(session, channel, [w[0] for w in wanted])
        now = utcnow()
        new_people = []
        for external_id, region, lang_hint in wanted:
            known = found.get(external_id)
            if known is None:
                person = Person(
                    channel=channel, external_id=external_id, region=region or self.region, detected_lang=lang_hint
                )
                new_people.append(person)
                found[external_id] = (person, None)
            elif now - known[0].last_seen_at > LAST_SEEN_RESOLUTION:  # not a write per message
                known[0].last_seen_at = now
        if new_people:
            session.add_all(new_people)
            await session.flush()
        loaded: dict[str, tuple[Person, Conversation]] = {}
        new_conversations = []
        for external_id, (person, open_conversation) in found.items():
            conversation = open_conversation
            if conversation is None:
                conversation = Conversation(person_id=person.id, region=person.region, language=person.lang)
                new_conversations.append(conversation)
            loaded[external_id] = (person, conversation)
        if new_conversations:
            session.add_all(new_conversations)
            await session.flush()
        for person, conversation in loaded.values():
            self.remember(person, conversation.state, conversation.dialog is not None)
        return loaded
