"""The answer service as the core sees it: retrieval off the event loop (batched), a reply cache, topic titles.

`Replies` is the only part that calls the answer service; a published index
clears what it cached (`index_changed`), so a cached reply is never older than
the index.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections import OrderedDict
from typing import Protocol

from bot.errors import InvalidState
from bot.services.answers import Reply

MAX_RETRIEVAL_TEXT = 1000


class Answerer(Protocol):
    """The part of `bot.services.answers.AnswerService` the conversation core uses."""

    async def respond_async(
        self, text: str, *, lang_hint: str | None = None, chosen_lang: str | None = None, urgent: bool = False
    ) -> Reply: ...

    def sounds_dangerous(self, text: str) -> bool: ...

    def sounds_urgent(self, text: str) -> bool: ...

    def topic_titles(self, lang: str) -> list[tuple[str, str]]: ...

    def entry_for_topic(self, topic: str, lang: str) -> Reply: ...

    def entry_reply(self, entry_id: str, lang: str) -> Reply: ...

    def topic_of(self, entry_id: str) -> str | None: ...

    def entry_title(self, entry_id: str, lang: str) -> str | None: ...


CacheKey = tuple[str, str | None, str | None]


class ReplyCache:
    """Process-wide LRU of retrieval replies per (normalised text, hints).

    Many people send the same short texts ("hallo", "help"); retrieval costs ~10 ms
    of CPU each. Entries expire after `ttl` seconds and the whole cache is cleared
    when a new index is published, so a cached reply is never older than the index.
    """

    def __init__(self, size: int = 4096, ttl: float = 300.0) -> None:
        self.size = size
        self.ttl = ttl
        self._data: OrderedDict[CacheKey, tuple[float, Reply]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def normalise(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    def get(self, key: CacheKey) -> Reply | None:
        found = self._data.get(key)
        if found is None or found[0] < time.monotonic():
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return found[1]

    def put(self, key: CacheKey, reply: Reply) -> None:
        self._data[key] = (time.monotonic() + self.ttl, reply)
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()


class Replies:
    """Retrieval replies (cached) and topic titles (cached per language) from the answer service."""

    def __init__(self, answers: Answerer | None, cache: ReplyCache) -> None:
        self.answers = answers
        self.cache = cache
        self._titles: dict[str, dict[str, str]] = {}

    def index_changed(self) -> None:
        """A new index was published: cached replies and topic titles may be stale."""
        self.cache.clear()
        self._titles.clear()

    def sounds_dangerous(self, text: str) -> bool:
        return self.answers is not None and self.answers.sounds_dangerous(text)

    def sounds_urgent(self, text: str) -> bool:
        """May be an emergency or a request for a person (patterns only): goes first under load."""
        return self.answers is not None and self.answers.sounds_urgent(text)

    async def respond(self, text: str, lang_hint: str | None, chosen_lang: str | None) -> Reply:
        if self.answers is None:
            raise InvalidState("the answer service is not loaded; start fairbot with a built index")
        key = (ReplyCache.normalise(text), lang_hint, chosen_lang)
        reply = self.cache.get(key)
        if reply is None:
            # Off the event loop, in one encoder call with the messages that arrive within milliseconds of it;
            # under load the encoder's queue serves possible emergencies and hand-over requests first.
            text = text[:MAX_RETRIEVAL_TEXT]
            reply = await self.answers.respond_async(
                text, lang_hint=lang_hint, chosen_lang=chosen_lang, urgent=self.answers.sounds_urgent(text)
            )
            self.cache.put(key, reply)
        return reply

    async def entry_for_topic(self, topic: str, lang: str) -> Reply:
        """The best entry of a topic; raises LookupError, KeyError or ValueError for an unknown topic."""
        if self.answers is None:
            raise InvalidState("the answer service is not loaded")
        return await asyncio.to_thread(self.answers.entry_for_topic, topic, lang)

    async def entry_reply(self, entry_id: str, lang: str) -> Reply:
        """One entry by id (a near-tie's other topic); KeyError when it is no longer served."""
        if self.answers is None:
            raise InvalidState("the answer service is not loaded")
        return await asyncio.to_thread(self.answers.entry_reply, entry_id, lang)

    def topic_titles(self, lang: str) -> list[tuple[str, str]]:
        return self.answers.topic_titles(lang) if self.answers is not None else []

    def topic_of(self, entry_id: str) -> str | None:
        """The topic of an entry the bot answered with (None when the index no longer has it)."""
        return self.answers.topic_of(entry_id) if self.answers is not None else None

    def entry_title(self, entry_id: str, lang: str) -> str | None:
        """An entry's reviewed title in `lang` (the packet's German summary); None when it is not loaded."""
        return self.answers.entry_title(entry_id, lang) if self.answers is not None else None

    def topic_title(self, topic: str, lang: str) -> str:
        titles = self._titles.get(lang)
        if titles is None and self.answers is not None:
            titles = self._titles[lang] = dict(self.answers.topic_titles(lang))
        return (titles or {}).get(topic, topic)
