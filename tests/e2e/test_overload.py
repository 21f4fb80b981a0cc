"""Overload through the real parts: an emergency sent after a queue of questions is answered first, each
waiting person gets one busy note in their language, and every message is answered exactly once.

The queue is filled by a bounded worker: the app runs with one handling slot (TELEGRAM_MAX_CONCURRENT_UPDATES=1),
and the test holds that slot itself while the people write, so everything they send is fetched, stored and
queued at the admission gate (bot/services/admission.py) before anything is handled. The gate's recent
service time is set to one second, so every queued question expects a wait far past the 0.5 s threshold.
Then the slot is let go. Assertions are about order and counts, never about milliseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.locales import t
from bot.services.admission import URGENT, Admission
from bot.storage.models import Conversation, InboundUpdate, Message, Person
from tests.e2e.conftest import Bot
from tests.e2e.harness import make_settings, running_app
from tests.emulator import DEFAULT_TOKEN, Emulator

WAIT = 60.0  # generous: the machine is shared; every wait below is for a count, not a measurement

QUESTIONS = {
    "de": "Wie hoch ist der Mindestlohn?",
    "en": "How many days of holiday do I get?",
    "ru": "Работодатель не платит мне зарплату уже два месяца",
    "ar": "صاحب العمل لم يدفع لي راتبي منذ شهرين",
    "tr": "İşverenim iki aydır maaşımı ödemiyor",
    "fr": "Mon employeur ne me paie pas mon salaire depuis deux mois",
}
EMERGENCY = "Mein Chef hat mich geschlagen und ich blute"
HANDOFF = "I want to talk to a real person please"


@pytest.fixture
async def crowded(telegram_emulator: Emulator, tmp_path: Path, answers: Any) -> AsyncIterator[Bot]:
    settings = make_settings(
        tmp_path,
        telegram_bot_token=DEFAULT_TOKEN,
        telegram_api_url=telegram_emulator.base_url,
        telegram_max_concurrent_updates=1,
        overload_note_after_seconds=0.5,
        throttle_messages=1000,
    )
    async with running_app(settings, answers) as app:
        yield Bot(app, telegram_emulator)


async def _wait_queued(admission: Admission, count: int) -> None:
    for _ in range(int(WAIT / 0.05)):
        if admission.queued >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{admission.queued} updates queued, expected {count}")


async def _bot_rows(fairbot: Bot) -> list[tuple[str, str | None, int]]:
    """(external id, action, id) of every message the bot stored, in the order they were written."""
    async with fairbot.runtime.db.session() as session:
        rows = await session.execute(
            select(Person.external_id, Message.action, Message.id)
            .join(Conversation, Conversation.person_id == Person.id)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Message.direction == "out", Message.author == "bot")
            .order_by(Message.id)
        )
        return [(external_id, action, message_id) for external_id, action, message_id in rows]


async def test_emergency_after_a_queue_of_questions_goes_first_and_nothing_is_lost(crowded: Bot) -> None:
    fairbot, emulator = crowded, crowded.emulator
    admission = fairbot.runtime.admission
    assert admission is not None and admission.slots == 1
    answers = fairbot.runtime.answers
    assert answers is not None
    assert not any(answers.sounds_urgent(q) for q in QUESTIONS.values())  # ordinary by the pre-check
    assert answers.sounds_urgent(EMERGENCY) and answers.sounds_urgent(HANDOFF)
    admission.service.observe(1.0)  # recent service time: one second per update

    held = asyncio.Event()
    release = asyncio.Event()

    async def hold_the_slot() -> None:
        async with admission.queue(URGENT):
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold_the_slot())
    await held.wait()

    # Eighteen people ask ordinary questions; two of them write three messages each.
    people = [emulator.add_user(f"P{i}", lang) for i, lang in enumerate(list(QUESTIONS) * 3)]
    for user in people:
        await user.send(QUESTIONS[user.language_code or "de"])
    chatty = people[:2]
    for user in chatty:
        await user.send("Und wie viele Stunden darf ich am Tag arbeiten?")
        await user.send("Und bekomme ich Urlaubsgeld?")
    # One of them then writes an emergency: their earlier question goes with it, in their order.
    lifted = people[5]
    await lifted.send(EMERGENCY)
    ordinary_count = len(people) + 2 * len(chatty)
    # Then, last of all, a new person in danger and a new person asking for an advisor.
    in_danger = emulator.add_user("Danger", "de")
    asking = emulator.add_user("Asking", "en")
    await in_danger.send(EMERGENCY)
    await asking.send(HANDOFF)
    await _wait_queued(admission, ordinary_count + 3)

    # While everything waits, every person with an ordinary question got one note, in their language.
    await emulator.wait_for(lambda: True if all(len(u.messages) >= 1 for u in people) else None, WAIT, "notes")
    for user in people:
        assert [m.text for m in user.messages] == [t("busy_note", user.language_code or "en")], user.first_name
    assert in_danger.messages == [] and asking.messages == []  # urgent: no note, they go first
    assert admission.busy and admission.notes == len(people)
    async with fairbot.runtime.db.session() as session:
        held_rows = (await session.scalars(select(InboundUpdate.update_id))).all()
    assert len(held_rows) == ordinary_count + 3  # confirmed to Telegram, so kept here until handled

    release.set()
    await holder

    # Nothing lost, nothing twice: every question got exactly one answer (the emergency and hand-over replies
    # come with a consent question), and the notes were not repeated.
    def answered() -> bool | None:
        done = all(len(u.messages) >= 2 for u in people if u not in chatty and u is not lifted)
        done = done and all(len(u.messages) >= 4 for u in chatty) and len(lifted.messages) >= 4
        done = done and len(in_danger.messages) >= 2 and len(asking.messages) >= 2
        return True if done else None

    await emulator.wait_for(answered, WAIT, "every answer")
    await asyncio.sleep(1.0)  # a duplicate would arrive now
    for user in people:
        notes = [m for m in user.messages if m.text == t("busy_note", user.language_code or "en")]
        assert len(notes) == 1, user.first_name
    assert all(len(u.messages) == 4 for u in chatty)
    assert all(len(u.messages) == 2 for u in people if u not in chatty and u is not lifted)

    # The order the replies were written in: the urgent ones first, the lifted person's question before
    # their own emergency, then the ordinary questions.
    rows = [r for r in await _bot_rows(fairbot) if r[1] != "busy"]
    first_replies: dict[str, str | None] = {}
    order: list[str] = []
    for external_id, action, _ in rows:
        if external_id not in first_replies:
            first_replies[external_id] = action
            order.append(external_id)
    urgent_people = {str(lifted.id), str(in_danger.id), str(asking.id)}
    assert set(order[:3]) == urgent_people, (order[:5], first_replies)
    lifted_actions = [action for external_id, action, _ in rows if external_id == str(lifted.id)]
    assert lifted_actions[0] in ("answer", "fallback") and "emergency" in lifted_actions[1:]
    assert first_replies[str(in_danger.id)] == "emergency"
    assert first_replies[str(asking.id)] == "handoff"
    # the holder, the lifted question, its emergency, the new emergency and the hand-over request
    assert admission.admitted[URGENT] == 5

    async with fairbot.runtime.db.session() as session:
        left = (await session.scalars(select(InboundUpdate.update_id))).all()
    for _ in range(40):  # released in batches after handling
        if not left:
            break
        await asyncio.sleep(0.1)
        async with fairbot.runtime.db.session() as session:
            left = (await session.scalars(select(InboundUpdate.update_id))).all()
    assert left == []
