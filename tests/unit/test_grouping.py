"""The batcher behind group commit: batches form under concurrency, results and failures reach the right callers."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from bot.services.grouping import Batcher

marker: contextvars.ContextVar[str | None] = contextvars.ContextVar("marker", default=None)


async def test_concurrent_jobs_share_batches_and_get_their_own_results() -> None:
    batches: list[list[int]] = []

    async def write(jobs: list[int]) -> list[int]:
        batches.append(jobs)
        await asyncio.sleep(0.01)  # a database round trip: later callers queue up meanwhile
        return [job * 10 for job in jobs]

    batcher: Batcher[int, int] = Batcher(write)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(50)))
    assert results == [n * 10 for n in range(50)]
    assert sorted(job for batch in batches for job in batch) == list(range(50))
    assert len(batches) < 5, batches  # not one round per job


async def test_a_lone_job_is_written_at_once() -> None:
    async def write(jobs: list[str]) -> list[str]:
        return [job.upper() for job in jobs]

    batcher: Batcher[str, str] = Batcher(write)
    assert await asyncio.wait_for(batcher.submit("a"), 1) == "A"
    assert await asyncio.wait_for(batcher.submit("b"), 1) == "B"


async def test_a_failed_batch_fails_its_jobs_and_the_next_batch_still_runs() -> None:
    calls = 0

    async def write(jobs: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(0.01)
            raise RuntimeError("database went away")
        return jobs

    batcher: Batcher[int, int] = Batcher(write)
    first = asyncio.ensure_future(batcher.submit(1))
    await asyncio.sleep(0.005)  # the first batch is in the database...
    second = asyncio.ensure_future(batcher.submit(2))  # ...so this one waits for the next
    with pytest.raises(RuntimeError, match="went away"):
        await first
    assert await second == 2


async def test_a_wrong_number_of_results_is_an_error_not_a_hang() -> None:
    async def write(jobs: list[int]) -> list[int]:
        return []

    batcher: Batcher[int, int] = Batcher(write)
    with pytest.raises(RuntimeError, match="0 results for 1 jobs"):
        await asyncio.wait_for(batcher.submit(1), 1)


async def test_the_writer_does_not_see_the_submitters_context() -> None:
    """The update id a handler's transaction would claim lives in a context variable: a shared
    transaction must not claim the first submitter's update for everybody."""
    seen: list[str | None] = []

    async def write(jobs: list[int]) -> list[int]:
        seen.append(marker.get())
        return jobs

    batcher: Batcher[int, int] = Batcher(write)
    marker.set("handler's update")
    await batcher.submit(1)
    assert seen == [None]
