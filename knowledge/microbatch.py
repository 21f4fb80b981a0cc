"""MicroBatcher: jobs that arrive together are handled in one call, in one worker thread off the event loop.

The encoder and the flat vector search cost far less per message when they take
several messages at once (one ONNX run, one pass over the index), but messages
arrive one by one, from many coroutines. A job waits at most `window` seconds
after the oldest job of its batch arrived, or until `max_batch` jobs are there,
whichever comes first; while a batch is being handled the next one gathers by
itself, so under load batches grow without extra waiting, and at low load a
message waits only the window. An `urgent` job is taken before every ordinary
one that waits (jobs of one kind keep their order): under load the queue in
front of the encoder must not hold back a possible emergency.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

_STOP = object()
_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
_RESERVOIR = 4096  # the newest waits kept for percentiles


@dataclass
class BatchStats:
    """What the batcher did: sizes, the wait before a batch starts, and the time a batch takes."""

    batches: int = 0
    jobs: int = 0
    sizes: dict[str, int] = field(default_factory=lambda: {f"<={b}": 0 for b in _SIZE_BUCKETS})
    waits_ms: deque[float] = field(default_factory=lambda: deque(maxlen=_RESERVOIR))  # arrival → call, per job
    calls_ms: deque[float] = field(default_factory=lambda: deque(maxlen=_RESERVOIR))  # the batch call, per batch
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, size: int, waits: list[float], call: float) -> None:
        bucket = _SIZE_BUCKETS[min(bisect.bisect_left(_SIZE_BUCKETS, size), len(_SIZE_BUCKETS) - 1)]
        with self._lock:
            self.batches += 1
            self.jobs += size
            self.sizes[f"<={bucket}"] += 1
            self.waits_ms.extend(w * 1000 for w in waits)
            self.calls_ms.append(call * 1000)

    def summary(self) -> dict[str, object]:
        def pct(values: list[float], q: float) -> float | None:
            ordered = sorted(values)
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else None

        with self._lock:
            waits, calls = list(self.waits_ms), list(self.calls_ms)
        return {
            "batches": self.batches,
            "jobs": self.jobs,
            "mean_batch": round(self.jobs / self.batches, 2) if self.batches else None,
            "batch_sizes": dict(self.sizes),
            "wait_ms_p50": pct(waits, 0.5),
            "wait_ms_p95": pct(waits, 0.95),
            "call_ms_p50": pct(calls, 0.5),
            "call_ms_p95": pct(calls, 0.95),
        }


class MicroBatcher(Generic[Job, Result]):
    """`handle` gets a list of jobs and returns one result per job, in order; it runs in one worker thread.

    If a batch fails, its jobs are retried one by one, so one bad job fails no other.
    The worker starts with the first job (a process that never submits has no extra thread).
    """

    def __init__(
        self,
        handle: Callable[[list[Job]], Sequence[Result]],
        *,
        window: float = 0.003,
        max_batch: int = 16,
        name: str = "micro-batch",
    ) -> None:
        if window < 0 or max_batch < 1:
            raise ValueError("MicroBatcher needs window >= 0 seconds and max_batch >= 1")
        self._handle = handle
        self.window = window
        self.max_batch = max_batch
        self.name = name
        self.stats = BatchStats()
        # (rank, arrival number, item): urgent (0) before ordinary (1), then first come; the stop mark last (2)
        self._queue: queue.PriorityQueue[tuple[int, int, tuple[Job, Future[Result], float] | object]] = (
            queue.PriorityQueue()
        )
        self._order = itertools.count()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    def submit(self, job: Job, *, urgent: bool = False) -> Future[Result]:
        """From any thread; the future resolves in the worker thread."""
        if self._closed:
            raise RuntimeError(f"{self.name} is closed")
        future: Future[Result] = Future()
        self._ensure_worker()
        self._queue.put((0 if urgent else 1, next(self._order), (job, future, time.monotonic())))
        return future

    async def run(self, job: Job, *, urgent: bool = False) -> Result:
        """From the event loop: waits without blocking it."""
        return await asyncio.wrap_future(self.submit(job, urgent=urgent))

    def close(self, timeout: float = 5.0) -> None:
        """Jobs already submitted are still handled; then the worker ends."""
        self._closed = True
        worker = self._worker
        if worker is not None and worker.is_alive():
            self._queue.put((2, next(self._order), _STOP))
            worker.join(timeout)

    def _ensure_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._worker.start()

    def _gather(self, first: tuple[Job, Future[Result], float]) -> tuple[list[tuple[Job, Future[Result], float]], bool]:
        """The first job and those that come within the window after it (or are already waiting)."""
        batch = [first]
        deadline = first[2] + self.window
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                _, _, item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)  # type: ignore[arg-type]
        return batch, False

    def _loop(self) -> None:
        stop = False
        while not stop:
            _, _, item = self._queue.get()
            if item is _STOP:
                break
            batch, stop = self._gather(item)  # type: ignore[arg-type]
            live = [(job, future, at) for job, future, at in batch if future.set_running_or_notify_cancel()]
            if live:
                self._run(live)

    def _run(self, batch: list[tuple[Job, Future[Result], float]]) -> None:
        started = time.monotonic()
        try:
            results = list(self._handle([job for job, _, _ in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"{self.name}: {len(results)} results for {len(batch)} jobs")
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
            else:
                for one in batch:
                    self._run([one])
            return
        self.stats.record(len(batch), [started - at for _, _, at in batch], time.monotonic() - started)
        for (_, future, _), result in zip(batch, results, strict=True):
            future.set_result(result)
