"""Admission under load: which update is handled next, how long the wait is, and when a person is told.

Why a gate of its own: the bot can only be as fast as its encoder (bench/PROFILE.md), so offered more
than that, updates wait. Measured (bench/throughput.py `--overload`), that wait built up before an update
reached the conversation core: in Telegram's queue behind the 100 updates the process held, while the
answer batcher's queue stayed under half a second. Telegram's long-polling intake (bot/telegram/intake.py)
now stores what it fetches and holds the whole backlog; this gate lets `slots` updates run at once and
orders the rest:

- urgent first: a cheap pre-check (emergency and hand-over patterns, the advisor and consent buttons, a
  person already with an advisor) says which updates may be danger or a request for a person. It errs
  towards urgent: a false "urgent" costs one place in the queue, a missed one costs an emergency its wait.
  Nothing is ever dropped; an ordinary update only waits longer.
- one chat in order: an urgent update lifts the same person's earlier waiting updates with it, so their
  messages still go in the order they wrote them (bot/telegram/middlewares.py keeps that order).
- the expected wait of a new arrival is the queue ahead of it times the recent time an update holds a slot
  (an EWMA), divided by the slots (Little's law), plus the time it already spent at Telegram. Past
  `note_after` seconds a busy period starts; each person gets one note in it (`Ticket.note_due`); it ends
  when the expected wait falls below half the threshold again.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from bot import metrics

log = logging.getLogger(__name__)

URGENT = 0
ORDINARY = 1
RANK_NAMES = {URGENT: "urgent", ORDINARY: "ordinary"}


class Ewma:
    """An exponentially weighted moving average: recent service times count most, old ones fade."""

    def __init__(self, alpha: float, initial: float) -> None:
        if not 0 < alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        self.alpha = alpha
        self.value = initial
        self.samples = 0

    def observe(self, value: float) -> None:
        self.value = value if self.samples == 0 else self.alpha * value + (1 - self.alpha) * self.value
        self.samples += 1


@dataclass(eq=False)
class Ticket:
    """One update's place in the queue: `async with ticket:` waits for a slot and holds it while handling."""

    gate: Admission
    rank: int
    seq: int
    chat: str | None
    queued_at: float
    expected_wait: float  # seconds, estimated when it was queued (including its time at Telegram)
    note_due: bool = False  # the first of this person's updates in this busy period: tell them
    admitted_at: float | None = None
    _future: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    _done: bool = False

    @property
    def key(self) -> tuple[int, int]:
        return (self.rank, self.seq)

    async def __aenter__(self) -> Ticket:
        try:
            await asyncio.shield(self._future)
        except asyncio.CancelledError:
            self.gate._withdraw(self)
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.gate._release(self)


