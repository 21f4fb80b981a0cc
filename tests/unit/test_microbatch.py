"""MicroBatcher: the window, the cap, one failing job, and the end of the worker."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from knowledge.microbatch import MicroBatcher


def test_jobs_within_the_window_go_together_up_to_the_cap() -> None:
    calls: list[list[int]] = []

    def double(jobs: list[int]) -> list[int]:
        calls.append(list(jobs))
        return [j * 2 for j in jobs]

    batcher: MicroBatcher[int, int] = MicroBatcher(double, window=0.2, max_batch=4)
    futures = [batcher.submit(i) for i in range(6)]
    assert [f.result(5) for f in futures] == [0, 2, 4, 6, 8, 10]
    assert calls == [[0, 1, 2, 3], [4, 5]]
    stats = batcher.stats.summary()
    assert stats["batches"] == 2 and stats["jobs"] == 6 and stats["mean_batch"] == 3.0
    batcher.close()


def test_a_lone_job_waits_only_the_window() -> None:
    batcher: MicroBatcher[str, str] = MicroBatcher(lambda jobs: [j.upper() for j in jobs], window=0.05)
    started = time.monotonic()
    assert batcher.submit("a").result(5) == "A"
    waited = time.monotonic() - started
    assert 0.04 <= waited < 1.0
    batcher.close()


def test_one_failing_job_fails_alone() -> None:
    def handle(jobs: list[int]) -> list[int]:
        if 3 in jobs:
            raise ValueError("three")
        return [j + 1 for j in jobs]

    batcher: MicroBatcher[int, int] = MicroBatcher(handle, window=0.1)
    futures = [batcher.submit(i) for i in range(5)]
    assert [f.result(5) for f in futures if f is not futures[3]] == [1, 2, 3, 5]
    with pytest.raises(ValueError, match="three"):
        futures[3].result(5)
    batcher.close()


async def test_run_awaits_in_the_event_loop_while_the_worker_handles_the_batch() -> None:
    threads: set[str] = set()

    def handle(jobs: list[int]) -> list[int]:
        threads.add(threading.current_thread().name)
        time.sleep(0.05)
        return jobs

    batcher: MicroBatcher[int, int] = MicroBatcher(handle, window=0.01, name="test-batch")
    assert await asyncio.gather(*(batcher.run(i) for i in range(10))) == list(range(10))
    assert threads == {"test-batch"}
    assert batcher.stats.batches == 1
    batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit(1)


def test_close_handles_what_was_submitted_first() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(lambda jobs: jobs, window=0.5)
    future = batcher.submit(7)
    batcher.close()
    assert future.result(5) == 7


def test_an_urgent_job_is_taken_before_ordinary_ones_that_wait() -> None:
    """Under load the encoder's queue must not hold back a possible emergency (bot/services/answers.py)."""
    started, go = threading.Event(), threading.Event()
    calls: list[list[str]] = []

    def handle(jobs: list[str]) -> list[str]:
        calls.append(list(jobs))
        if jobs == ["first"]:
            started.set()
            go.wait(5)
        return jobs

    batcher: MicroBatcher[str, str] = MicroBatcher(handle, window=0.0, max_batch=2)
    first = batcher.submit("first")
    assert started.wait(5)  # the worker is busy: what comes now waits in the queue
    waiting = [batcher.submit(f"q{i}") for i in range(3)]
    urgent = batcher.submit("help", urgent=True)
    go.set()
    assert [f.result(5) for f in (first, *waiting, urgent)] == ["first", "q0", "q1", "q2", "help"]
    assert calls == [["first"], ["help", "q0"], ["q1", "q2"]]  # urgent first, the others in their order
    batcher.close()
