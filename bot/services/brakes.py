"""Counters that expire, for brakes on abuse: failed logins per address and per name, web chats per address.

Unlike the message throttle (a fixed window that only counts), a brake is looked at before
the costly work it guards (a password check) and counted only when that work failed. A
counter lives `window` seconds from its first count, so "try again in N minutes" is exact.
With `REDIS_URL` the counters are shared by every replica; otherwise they live in this process.
"""

from __future__ import annotations

import time
from typing import Protocol


class Brakes(Protocol):
    async def count(self, key: str) -> tuple[int, float]:
        """The count of `key` and the seconds until it resets (0 when nothing is counted)."""
        ...

    async def add(self, key: str) -> int:
        """Count one more; returns the new count."""
        ...

    async def reset(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryBrakes:
    def __init__(self, window_seconds: float, max_keys: int = 100_000) -> None:
        self.window = window_seconds
        self.max_keys = max_keys
        self._counters: dict[str, tuple[int, float]] = {}  # key -> (count, expires at, monotonic)

    def _live(self, key: str) -> tuple[int, float] | None:
        item = self._counters.get(key)
        if item is not None and item[1] <= time.monotonic():
            del self._counters[key]
            return None
        return item

    async def count(self, key: str) -> tuple[int, float]:
        item = self._live(key)
        return (0, 0.0) if item is None else (item[0], item[1] - time.monotonic())

    async def add(self, key: str) -> int:
        item = self._live(key)
        if item is None:
            if len(self._counters) >= self.max_keys:  # drop the expired ones now and then
                now = time.monotonic()
                self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
            item = (0, time.monotonic() + self.window)
        self._counters[key] = (item[0] + 1, item[1])
        return item[0] + 1

    async def reset(self, key: str) -> None:
        self._counters.pop(key, None)

    async def close(self) -> None:
        self._counters.clear()


class RedisBrakes:
    def __init__(self, url: str, window_seconds: float, prefix: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self.window = max(1, int(window_seconds))
        self.prefix = prefix

    async def count(self, key: str) -> tuple[int, float]:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self.prefix + key)
            pipe.pttl(self.prefix + key)
            value, ttl = await pipe.execute()
        if value is None:
            return 0, 0.0
        return int(value), max(0.0, ttl / 1000)

    async def add(self, key: str) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(self.prefix + key)
            pipe.expire(self.prefix + key, self.window, nx=True)  # the window starts at the first count
            count, _ = await pipe.execute()
        return int(count)

    async def reset(self, key: str) -> None:
        await self._redis.delete(self.prefix + key)

    async def close(self) -> None:
        await self._redis.aclose()


def create_brakes(redis_url: str | None, window_seconds: float, prefix: str = "fairbot:brakes:") -> Brakes:
    if redis_url:
        return RedisBrakes(redis_url, window_seconds, prefix)
    return MemoryBrakes(window_seconds)


class WebChatLimits:
    """Per client address: new web-chat sessions per hour, messages per minute (across its sessions)."""

    def __init__(self, new_brakes: Brakes, message_brakes: Brakes, new_per_hour: int, messages_per_minute: int) -> None:
        self.new_brakes = new_brakes
        self.message_brakes = message_brakes
        self.new_per_hour = new_per_hour
        self.messages_per_minute = messages_per_minute

    @classmethod
    def create(
        cls, redis_url: str | None, new_per_hour: int, messages_per_minute: int, prefix: str = "fairbot:"
    ) -> WebChatLimits:
        return cls(
            create_brakes(redis_url, 3600.0, prefix + "chat-new:"),
            create_brakes(redis_url, 60.0, prefix + "chat-messages:"),
            new_per_hour,
            messages_per_minute,
        )

    async def new_session(self, address: str) -> bool:
        """Count a new chat from `address`; False when it has started too many this hour."""
        if (await self.new_brakes.count(address))[0] >= self.new_per_hour:
            return False
        await self.new_brakes.add(address)
        return True

    async def message(self, address: str) -> bool:
        """Count a message from `address`; False when it sent too many this minute."""
        return await self.message_brakes.add(address) <= self.messages_per_minute

    async def close(self) -> None:
        await self.new_brakes.close()
        await self.message_brakes.close()
