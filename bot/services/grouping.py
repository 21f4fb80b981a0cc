"""Batching concurrent calls into one database round: group commit for writes, one query for reads.

Under load most of what a message costs is the transaction around it (a
connection, BEGIN, COMMIT, a round trip per statement), not its rows. Jobs that
arrive while a batch is in the database wait and go together in the next one,
so at low load a batch is a single job and adds no delay, and under load the
cost per message falls as the batches grow.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")


class Batcher(Generic[Job, Result]):
    """`submit` a job, get its result; `write` handles a whole batch and returns a result per job, in order.

    One batch is in the database at a time. If `write` raises, every job of that batch gets the exception and
    its caller decides (the conversation core retries each one alone, so one bad job cannot fail the
    others).
    """

    def __init__(self, write: Callable[[list[Job]], Awaitable[Sequence[Result]]], *, max_batch: int = 64) -> None:
        self._write = write
        self.max_batch = max_batch
        self._pending: list[tuple[Job, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, job: Job) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        if self._runner is None or self._runner.done():
            # A fresh context: the writer must not inherit the first submitter's context variables
            # (such as the update id its transaction would otherwise claim).
            self._runner = asyncio.create_task(self._run(), name="batcher", context=contextvars.Context())
        return await future

    async def _run(self) -> None:
        await asyncio.sleep(0)  # callers woken in the same loop iteration join the first batch
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                results = list(await self._write([job for job, _ in batch]))
                if len(results) != len(batch):
                    raise RuntimeError(f"batcher: {len(results)} results for {len(batch)} jobs")
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except BaseException:  # cancelled (shutdown): nobody may wait forever
                for _, future in batch + self._pending:
                    future.cancel()
                self._pending = []
                raise
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
