"""A cheap "something changed" broadcast that many coroutines can wait on with a timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Changed:
    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def fire(self) -> None:
        future, self._future = self._future, None
        if future is not None and not future.done():
            future.set_result(None)

    async def wait(self, timeout: float) -> bool:
        """True when something changed within `timeout` seconds (all waiters share one future)."""
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        done, _ = await asyncio.wait((self._future,), timeout=timeout)
        return bool(done)

    async def until(self, probe: Callable[[], T | None], timeout: float, what: str, poll: float | None = None) -> T:
        """Re-run `probe` after every change (and every `poll` seconds) until it returns non-None."""
        deadline = time.monotonic() + timeout
        while True:
            result = probe()
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            await self.wait(remaining if poll is None else min(poll, remaining))
