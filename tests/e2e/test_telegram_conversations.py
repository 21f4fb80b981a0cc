"""Whole conversations through the real dispatcher and the loopback Bot API emulator.

Each test plays a person in the emulator and, where a human is needed, an
advisor through the same ConversationService methods the console calls.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.models import Conversation, Feedback, Handoff, Message, OutboxItem, Person
from tests.e2e.conftest import Bot
from tests.emulator import SimulatedUser

WAIT = 20.0  # generous: CI machines are shared


async def _count(fairbot: Bot, model: Any, *where: Any) -> int:
    async with fairbot.runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _person(fairbot: Bot, user: SimulatedUser) -> Person | None:
    async with fairbot.runtime.db.session() as session:
        return await session.scalar(select(Person).where(Person.external_id == str(user.id)))


async def _open_conversation(fairbot: Bot, user: SimulatedUser) -> Conversation:
    async with fairbot.runtime.db.session() as session:
        conversation = await session.scalar(
            select(Conversation).join(Person).where(Person.external_id == str(user.id)).order_by(Conversation.id.desc())
        )
    assert conversation is not None
    return conversation


async def _toast(fairbot: Bot, user: SimulatedUser, index: int) -> Any:
    """The callback answer number `index` of this user (0-based), waiting for it if it is not there yet."""
    return await fairbot.emulator.wait_for(
        lambda: user.callback_answers[index] if len(user.callback_answers) > index else None, WAIT, "a toast"
    )


async def _quiet(fairbot: Bot, user: SimulatedUser, seconds: float = 1.0) -> None:
    """Assert the bot sends nothing more to this user for a while."""
    before = len(user.messages)
    await asyncio.sleep(seconds)
    assert len(user.messages) == before, [m.text for m in user.messages[before:]]


LANGUAGE_CASES = [
    ("de", "Deutsch", "Mein Chef hat mir seit zwei Monaten keinen Lohn gezahlt", "Hilfreich"),
    ("ru", "Русский", "Работодатель не платит мне зарплату уже два месяца", "Полезно"),
    ("ar", "العربية", "صاحب العمل لم يدفع لي راتبي منذ شهرين", "مفيد"),
    ("tr", "Türkçe", "İşverenim iki aydır maaşımı ödemiyor", "Yararlı"),
    ("fr", "Français", "Mon employeur ne me paie pas mon salaire depuis deux mois", "Utile"),
]


@pytest.mark.parametrize(("lang", "language", "question", "helpful"), LANGUAGE_CASES)
async def test_start_choose_language_ask_and_rate(
    fairbot: Bot, lang: str, language: str, question: str, helpful: str
) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Person", language_code=None)
    await user.send_command("start")
    welcome = await emu.wait_for_reply(user, WAIT)
    assert language in welcome.button_texts and len(welcome.button_texts) == 8

    await user.press(language)
    intro = await emu.wait_for_reply(user, WAIT)
    assert "/delete" in intro.text and "Faire Integration" in intro.text
    assert (await _toast(fairbot, user, 0)).text == language

    await user.send(question)
    answer = await emu.wait_for_reply(user, WAIT)
    assert answer.parse_mode == "HTML"
    assert any(helpful in b for b in answer.button_texts)
    assert len(answer.button_texts) == 3
    stored = await _open_conversation(fairbot, user)
    async with fairbot.runtime.db.session() as session:
        out = (
            await session.scalars(
                select(Message).where(Message.conversation_id == stored.id, Message.action == "answer")
            )
        ).all()
    assert out and out[-1].entry_id and out[-1].score is not None and out[-1].lang == lang

    await user.press(data=answer.callback_data[0])
    toast = await _toast(fairbot, user, 1)
    assert toast.text
    assert await _count(fairbot, Feedback, Feedback.helpful.is_(True)) == 1


async def test_fallback_handover_advisor_relay_close_and_rating(fairbot: Bot) -> None:
    emu, conversations = fairbot.emulator, fairbot.runtime.conversations
    user = emu.add_user("Olena", "uk")
    await user.send("Як приготувати борщ?")
    fallback = await emu.wait_for_reply(user, WAIT)
    assert any("консультант" in b.lower() for b in fallback.button_texts)
    await user.press(data="adv:fallback")
    consent = await emu.wait_for_reply(user, WAIT)
    assert "Faire Integration" in consent.text
    await user.press(data=consent.callback_data[0])  # yes, share
    queued = await emu.wait_for_reply(user, WAIT)
    assert "хвилин" in queued.text

    conversation = await _open_conversation(fairbot, user)
    assert conversation.state == "waiting" and conversation.language == "uk"
    queue = await conversations.queue("ni")
    assert [i.conversation_id for i in queue.waiting] == [conversation.id]
    assert queue.waiting[0].reason == "fallback"

    # While waiting nobody answers automatically; the message is kept for the advisor.
    await user.send("Алло?")
    await _quiet(fairbot, user)

    await conversations.claim(conversation.id, advisor_id=11)
    joined = await emu.wait_for_reply(user, WAIT)
    assert "Консультант" in joined.text
    sent = await conversations.advisor_reply(
        conversation.id, 11, "Добрий день! <Так>, можна & треба питати.", wait_delivery=WAIT
    )
    assert sent.delivery_status == "sent"
    relayed = await emu.wait_for_reply(user, WAIT)
    assert "<Так>, можна & треба питати." in relayed.text  # escaped on the way, shown literally

    await user.send("Дякую! А як щодо зарплати?")
    await _quiet(fairbot, user)
    transcript = await conversations.transcript(conversation.id)
    assert transcript[-1].author == "user" and transcript[-1].text == "Дякую! А як щодо зарплати?"
    assert sum(1 for m in transcript if m.action == "relayed") == 2

    await conversations.close(conversation.id, 11, outcome="answered")
    closing = await emu.wait_for_reply(user, WAIT)
    assert closing.button_texts == ["1", "2", "3", "4", "5"]
    await user.press("5")
    await _toast(fairbot, user, 2)
    for _ in range(50):
        if (await conversations.get_conversation(conversation.id)).rating == 5:
            break
        await asyncio.sleep(0.1)
    assert (await conversations.get_conversation(conversation.id)).rating == 5

    await user.send("Роботодавець не платить мені зарплату")
    answer = await emu.wait_for_reply(user, WAIT)
    assert len(answer.button_texts) == 3
    assert (await _open_conversation(fairbot, user)).id != conversation.id


async def test_emergency_numbers_first_then_urgent_handover(fairbot: Bot) -> None:
    emu, conversations = fairbot.emulator, fairbot.runtime.conversations
    user = emu.add_user("Amir", "fa")
    await user.send("کارفرما مرا کتک زد و در اتاق زندانی کرده است")
    first, second = await emu.wait_for_messages(user, 2, WAIT)
    assert "110" in first.text and "112" in first.text
    assert second.button_texts and len(second.callback_data) == 2
    await user.press(data=second.callback_data[0])
    queued = await emu.wait_for_reply(user, WAIT)
    assert queued.text
    queue = await conversations.queue("ni")
    assert queue.waiting[0].urgency == 2 and queue.waiting[0].reason == "emergency"
    packet = await conversations.handoff_packet(queue.waiting[0].conversation_id)
    assert packet is not None and packet["reason"] == "emergency" and packet["transcript"]


async def test_advisor_command_and_declined_consent(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Marie", "fr")
    await user.send_command("advisor")
    consent = await emu.wait_for_reply(user, WAIT)
    await user.press(data=consent.callback_data[1])  # no
    declined = await emu.wait_for_reply(user, WAIT)
    assert "rien" in declined.text
    assert (await _open_conversation(fairbot, user)).state == "bot"
    assert await _count(fairbot, Handoff, Handoff.status == "declined") == 1


async def test_delete_erases_everything_after_confirmation(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Ivan", "ru")
    await user.send("Сколько составляет минимальная зарплата?")
    await emu.wait_for_reply(user, WAIT)
    person = await _person(fairbot, user)
    assert person is not None

    await user.send_command("delete")
    confirm = await emu.wait_for_reply(user, WAIT)
    await user.press(data="del:n")
    assert (await _toast(fairbot, user, 0)).text
    assert await _person(fairbot, user) is not None

    await user.press(data="del:y", message_id=confirm.message_id)
    done = await emu.wait_for_reply(user, WAIT)
    assert "удалены" in done.text
    assert await _person(fairbot, user) is None
    assert await _count(fairbot, Conversation, Conversation.person_id == person.id) == 0
    assert await _count(fairbot, Message) == 0
    assert await _count(fairbot, Feedback) == 0
    for _ in range(50):  # the confirmation's outbox row carries no person and goes once sent+purged
        if await _count(fairbot, OutboxItem, OutboxItem.status == "pending") == 0:
            break
        await asyncio.sleep(0.1)
    assert await _count(fairbot, OutboxItem, OutboxItem.person_id == person.id) == 0


async def test_topics_browse_and_answer(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Hans", "de")
    await user.send_command("topics")
    menu = await emu.wait_for_reply(user, WAIT)
    assert len(menu.button_texts) >= 5
    await user.press(data="topic:minimum-wage")
    answer = await emu.wait_for_reply(user, WAIT)
    assert "Mindestlohn" in answer.text
    assert len(answer.button_texts) == 4 and "💶 Mindestlohn: mein Lohn" in answer.button_texts  # + its calculator


async def test_privacy_and_language_commands(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Can", "tr")
    await user.send_command("privacy")
    notice = await emu.wait_for_reply(user, WAIT)
    assert "/delete" in notice.text and "Veri koruma" in notice.text
    await user.send_command("language")
    menu = await emu.wait_for_reply(user, WAIT)
    await user.press(data="lang:de", message_id=menu.message_id)
    await emu.wait_for_reply(user, WAIT)
    await user.send_command("privacy")
    assert "Datenschutz" in (await emu.wait_for_reply(user, WAIT)).text
