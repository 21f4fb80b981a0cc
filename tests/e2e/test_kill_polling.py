"""The long-polling bot killed with SIGKILL in the middle of a burst and started again (issue 13, finding 23).

Real parts: `fairbot run` as a process (SQLite, the default deployment, and PostgreSQL), the loopback Bot
API emulator, which keeps every update until a getUpdates offset confirms it, as Telegram does. The
process dies without any cleanup while it is answering; the burst goes on meanwhile. After the restart
every question must have its answer (nothing lost), no question is handled twice, and the only
replies that may go twice are those Telegram accepted in the moment before the kill.

Why: an update is confirmed to Telegram only by the next getUpdates, so after a
kill the same updates come again; the idempotency middleware (processed_update, written in the
transaction that stores the reply) drops those already handled, and the outbox sends a staged reply
once its lease runs out. The one window left is a reply that Telegram accepted just before the kill but
whose "sent" mark (batched every 0.1 s) was not yet committed; Telegram offers no idempotency key, so that
reply goes again: at least once, never lost. The test counts these instead of hiding them; the counts go
to docs/reliability.md.
The webhook path is covered by tests/e2e/test_replicas_webhook.py (a replica killed mid-burst).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.storage.db import Database
from bot.storage.models import Message
from tests.e2e.harness import create_pg_database, drop_pg_database
from tests.e2e.replicas import Replica, replica_env, stop_all
from tests.e2e.reports import write_report
from tests.emulator import Emulator
from tests.emulator.users import SimulatedUser

pytestmark = [pytest.mark.timeout(600)]

QUESTIONS = ("Wie hoch ist der Mindestlohn?", "Wie viele Tage Urlaub stehen mir zu?", "Mein Chef zahlt nicht")
PEOPLE = 16


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emulator = Emulator(f"{random.randint(10**8, 10**9 - 1)}:AAKillPolling_{random.randint(0, 10**9):09d}")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fairbot.db'}"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


async def _ask(users: list[SimulatedUser]) -> None:
    async def one(user: SimulatedUser) -> None:
        for question in QUESTIONS:
            await user.send(question)
            await asyncio.sleep(0.1)

    await asyncio.gather(*(one(user) for user in users))


async def _replies(
    emulator: Emulator, users: list[SimulatedUser], expected: int, timeout: float
) -> dict[int, list[str]]:
    with contextlib.suppress(TimeoutError):
        await emulator.wait_for(
            lambda: True if all(len(u.messages) >= expected for u in users) else None, timeout, "every reply"
        )
    await asyncio.sleep(3.0)  # a redelivered update or a resent reply would have arrived by now
    return {u.id: [m.text for m in u.messages] for u in users}


async def _stored_questions(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            return int(
                await session.scalar(select(func.count()).select_from(Message).where(Message.author == "user")) or 0
            )
    finally:
        await db.dispose()


async def test_a_killed_poller_loses_nothing_and_answers_nothing_twice(
    emulator: Emulator, database_url: str, tmp_path: Path
) -> None:
    env = replica_env(
        database_url,
        None,
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        FAIRBOT_OUTBOX_LEASE_SECONDS="3",
        THROTTLE_MESSAGES="1000",
    )
    bot = Replica("poller", env, tmp_path)
    users = [emulator.add_user(f"Burst {n}", "de") for n in range(PEOPLE)]
    try:
        bot.start()
        await bot.wait_ready()
        # What one person gets for the three questions when nothing goes wrong (a question may get two
        # messages, e.g. an answer and an offer): the measure for everybody in the burst.
        control = emulator.add_user("Control", "de")
        await _ask([control])
        expected = len((await _replies(emulator, [control], len(QUESTIONS), timeout=60))[control.id])
        assert len(set(m.text for m in control.messages)) == expected, "the control's replies repeat a text"
        burst = asyncio.create_task(_ask(users))
        # Killed while it is answering: some replies are out, most questions are still coming.
        await emulator.wait_for(lambda: True if len(emulator.calls_of("sendMessage")) >= 5 else None, 60, "replies")
        bot.kill()
        await asyncio.sleep(0.5)  # requests that reached the emulator before the kill are still being answered
        sent_before_kill = {(user.id, message.text) for user in users for message in user.messages}
        await burst
        waiting = emulator.updates.unconfirmed_count
        bot.start()
        await bot.wait_ready()
        texts = await _replies(emulator, users, expected, timeout=120)
    finally:
        await stop_all([bot])
    lost = {user: len(set(got)) for user, got in texts.items() if len(set(got)) < expected}
    repeated = {(user, text) for user, got in texts.items() for text in got if got.count(text) > 1}
    twice = sum(len(got) - len(set(got)) for got in texts.values())  # the same reply sent again
    stored = await _stored_questions(database_url)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    write_report(
        f"kill-polling-{backend}",
        {
            "questions": PEOPLE * len(QUESTIONS),
            "replies_expected": PEOPLE * expected,
            "replies_before_kill": len(sent_before_kill),
            "updates_waiting_at_restart": waiting,
            "lost": len(lost),
            "answered_twice": twice,
            "questions_stored": stored,
        },
    )
    seen = [text[:40] for text in texts[users[0].id]]
    assert lost == {}, f"unanswered after the kill: {lost}; first person saw {seen}\n{bot.log_tail(3000)}"
    assert stored == (PEOPLE + 1) * len(QUESTIONS), "a question was stored twice or not at all"
    # At least once, not exactly once: Telegram has no idempotency key, so a reply it accepted just before
    # the kill, whose "sent" mark (written in batches every 0.1 s) was not committed yet, goes again. Only
    # such replies may repeat; an update handled twice would repeat a reply first sent after the restart.
    assert repeated <= sent_before_kill, f"repeated after the restart: {repeated - sent_before_kill}"
    assert twice <= len(sent_before_kill)
