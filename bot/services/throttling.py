"""Per-person rate limit, so one flooding chat cannot starve everybody else's answers.

A fixed window counter: cheap, and exact enough for "slow down, please". The
person is told once per window; further messages in that window are stored but
not answered by retrieval. With `REDIS_URL` the counters are shared by every
replica (the counts of concurrent messages go to Redis in one round trip);
otherwise they live in this process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from bot.services.grouping import Batcher


@dataclass(frozen=True)
class ThrottleDecision:
    allowed: bool
    notify: bool  # first refusal in this window: tell the person politely


class Throttle(Protocol):
    async def hit(self, key: str) -> ThrottleDecision: ...

    async def close(self) -> None: ...


class MemoryThrottle:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._counters: dict[str, tuple[int, int, bool]] = {}  # key -> (window index, count, notified)

    async def hit(self, key: str) -> ThrottleDecision:
        window = int(time.monotonic() // self.window)
        current, count, notified = self._counters.get(key, (window, 0, False))
        if current != window:
            count, notified = 0, False
            if len(self._counters) > 100_000:  # drop stale windows now and then
                self._counters = {k: v for k, v in self._counters.items() if v[0] == window}
        count += 1
        if count <= self.limit:
            self._counters[key] = (window, count, notified)
            return ThrottleDecision(True, False)
        self._counters[key] = (window, count, True)
        return ThrottleDecision(False, not notified)

    async def close(self) -> None:
        self._counters.clear()


class RedisThrottle:
    def __init__(self, url: str, limit: int, window_seconds: float, prefix: str = "fairbot:throttle:") -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self.limit = limit
        self.window = window_seconds
        self.prefix = prefix
        self._ttl = int(window_seconds) + 1
        self._counts: Batcher[str, int] = Batcher(self._count_many)

    async def hit(self, key: str) -> ThrottleDecision:
        window = int(time.time() // self.window)
        counter = f"{self.prefix}{key}:{window}"
        if await self._counts.submit(counter) <= self.limit:
            return ThrottleDecision(True, False)
        first = await self._redis.set(f"{counter}:told", "1", nx=True, ex=self._ttl)
        return ThrottleDecision(False, bool(first))

    async def _count_many(self, counters: list[str]) -> list[int]:
        async with self._redis.pipeline(transaction=True) as pipe:
            for counter in counters:
                pipe.incr(counter)
                pipe.expire(counter, self._ttl)
            results = await pipe.execute()
        return [int(count) for count in results[::2]]

    async def close(self) -> None:
        await self._redis.aclose()


def create_throttle(redis_url: str | None, limit: int, window_seconds: float, prefix: str = "fairbot:") -> Throttle:
    if redis_url:
        return RedisThrottle(redis_url, limit, window_seconds, prefix=prefix + "throttle:")
    return MemoryThrottle(limit, window_seconds)
