"""The admission gate: urgent first, each chat in order, the expected wait, one busy note per person and period."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.services.admission import ORDINARY, URGENT, Admission


async def _run_in_order(gate: Admission, entries: list[tuple[int, str | None, str]]) -> list[str]:
    """Hold the only slot, queue `entries` (rank, chat, name), let go; the names in the order they got the slot."""
    order: list[str] = []
    holder = gate.queue(URGENT)
    await holder.__aenter__()

    async def one(rank: int, chat: str | None, name: str) -> None:
        async with gate.queue(rank, chat):
            order.append(name)
            await asyncio.sleep(0)

    tasks = []
    for rank, chat, name in entries:
        tasks.append(asyncio.create_task(one(rank, chat, name)))
        await asyncio.sleep(0)  # queued in this order
    await holder.__aexit__(None, None, None)
    await asyncio.gather(*tasks)
    return order


async def test_urgent_goes_before_ordinary_that_came_earlier() -> None:
    gate = Admission(1, note_after=5.0)
    order = await _run_in_order(
        gate, [(ORDINARY, "a", "a1"), (ORDINARY, "b", "b1"), (URGENT, "c", "c1"), (ORDINARY, "d", "d1")]
    )
    assert order == ["c1", "a1", "b1", "d1"]
    assert gate.admitted == {URGENT: 2, ORDINARY: 3}  # the holder is urgent too


async def test_an_urgent_message_lifts_the_same_persons_earlier_ones_in_their_order() -> None:
    gate = Admission(1, note_after=5.0)
    order = await _run_in_order(
        gate, [(ORDINARY, "x", "x1"), (ORDINARY, "y", "y1"), (ORDINARY, "x", "x2"), (URGENT, "x", "x3")]
    )
    assert order == ["x1", "x2", "x3", "y1"]


async def test_the_expected_wait_is_the_queue_times_the_recent_service_time_over_the_slots() -> None:
    gate = Admission(2, note_after=5.0)
    assert gate.expected_wait() == 0.0  # a free slot: no wait
    gate.service.observe(0.4)
    holders = [gate.queue(URGENT), gate.queue(URGENT)]
    for holder in holders:
        await holder.__aenter__()
    waiting = [gate.queue(ORDINARY, str(i)) for i in range(5)]
    assert gate.queued == 5
    assert gate.expected_wait() == pytest.approx(6 * 0.4 / 2)  # five ahead, then this one, two at a time
    assert [round(t.expected_wait, 3) for t in waiting] == [0.2, 0.4, 0.6, 0.8, 1.0]
    urgent = gate.queue(URGENT, "u")
    assert urgent.expected_wait == pytest.approx(0.2)  # only urgent ones are ahead of it
    for holder in holders:
        await holder.__aexit__(None, None, None)
    for ticket in [urgent, *waiting]:
        async with ticket:
            pass
    assert gate.queued == 0 and gate.running == 0


async def test_one_note_per_person_per_busy_period() -> None:
    gate = Admission(1, note_after=1.0)
    gate.service.observe(0.6)
    holder = gate.queue(URGENT)
    await holder.__aenter__()
    first = [gate.queue(ORDINARY, chat) for chat in ("a", "b", "a", "a")]
    # a waits 0.6 s (below the threshold), b 1.2 s: busy from b on; a's later messages get the note once
    assert [t.note_due for t in first] == [False, True, True, False]
    assert gate.busy and gate.busy_periods == 1
    urgent = gate.queue(URGENT, "c")
    assert not urgent.note_due  # urgent ones are served first: no note
    await holder.__aexit__(None, None, None)
    for ticket in [urgent, *first]:
        async with ticket:
            pass
    await asyncio.sleep(0)
    assert gate.queued == 0 and not gate.busy  # the queue drained: the busy period is over

    holder = gate.queue(URGENT)
    await holder.__aenter__()
    gate.service.value = 5.0  # the recent service time went up
    again = [gate.queue(ORDINARY, chat) for chat in ("a", "b")]
    assert [t.note_due for t in again] == [True, True] and gate.busy_periods == 2  # a new period: told again
    await holder.__aexit__(None, None, None)
    for ticket in again:
        async with ticket:
            pass


async def test_time_spent_at_telegram_counts_towards_the_wait() -> None:
    gate = Admission(4, note_after=5.0)
    assert not gate.queue(ORDINARY, "a", age=1.0).note_due
    assert gate.queue(ORDINARY, "b", age=7.0).note_due and gate.busy


async def test_a_cancelled_waiter_gives_up_its_place() -> None:
    gate = Admission(1, note_after=5.0)
    holder = gate.queue(URGENT)
    await holder.__aenter__()

    async def wait(rank: int) -> None:
        async with gate.queue(rank, "p"):
            pass

    task = asyncio.create_task(wait(ORDINARY))
    await asyncio.sleep(0)
    assert gate.queued == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gate.queued == 0
    await holder.__aexit__(None, None, None)
    assert gate.running == 0
    await wait(ORDINARY)  # the slot is free again


def test_the_threshold_is_validated() -> None:
    for bad in (0, -1, 301):
        with pytest.raises(ValidationError, match="overload_note_after_seconds"):
            Settings(_env_file=None, overload_note_after_seconds=bad)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="overload_max_backlog"):
        Settings(_env_file=None, overload_max_backlog=10)  # type: ignore[call-arg]
    assert Settings(_env_file=None, overload_note_after_seconds=2.5).overload_note_after_seconds == 2.5  # type: ignore[call-arg]
