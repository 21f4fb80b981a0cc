"""Two `fairbot run` replicas without a webhook: exactly one long-polls; a stopped or killed poller is replaced.

Real parts: two processes, one PostgreSQL database, Redis, the loopback Bot API
emulator. The emulator ends an older getUpdates with 409 when a newer one
arrives (as Telegram does), so two pollers would show up there as 409s.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import create_pg_database, drop_pg_database
from tests.e2e.replicas import Replica, replica_env, stop_all
from tests.emulator import Emulator
from tests.required import REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(600)]

TTL = 6.0  # TELEGRAM_POLLING_LOCK_TTL: renewals and standby retries every TTL/3 = 2 s
INTERVAL = TTL / 3


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    # A bot of its own: the Redis lock is per bot and Bot API server, so other tests' bots never contend.
    emulator = Emulator(f"{random.randint(10**8, 10**9 - 1)}:AAReplicaTestToken_{random.randint(0, 10**9):09d}")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def database_url() -> Iterator[str]:
    url = create_pg_database()
    yield url
    drop_pg_database(url)


async def _leaders(replicas: list[Replica]) -> dict[str, float | None]:
    values = await asyncio.gather(*(r.metric("fairbot_telegram_polling_leader") for r in replicas))
    return {r.name: v for r, v in zip(replicas, values, strict=True)}


async def _wait_leader(candidates: list[Replica], timeout: float) -> tuple[Replica, float]:
    """The one replica that reports itself as poller, and after how many seconds."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for replica in candidates:
            if await replica.metric("fairbot_telegram_polling_leader") == 1:
                return replica, time.monotonic() - started
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no replica took over polling within {timeout:.0f} s")


async def _answered_once(emulator: Emulator, name: str) -> None:
    user = emulator.add_user(name, "de")
    await user.send("Wie hoch ist der Mindestlohn?")
    reply = await emulator.wait_for_reply(user, timeout=30)
    assert "Mindestlohn" in reply.text
    await asyncio.sleep(1.5)  # a second poller or a redelivery would answer again by now
    assert len(user.messages) == 1, user.transcript()


@pytest.mark.parametrize("lock", ["redis", "postgres"])
async def test_one_poller_replaced_when_stopped_or_killed(
    lock: str, emulator: Emulator, database_url: str, tmp_path: Path
) -> None:
    env = replica_env(
        database_url,
        REDIS_URL if lock == "redis" else None,
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        TELEGRAM_POLLING_LOCK=lock,
        TELEGRAM_POLLING_LOCK_TTL=str(TTL),
    )
    a, b = Replica("a", env, tmp_path), Replica("b", env, tmp_path)
    replicas = [a, b]
    try:
        a.start()
        b.start()
        await asyncio.gather(a.wait_ready(), b.wait_ready())
        leader, _ = await _wait_leader(replicas, timeout=3 * TTL)
        standby = b if leader is a else a

        # Steady state: one poller over several renewal rounds, and no getUpdates ended by a rival (409).
        # The window outlasts one long poll (10 s); the emulator records every call but empty polls.
        polls_before = len(emulator.calls_of("getUpdates"))
        await _answered_once(emulator, "Ana")
        for _ in range(6):
            await asyncio.sleep(INTERVAL)
            assert await _leaders(replicas) == {leader.name: 1, standby.name: 0}
        calls = emulator.calls_of("getUpdates")[polls_before:]
        assert calls and all(call.status == 200 for call in calls), [call.status for call in calls]

        # SIGTERM (docker stop): the poller finishes, drops the lock, and the standby follows at its next
        # retry, well before a Redis key would have expired (TTL - INTERVAL after the last renewal).
        assert await leader.terminate() in (0, -15)  # uvicorn re-raises SIGTERM after a clean shutdown
        stopped = time.monotonic()
        await _wait_leader([standby], timeout=TTL)
        took = time.monotonic() - stopped
        assert took < INTERVAL + 1.5, f"take-over after a graceful stop took {took:.1f} s"
        assert '"polling_lock_released"' in leader.log_tail(50000)
        await _answered_once(emulator, "Bilal")

        # The stopped replica comes back as a standby; then the poller dies without any cleanup (SIGKILL).
        leader.start()
        await leader.wait_ready()
        assert await _leaders(replicas) == {leader.name: 0, standby.name: 1}
        standby.kill()
        killed = time.monotonic()
        await _wait_leader([leader], timeout=TTL + 3 * INTERVAL + 5)
        took = time.monotonic() - killed
        # Redis: the key expires at most TTL after the last renewal. PostgreSQL drops the lock with the
        # dead connection, so the next retry wins.
        limit = TTL + INTERVAL + 2 if lock == "redis" else INTERVAL + 2
        assert took < limit, f"take-over after a kill took {took:.1f} s (limit {limit:.1f} s)"
        await _answered_once(emulator, "Chen")
    finally:
        await stop_all(replicas)
