"""Deadline reminders through the real dispatcher and the loopback Bot API emulator, on SQLite and PostgreSQL.

A person computes the dismissal deadline, agrees with one tap, and the reminders wait in the
persistent outbox. The bot stops; the first reminder's time comes while it is down; two replicas
start on the same database and the reminder reaches the person exactly once, in their language.
Stopping (one tap), /delete and the retention purge (`fairbot purge`) each remove the reminders.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from bot.cli import main
from bot.services.calculators.working_days import today_in_berlin
from bot.services.data_export import export_person
from bot.storage.db import Database
from bot.storage.models import OutboxItem, Person, Reminder, utcnow
from tests.console_user import log_in
from tests.e2e.harness import create_pg_database, drop_pg_database, make_settings, running_app
from tests.emulator import DEFAULT_TOKEN, Emulator, SimulatedUser

WAIT = 20.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fairbot.db'}"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@contextlib.asynccontextmanager
async def bot_process(emulator: Emulator, tmp_path: Path, url: str, answers: Any) -> AsyncIterator[Any]:
    """One fairbot process (its own data dir, the shared database), polling the emulator."""
    data = tmp_path / f"replica-{id(object())}"
    settings = make_settings(
        data, database_url=url, telegram_bot_token=DEFAULT_TOKEN, telegram_api_url=emulator.base_url
    )
    async with running_app(settings, answers) as app:
        yield app


async def _dismissal_result(emu: Emulator, user: SimulatedUser, received: dt.date) -> None:
    await user.send_command("deadline")
    await emu.wait_for_reply(user, WAIT)
    await user.press(data="calc:k-dismissal")
    await emu.wait_for_reply(user, WAIT)
    await user.send(f"{received.day}.{received.month}.{received.year}")
    await emu.wait_for_reply(user, WAIT)
    await user.press(data="calc:skip")  # since when employed: skipped
    await emu.wait_for_reply(user, WAIT)
    await user.press(data="calc:skip")  # no end date in the letter


async def _rows(db: Database, external_id: str) -> tuple[list[Reminder], list[OutboxItem]]:
    async with db.session() as session:
        person_id = await session.scalar(select(Person.id).where(Person.external_id == external_id))
        reminders = list((await session.scalars(select(Reminder).where(Reminder.person_id == person_id))).all())
        outbox = list(
            (
                await session.scalars(
                    select(OutboxItem).where(OutboxItem.reminder_id.is_not(None)).order_by(OutboxItem.next_attempt_at)
                )
            ).all()
        )
    return reminders, [row for row in outbox if row.chat_id == external_id]


def _reminders_seen(user: SimulatedUser, words: str) -> list[str]:
    return [text for text in user.texts if words in text]


async def test_a_reminder_due_during_a_restart_is_sent_once_by_two_replicas(
    telegram_emulator: Emulator, tmp_path: Path, database_url: str, answers: Any
) -> None:
    emu = telegram_emulator
    user = emu.add_user("Mehmet", "de")
    received = today_in_berlin() - dt.timedelta(days=2)
    async with bot_process(emu, tmp_path, database_url, answers) as app:
        await _dismissal_result(emu, user, received)
        result = await emu.wait_for_reply(user, WAIT)
        assert "Ihre Fristen nach der Kündigung" in result.text
        assert result.button_texts[0] == "🔔 Vor der Frist erinnern"
        await user.press("🔔 Vor der Frist erinnern")
        confirmed = await emu.wait_for_reply(user, WAIT)
        confirmation_id = confirmed.message_id
        assert "Erledigt" in confirmed.text and "nur dieser Chat, das Datum und Ihre Sprache" in confirmed.text
        assert "🔕 Erinnerungen beenden" in confirmed.button_texts
        db: Database = app.state.runtime.db
        [reminder], rows = await _rows(db, str(user.id))
        assert reminder.lang == "de" and reminder.kind == "dismissal_claim"
        assert [row.status for row in rows] == ["pending"] * 3 and all(r.lease_until is None for r in rows)
        deadline = reminder.deadline
        assert deadline >= received + dt.timedelta(days=21)
        assert [r.next_attempt_at.date() for r in rows] == [
            deadline - dt.timedelta(days=7),
            deadline - dt.timedelta(days=2),
            deadline,
        ]
        # A second tap on the same result plans nothing more.
        await user.press("🔔 Vor der Frist erinnern", message_id=result.message_id)
        answer = await emu.wait_for_callback_answer(user, WAIT)
        assert "schon eingerichtet" in (answer.text or "")
        assert len((await _rows(db, str(user.id)))[1]) == 3
    seen_before = len(user.texts)

    # While no bot runs, the week-ahead reminder falls due.
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == rows[0].id)
                .values(next_attempt_at=utcnow() - dt.timedelta(minutes=5))
            )
    finally:
        await database.dispose()

    # Replicas share PostgreSQL (one of them polls, by the lock); SQLite is the one-process deployment.
    replicas = 1 if database_url.startswith("sqlite") else 2
    async with contextlib.AsyncExitStack() as stack:
        started = [await stack.enter_async_context(bot_process(emu, tmp_path, database_url, answers))]
        for _ in range(replicas - 1):
            started.append(await stack.enter_async_context(bot_process(emu, tmp_path, database_url, answers)))
        first = started[0]
        await emu.wait_for(lambda: len(user.texts) > seen_before or None, WAIT, "the reminder")
        await asyncio.sleep(5.0)  # two more sweeps on each replica: nothing is sent twice
        reminders = _reminders_seen(user, "🔔 Erinnerung:")
        assert len(reminders) == 1, reminders
        assert "Noch Tage: 7" in reminders[0] and deadline.strftime("%d.%m.%Y") in reminders[0]
        assert "🔕 Erinnerungen beenden" in user.messages[-1].button_texts
        _, rows = await _rows(first.state.runtime.db, str(user.id))
        assert [row.status for row in rows] == ["sent", "pending", "pending"]

        # One tap under the reminder stops the rest.
        await user.press("🔕 Erinnerungen beenden")
        stopped = await emu.wait_for_reply(user, WAIT)
        assert "beendet und gelöscht" in stopped.text
        assert await _rows(first.state.runtime.db, str(user.id)) == ([], [])
        await user.press("🔕 Erinnerungen beenden", message_id=confirmation_id)
        answer = await emu.wait_for_callback_answer(user, WAIT)
        assert "schon beendet" in (answer.text or "")


async def test_erasure_and_the_retention_purge_remove_reminders(
    telegram_emulator: Emulator, tmp_path: Path, database_url: str, answers: Any
) -> None:
    emu = telegram_emulator
    erased, kept = emu.add_user("Olena", "uk"), emu.add_user("Samir", "ar")
    received = today_in_berlin() - dt.timedelta(days=1)
    async with bot_process(emu, tmp_path, database_url, answers) as app:
        db: Database = app.state.runtime.db
        for user, button in ((erased, "🔔 Нагадати про строк"), (kept, "🔔 ذكّرني قبل انتهاء المهلة")):
            await _dismissal_result(emu, user, received)
            await emu.wait_for_reply(user, WAIT)
            await user.press(button)
            confirmed = await emu.wait_for_reply(user, WAIT)
            assert "9:00" in confirmed.text
        assert "Готово" in erased.texts[-1] and "تم" in kept.texts[-1]
        assert len((await _rows(db, str(erased.id)))[1]) == 3

        await erased.send_command("delete")
        await emu.wait_for_reply(erased, WAIT)
        await erased.press(data="del:y")
        await emu.wait_for_reply(erased, WAIT)
        assert await _rows(db, str(erased.id)) == ([], [])
        async with db.session() as session:
            leftover = await session.scalars(select(OutboxItem).where(OutboxItem.reminder_id.is_not(None)))
            assert {row.chat_id for row in leftover} == {str(kept.id)}
        [reminder], _ = await _rows(db, str(kept.id))
        deadline = reminder.deadline
        copy = await export_person(db, channel="telegram", external_id=str(kept.id))
        assert copy is not None
        [listed] = [r for c in copy["conversations"] for r in c["deadline_reminders"]]
        assert listed["deadline"] == deadline.isoformat() and listed["language"] == "ar"

    # The day after the deadline the purge removes what is left (the conversation itself is young).
    as_of = (deadline + dt.timedelta(days=1)).isoformat()
    env = {"DATABASE_URL": database_url, "FAIRBOT_DATA_DIR": str(tmp_path / "cli")}
    if not database_url.startswith("sqlite"):
        env["FAIRBOT_SECRET_KEY"] = "test-secret-key-not-for-production"
    outcome = await asyncio.to_thread(CliRunner().invoke, main, ["purge", "--as-of", as_of], env=env)
    assert outcome.exit_code == 0, outcome.output
    assert "0 conversations" in outcome.output and "1 reminders" in outcome.output
    database = Database(database_url)
    try:
        assert await _rows(database, str(kept.id)) == ([], [])
        async with database.session() as session:
            assert await session.scalar(select(Person.id).where(Person.external_id == str(kept.id))) is not None
    finally:
        await database.dispose()


async def test_a_bescheid_deadline_gets_its_own_reminders(
    telegram_emulator: Emulator, tmp_path: Path, database_url: str, answers: Any
) -> None:
    emu = telegram_emulator
    user = emu.add_user("Amira", "de")
    async with bot_process(emu, tmp_path, database_url, answers) as app:
        await user.send_command("deadline")
        await emu.wait_for_reply(user, WAIT)
        await user.press(data="calc:k-objection")
        await emu.wait_for_reply(user, WAIT)
        await user.press(data="calc:jobcenter")
        await emu.wait_for_reply(user, WAIT)
        await user.press(data="calc:today")
        result = await emu.wait_for_reply(user, WAIT)
        assert "🔔 Vor der Frist erinnern" in result.button_texts
        await user.press("🔔 Vor der Frist erinnern")
        confirmed = await emu.wait_for_reply(user, WAIT)
        assert "letzten Tag für den Widerspruch bei der Stelle, die den Brief geschickt hat" in confirmed.text
        assert "Arbeitsgericht" not in confirmed.text
        [reminder], rows = await _rows(app.state.runtime.db, str(user.id))
        assert reminder.kind == "objection_widerspruch" and reminder.deadline > today_in_berlin()
        assert len(rows) == 3 and "Letzter Tag für den Widerspruch" in rows[0].payload["text"]

        # the advisor the person hands over to sees the reminders and when they go out
        await user.send_command("advisor")
        await emu.wait_for_reply(user, WAIT)
        await user.press(data=next(d for d in user.messages[-1].callback_data if d.endswith(":y")))
        await emu.wait_for_reply(user, WAIT)
        bea = await log_in(app, "bea")
        page = (await bea.get(f"/console/conversations/{reminder.conversation_id}")).text
        listed = re.search(r'data-testid="reminder" data-kind="objection_widerspruch">(.*?)</li>', page, re.S)
        assert listed is not None and f"Frist <strong>{reminder.deadline:%d.%m.%Y}</strong>" in listed.group(1)
        assert listed.group(1).count('data-status="pending"') == 3
