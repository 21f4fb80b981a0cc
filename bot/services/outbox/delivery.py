"""Delivering to Telegram: per-chat order, retry with backoff and Telegram's `retry_after`, results in batches.

Every outgoing Telegram call is a row written in the same transaction as the
message it delivers (`store.stage`), so a crash or an API outage never loses a
reply: the row stays `pending` until the Bot API accepted it. Delivery itself
runs in memory right after the commit (no polling delay on the hot path); a
sweeper picks up rows whose lease expired (another replica died, or this one restarted).

Order matters in a chat (emergency numbers before the consent question), so the
items of one chat are sent one after another; different chats go in parallel.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections import OrderedDict, deque
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.events import EventBus, conversation_topic
from bot.services.channels import Outgoing
from bot.services.outbox import store
from bot.services.outbox.sender import PermanentFailure, RetryLater, SendFunc, message_id_of, strip_tags
from bot.services.outbox.store import Item
from bot.storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
SETTLED_KEPT = 1024  # final statuses remembered for late `wait_delivered` calls (advisor replies in flight)


class TelegramOutbox:
    """The Telegram channel sender (see `bot.services.channels.ChannelSender`)."""

    channel = "telegram"
    delivered_on_commit = False
    shows_record = False

    def __init__(
        self,
        db: Database,
        send: SendFunc | None = None,
        *,
        bus: EventBus | None = None,
        max_in_memory_attempts: int = 8,
        base_delay: float = 0.25,
        max_delay: float = 30.0,
        lease_seconds: float = 120.0,
        sweep_interval: float = 2.0,
        concurrency: int = 64,
        channel: str = "telegram",
    ) -> None:
        self.channel = channel  # the rows this loop takes from the table (e-mail alerts: bot/services/outbox/mail.py)
        self.db = db
        self.send = send
        self.bus = bus
        self.max_in_memory_attempts = max_in_memory_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.sweep_interval = sweep_interval
        self._semaphore = asyncio.Semaphore(concurrency)
        self._chats: dict[str, deque[Item]] = {}
        self._known: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._results: list[dict[str, Any]] = []
        self._results_ready = asyncio.Event()
        self._waiters: dict[int, list[asyncio.Future[str]]] = {}
        # The last final statuses by message: a delivery can beat `wait_delivered` (the caller publishes its
        # events first, a Redis round trip), and a waiter that came late must still learn it was sent.
        self._settled: OrderedDict[int, str] = OrderedDict()
        self._background: list[asyncio.Task[None]] = []
        # One result write at a time, never cancelled half-way: a write cut off inside its transaction can
        # leave SQLite locked, and the final write in stop() must wait for the one in flight, not race it.
        self._write_lock = asyncio.Lock()
        self._db_work: set[asyncio.Future[Any]] = set()
        self._stopping = False

    # -- ChannelSender ---------------------------------------------------------------------------------
    async def stage(self, session: AsyncSession, outgoings: Sequence[Outgoing]) -> list[list[Item]]:
        return await store.stage(session, outgoings, self.lease)

    async def flush(self, staged: Sequence[Any]) -> None:
        for items in staged:
            for item in items:
                self._enqueue(item)

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._background = [
            asyncio.create_task(self._flush_results_loop(), name="outbox-results"),
            asyncio.create_task(self._sweep_loop(), name="outbox-sweeper"),
        ]

    async def stop(self, timeout: float = 5.0) -> None:
        """Let in-flight deliveries finish briefly; whatever is left stays pending, its lease released.

        Released, another replica's sweeper sends it at once instead of after the lease ran out.
        """
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        self._stopping = True
        unsent = [item for queue in self._chats.values() for item in queue]
        for task in list(self._tasks):
            task.cancel()
        self._results_ready.set()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, *self._tasks, return_exceptions=True)
        await asyncio.gather(*self._db_work, return_exceptions=True)  # shielded from the cancel above
        for item in unsent:
            self._record(item, "pending", None, release=True)
        try:
            await self._write_results()
        except Exception:  # the rows stay pending; the sweeper re-sends them after the next start
            log.exception("outbox_final_write_failed")
        self._background = []

    async def wait_delivered(self, message_id: int, timeout: float) -> str | None:
        """The final delivery status of a message ("sent" / "failed"), or None if still pending at timeout."""
        if (settled := self._settled.get(message_id)) is not None:
            return settled
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(message_id, []).append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            waiters = self._waiters.get(message_id)
            if waiters and future in waiters:
                waiters.remove(future)
                if not waiters:
                    del self._waiters[message_id]

    def idle(self) -> bool:
        return not self._chats and not self._results and not self._write_lock.locked()

    # -- delivery --------------------------------------------------------------------------------------
    def _enqueue(self, item: Item) -> None:
        if item.id in self._known:
            return
        self._known.add(item.id)
        queue = self._chats.get(item.chat_id)
        if queue is not None:
            queue.append(item)
            return
        self._chats[item.chat_id] = deque([item])
        task = asyncio.create_task(self._drain(item.chat_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, chat_id: str) -> None:
        queue = self._chats[chat_id]
        try:
            async with self._semaphore:
                while queue:
                    item = queue[0]
                    handed_back = await self._deliver(item)
                    queue.popleft()
                    self._known.discard(item.id)
                    if handed_back:
                        # Keep the chat's order: the rest waits for the sweeper, behind this item.
                        for rest in queue:
                            self._known.discard(rest.id)
                            self._record(rest, "pending", None, release=True, delay=1.0)
                        queue.clear()
        finally:
            self._chats.pop(chat_id, None)

    async def _deliver(self, item: Item) -> bool:
        """Send with retries; True when handed back to the table for a later attempt."""
        if self.send is None:
            self._record(item, "pending", f"no {self.channel} sender configured", release=True, delay=60.0)
            return True
        while True:
            item.attempts += 1
            try:
                result = await self.send(item.method, item.payload)
            except PermanentFailure as exc:
                metrics.OUTBOX_FAILURES.inc()
                log.warning("outbox_failed", extra={"item": item.id, "error": str(exc)[:120]})
                self._record(item, "failed", str(exc))
                return False
            except RetryLater as exc:
                if exc.reason == "html":  # Telegram could not parse our HTML: send it as plain text
                    item.payload = {**item.payload, "text": strip_tags(item.payload.get("text", ""))}
                    item.payload.pop("parse_mode", None)
                    item.rewritten = True
                    continue
                metrics.OUTBOX_RETRIES.inc()
                delay = exc.delay if exc.delay is not None else self._backoff(item.attempts)
                log.info(
                    "outbox_retry",
                    extra={
                        "item": item.id,
                        "conversation_id": item.conversation_id,
                        "attempt": item.attempts,
                        "delay": round(delay, 2),
                        "reason": exc.reason[:80],
                    },
                )
                if item.attempts >= self.max_in_memory_attempts or self._stopping:
                    self._record(item, "pending", exc.reason, release=True, delay=max(delay, 5.0))
                    return True
                await asyncio.sleep(delay)
                continue
            self._record(item, "sent", None, channel_message_id=message_id_of(result))
            return False

    def _backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return delay * (0.75 + random.random() / 2)  # noqa: S311 - jitter, not a secret

    def _record(
        self,
        item: Item,
        status: str,
        error: str | None,
        *,
        channel_message_id: str | None = None,
        release: bool = False,
        delay: float = 0.0,
    ) -> None:
        self._results.append(
            store.result(item, status, error, channel_message_id=channel_message_id, release=release, delay=delay)
        )
        self._results_ready.set()
        if status in ("sent", "failed") and item.message_id is not None:
            self._settled[item.message_id] = status
            while len(self._settled) > SETTLED_KEPT:
                self._settled.popitem(last=False)
            for future in self._waiters.get(item.message_id, []):
                if not future.done():
                    future.set_result(status)

    # -- results and the sweeper -----------------------------------------------------------------------
    async def _flush_results_loop(self) -> None:
        while True:
            await self._results_ready.wait()
            await asyncio.sleep(0.1)  # gather a batch: one transaction for many deliveries (statuses only)
            self._results_ready.clear()
            try:
                await self._to_the_end(self._write_results())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox_write_failed")
                await asyncio.sleep(1.0)
                self._results_ready.set()

    async def _to_the_end(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a database step to its end even when the loop awaiting it is cancelled; stop() waits for it."""
        task = asyncio.ensure_future(work)
        self._db_work.add(task)
        task.add_done_callback(self._db_work.discard)
        return await asyncio.shield(task)

    async def _write_results(self) -> None:
        async with self._write_lock:
            if not self._results:
                return
            batch, self._results = self._results, []
            try:
                await store.write_results(self.db, batch)
            except BaseException:  # the rows stay pending; the next write (or the one in stop()) stores them
                self._results = batch + self._results
                raise
        if self.bus is not None:
            await self.bus.publish_many(
                [
                    (
                        conversation_topic(r["_conversation_id"]),
                        {"type": "delivery", "message_id": r["_message_id"], "status": r["status"]},
                    )
                    for r in batch
                    if r["_conversation_id"] is not None and r["status"] != "pending"
                ]
            )

    async def _sweep_loop(self) -> None:
        while True:
            try:
                await self._to_the_end(self.sweep())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox_sweep_failed")
            await asyncio.sleep(self.sweep_interval)

    async def sweep(self, limit: int = 500) -> int:
        """Take over due rows whose lease expired (restart, another replica died, handed-back retries)."""
        taken = await store.take_due(self.db, self.lease, self._known, limit, self.channel)
        for item in taken:
            self._enqueue(item)
        return len(taken)
