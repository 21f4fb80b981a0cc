"""A letter that was read and waits for the person's 📎: where it waits, and for how long.

Nothing from a letter goes into the database before the tap. Until then the letter as it would be
kept (the text found, its figures, the page image) waits for at most `TTL_SECONDS`: in this process's
memory when there is one process, in Redis when replicas share one (REDIS_URL). With replicas the tap
can reach another replica than the upload did (a webhook spread by the proxy, a web chat behind it);
in-process memory then said "this letter is no longer here". Redis runs without persistence in the
shipped deployment (docker-compose.yml: no RDB, no AOF), so the letter is in memory there too, and an
erasure on any replica deletes it at once.
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

TTL_SECONDS = 30 * 60


class PendingLetters(Protocol):
    async def put(self, channel: str, external_id: str, letter: dict[str, Any]) -> None: ...

    async def take(self, channel: str, external_id: str) -> dict[str, Any] | None:
        """The waiting letter, removed (one tap keeps it once); None when there is none or it expired."""

    async def drop(self, channel: str, external_id: str) -> None: ...

    async def close(self) -> None: ...


class MemoryPendingLetters:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._letters: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    def _sweep(self) -> None:
        cutoff = time.monotonic() - self.ttl
        for key in [k for k, (at, _) in self._letters.items() if at < cutoff]:
            del self._letters[key]

    async def put(self, channel: str, external_id: str, letter: dict[str, Any]) -> None:
        self._sweep()
        self._letters[(channel, external_id)] = (time.monotonic(), letter)

    async def take(self, channel: str, external_id: str) -> dict[str, Any] | None:
        self._sweep()
        found = self._letters.pop((channel, external_id), None)
        return found[1] if found else None

    async def drop(self, channel: str, external_id: str) -> None:
        self._letters.pop((channel, external_id), None)

    async def close(self) -> None:
        self._letters.clear()


class RedisPendingLetters:
    def __init__(self, url: str, ttl: int = TTL_SECONDS, prefix: str = "fairbot:letter:") -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self.ttl = ttl
        self.prefix = prefix

    def _key(self, channel: str, external_id: str) -> str:
        return f"{self.prefix}{channel}:{external_id}"

    async def put(self, channel: str, external_id: str, letter: dict[str, Any]) -> None:
        await self._redis.set(self._key(channel, external_id), json.dumps(letter), ex=self.ttl)

    async def take(self, channel: str, external_id: str) -> dict[str, Any] | None:
        raw = await self._redis.getdel(self._key(channel, external_id))
        return json.loads(raw) if raw else None

    async def drop(self, channel: str, external_id: str) -> None:
        await self._redis.delete(self._key(channel, external_id))

    async def close(self) -> None:
        await self._redis.aclose()


def create_pending_letters(redis_url: str | None, prefix: str = "fairbot:") -> PendingLetters:
    return RedisPendingLetters(redis_url, prefix=prefix + "letter:") if redis_url else MemoryPendingLetters()