class Admission:
    """At most `slots` updates at once; the others wait, urgent first, each chat in order (see the module doc)."""

    def __init__(self, slots: int, note_after: float, *, alpha: float = 0.1, initial_service: float = 0.05) -> None:
        if slots < 1 or note_after <= 0:
            raise ValueError("Admission needs slots >= 1 and note_after > 0 seconds")
        self.slots = slots
        self.note_after = note_after
        self.service = Ewma(alpha, initial_service)  # seconds an update holds a slot
        self.busy = False
        self.busy_periods = 0
        self.notes = 0
        self.admitted = dict.fromkeys(RANK_NAMES, 0)
        self._free = slots
        self._heap: list[tuple[int, int, Ticket]] = []
        self._waiting: dict[int, Ticket] = {}  # seq -> ticket not yet admitted
        self._by_chat: dict[str, list[Ticket]] = {}  # waiting tickets per chat, oldest first
        self._noted: set[str] = set()  # chats told in this busy period
        self._seq = itertools.count()
        self._last_age = 0.0
        self._notes: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ queue

    @property
    def queued(self) -> int:
        return len(self._waiting)

    @property
    def running(self) -> int:
        return self.slots - self._free

    def expected_wait(self, ahead: int | None = None) -> float:
        """Seconds until a new ordinary arrival gets a slot: the queue ahead, served `slots` at a time."""
        ahead = self.queued if ahead is None else ahead
        if ahead == 0 and self._free > 0:
            return 0.0
        return (ahead + 1) * self.service.value / self.slots

    def queue(self, rank: int, chat: str | None = None, age: float = 0.0) -> Ticket:
        """Take a place; `age`: seconds the update already waited before it reached this process."""
        now = time.monotonic()
        self._last_age = max(0.0, age)
        ahead = self.queued if rank == ORDINARY else sum(1 for t in self._waiting.values() if t.rank == URGENT)
        wait = self._last_age + self.expected_wait(ahead)
        ticket = Ticket(self, rank, next(self._seq), chat, now, wait)
        if wait >= self.note_after and not self.busy:
            self.busy = True
            self.busy_periods += 1
            self._noted.clear()
            metrics.BUSY_PERIODS.inc()
        if self.busy and rank == ORDINARY and chat is not None and chat not in self._noted and wait >= self.note_after:
            self._noted.add(chat)
            ticket.note_due = True
        self._waiting[ticket.seq] = ticket
        heapq.heappush(self._heap, (ticket.rank, ticket.seq, ticket))
        if chat is not None:
            earlier = self._by_chat.setdefault(chat, [])
            if rank == URGENT:  # the person's earlier messages go with it, in their order
                for before in earlier:
                    if before.rank != URGENT:
                        before.rank = URGENT
                        heapq.heappush(self._heap, (URGENT, before.seq, before))
            earlier.append(ticket)
        self._dispatch()
        metrics.ADMISSION_QUEUED.set(self.queued)
        metrics.ADMISSION_EXPECTED_WAIT.set(wait)
        return ticket

    def _dispatch(self) -> None:
        while self._free > 0 and self._heap:
            rank, seq, ticket = heapq.heappop(self._heap)
            if self._waiting.get(seq) is not ticket or rank != ticket.rank:
                continue  # admitted, withdrawn, or lifted to urgent (its newer entry is in the heap)
            self._admit(ticket)

    def _admit(self, ticket: Ticket) -> None:
        del self._waiting[ticket.seq]
        if ticket.chat is not None:
            chat = self._by_chat[ticket.chat]
            chat.remove(ticket)
            if not chat:
                del self._by_chat[ticket.chat]
        self._free -= 1
        ticket.admitted_at = time.monotonic()
        self.admitted[ticket.rank] += 1
        metrics.ADMISSION_WAIT_SECONDS.labels(RANK_NAMES[ticket.rank]).observe(ticket.admitted_at - ticket.queued_at)
        ticket._future.set_result(None)

    def _withdraw(self, ticket: Ticket) -> None:
        """Cancelled while waiting (a stop): its place goes; if it was admitted meanwhile, so does its slot."""
        if ticket.seq in self._waiting:
            del self._waiting[ticket.seq]
            if ticket.chat is not None:
                chat = self._by_chat.get(ticket.chat, [])
                if ticket in chat:
                    chat.remove(ticket)
                if not chat:
                    self._by_chat.pop(ticket.chat, None)
            metrics.ADMISSION_QUEUED.set(self.queued)
            return
        self._release(ticket)

    def _release(self, ticket: Ticket) -> None:
        if ticket._done or ticket.admitted_at is None:
            return
        ticket._done = True
        self._free += 1
        self.service.observe(time.monotonic() - ticket.admitted_at)
        if self.busy and self._last_age < self.note_after / 2 and self.expected_wait() < self.note_after / 2:
            self.busy = False  # the next busy period tells everyone again
        self._dispatch()
        metrics.ADMISSION_QUEUED.set(self.queued)

    def tell(self, note: Callable[[], Awaitable[bool]]) -> None:
        """Send a ticket's busy note now, in a task of its own, while the update keeps its place; `note`
        returns whether it said something. A failed note is logged, never raised: it is a courtesy."""

        async def run() -> None:
            try:
                sent = await note()
            except Exception:
                log.warning("busy_note_failed", exc_info=True)
                return
            if sent:
                self.notes += 1
                metrics.BUSY_NOTES.inc()

        task = asyncio.create_task(run(), name="busy-note")
        self._notes.add(task)
        task.add_done_callback(self._notes.discard)

    def summary(self) -> dict[str, object]:
        """For the bench and logs: what the gate did."""
        return {
            "slots": self.slots,
            "note_after_seconds": self.note_after,
            "service_seconds_ewma": round(self.service.value, 4),
            "queued": self.queued,
            "busy": self.busy,
            "busy_periods": self.busy_periods,
            "busy_notes": self.notes,
            "admitted": {RANK_NAMES[r]: n for r, n in self.admitted.items()},
        }
