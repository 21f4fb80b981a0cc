"""Long polling by exactly one replica: a lock in Redis or PostgreSQL, renewed while held, taken over when its holder dies.

Telegram serves one getUpdates caller per bot; two replicas polling at once
terminate each other's requests (409 Conflict) and every update risks a delay.
Every replica runs a `PollingLeader`: the one that holds the lock polls, the
others retry the lock every `TELEGRAM_POLLING_LOCK_TTL / 3` seconds.

- Redis (`redis-py`'s Lock: a key with a random token and a TTL): renewed every
  TTL/3; a dead holder's key expires after at most TTL, then a standby takes over.
- PostgreSQL (`pg_try_advisory_lock` on a connection of its own): held as long as
  that connection lives; a dead holder's connection closes and the server drops
  the lock at once; the holder checks its connection every TTL/3.
- none: a single process (the SQLite default) polls without a lock.

On a graceful stop the leader stops polling, lets the updates in flight finish
and only then drops the lock, so the next holder starts where this one ended
(updates not yet confirmed to Telegram come again and the idempotency
middleware drops those already handled).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from bot import metrics
from bot.config import Settings
from bot.storage.db import is_sqlite

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 727002  # PostgreSQL advisory-lock keys: this * 10**10 + bot id (bot ids have at most 10 digits)


class PollingLock(Protocol):
    kind: str

    async def acquire(self) -> bool:
        """Try once, without waiting; True when this process now holds the lock."""

    async def renew(self) -> bool:
        """Extend the hold; False when the lock was lost (then stop polling at once)."""

    async def release(self) -> None:
        """Drop the lock if held (never raises) and free the connection."""


class RedisPollingLock:
    kind = "redis"

    def __init__(self, url: str, name: str, ttl: float) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._lock = self._redis.lock(name, timeout=ttl, blocking=False)

    async def acquire(self) -> bool:
        return bool(await self._lock.acquire(blocking=False))

    async def renew(self) -> bool:
        from redis.exceptions import LockError, RedisError

        try:
            await self._lock.reacquire()  # resets the TTL, only while the key still holds our token
        except (LockError, RedisError):
            return False
        return True

    async def release(self) -> None:
        with contextlib.suppress(Exception):
            await self._lock.release()
        with contextlib.suppress(Exception):
            await self._redis.aclose()


class PostgresPollingLock:
    kind = "postgres"

    def __init__(self, url: str, key: int, check_timeout: float) -> None:
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        # Its own engine, outside the request pool: the connection lives as long as the lock.
        self._engine = create_async_engine(url, poolclass=NullPool)
        self._key = key
        self._timeout = check_timeout
        self._connection: Any = None

    async def acquire(self) -> bool:
        from sqlalchemy import text

        connection = await self._engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def renew(self) -> bool:
        from sqlalchemy import text

        if self._connection is None:
            return False
        try:
            await asyncio.wait_for(self._connection.execute(text("SELECT 1")), self._timeout)
        except Exception:  # the connection is gone, and with it the lock (the server drops both)
            await self._close()
            return False
        return True

    async def release(self) -> None:
        from sqlalchemy import text

        if self._connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}),
                    self._timeout,
                )
            await self._close()
        with contextlib.suppress(Exception):
            await self._engine.dispose()

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()


def lock_kind(settings: Settings) -> str:
    """`auto`: Redis when configured, else PostgreSQL when the database is one, else none (one process)."""
    kind = settings.telegram_polling_lock
    if kind != "auto":
        return kind
    if settings.redis_url:
        return "redis"
    if not is_sqlite(settings.effective_database_url):
        return "postgres"
    return "none"


def create_polling_lock(settings: Settings, bot_id: int) -> PollingLock | None:
    kind = lock_kind(settings)
    ttl = settings.telegram_polling_lock_ttl
    if kind == "redis":
        if not settings.redis_url:
            raise ValueError("TELEGRAM_POLLING_LOCK=redis needs REDIS_URL")
        # One poller per bot and Bot API server (a self-hosted server or a test emulator is another stream).
        server = hashlib.sha256(settings.telegram_api_url.rstrip("/").encode()).hexdigest()[:12]
        return RedisPollingLock(
            settings.redis_url, f"{settings.redis_key_prefix}telegram-poller:{bot_id}:{server}", ttl
        )
    if kind == "postgres":
        if is_sqlite(settings.effective_database_url):
            raise ValueError("TELEGRAM_POLLING_LOCK=postgres needs a PostgreSQL DATABASE_URL")
        return PostgresPollingLock(settings.effective_database_url, LOCK_NAMESPACE * 10**10 + bot_id, ttl / 3)
    return None


class PollingLeader:
    """Polls while holding the lock; `stop()` ends polling, waits for updates in flight, then drops the lock."""

    def __init__(
        self,
        lock: PollingLock | None,
        start_polling: Callable[[], Coroutine[Any, Any, None]],
        stop_polling: Callable[[], Coroutine[Any, Any, None]],
        *,
        interval: float,
    ) -> None:
        self.lock = lock
        self._start_polling = start_polling
        self._stop_polling = stop_polling
        self.interval = interval
        self.leading = False
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="telegram-polling-leader")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        kind = self.lock.kind if self.lock is not None else "none"
        while not self._stop.is_set():
            try:
                held = self.lock is None or await self.lock.acquire()
            except Exception as exc:  # Redis or PostgreSQL down: stay a standby and try again
                log.warning("polling_lock_unavailable", extra={"error": type(exc).__name__})
                held = False
            if held:
                log.info("polling_lock_acquired", extra={"lock": kind})
                await self._lead()
                if self.lock is not None:
                    await self.lock.release()
                log.info("polling_lock_released", extra={"lock": kind})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval)

    async def _lead(self) -> None:
        polling = asyncio.create_task(self._start_polling(), name="telegram-polling")
        stopping = asyncio.create_task(self._stop.wait())
        self.leading = True
        metrics.POLLING_LEADER.set(1)
        try:
            while True:
                await asyncio.wait({polling, stopping}, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
                if stopping.done():
                    break
                if polling.done():  # polling ended by itself: log why, drop the lock, let anyone retry
                    exc = None if polling.cancelled() else polling.exception()
                    log.error("polling_ended", extra={"error": type(exc).__name__ if exc else None})
                    break
                if self.lock is not None and not await self.lock.renew():
                    log.warning("polling_lock_lost")
                    break
        finally:
            stopping.cancel()
            await self._stop_polling()
            if not polling.done():
                polling.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await polling
            self.leading = False
            metrics.POLLING_LEADER.set(0)
