"""The guided calculators through the real dispatcher and the loopback Bot API emulator, in German, Arabic and Russian.

Dates are relative to today (Berlin), as a person answers them; what is checked is
the way through the dialog, the result's parts (deadline, first-estimate warning,
legal source, advisor button) and what is stored for the advisor.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.services.calculators.working_days import today_in_berlin
from bot.storage.models import Conversation, Handoff, Message, Person
from tests.e2e.conftest import Bot
from tests.emulator import SimulatedUser

WAIT = 20.0


async def _conversation(fairbot: Bot, user: SimulatedUser) -> Conversation:
    async with fairbot.runtime.db.session() as session:
        found = await session.scalar(
            select(Conversation).join(Person).where(Person.external_id == str(user.id)).order_by(Conversation.id.desc())
        )
    assert found is not None
    return found


async def _calculations(fairbot: Bot, conversation_id: int) -> list[dict]:
    async with fairbot.runtime.db.session() as session:
        rows = await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id, Message.kind == "calculation")
        )
        return [m.attachment["calculation"] for m in rows if m.attachment]


def _arabic_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


async def test_german_dismissal_deadlines_from_the_command(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Mehmet", "de")
    await user.send_command("deadline")
    menu = await emu.wait_for_reply(user, WAIT)
    assert "Was möchten Sie berechnen?" in menu.text and "✖️ Abbrechen" in menu.button_texts
    await user.press("📅 Kündigung: meine Fristen")
    asked = await emu.wait_for_reply(user, WAIT)
    assert "Kündigungsschreiben" in asked.text and {"Heute", "Gestern"} <= set(asked.button_texts)

    received = today_in_berlin() - dt.timedelta(days=3)
    await user.send(f"am {received.day}.{received.month}.")
    asked = await emu.wait_for_reply(user, WAIT)
    assert "Seit wann arbeiten Sie dort?" in asked.text
    await user.send("seit 1.3.2019")
    asked = await emu.wait_for_reply(user, WAIT)
    assert "Enddatum" in asked.text
    await user.press("Kein Datum im Brief")
    result = await emu.wait_for_reply(user, WAIT)

    assert result.parse_mode == "HTML"
    assert "Ihre Fristen nach der Kündigung" in result.text and "erste Einschätzung" in result.text
    assert "§ 4 KSchG" in result.text and "Agentur für Arbeit" in result.text
    assert "💬 Mit Beratung sprechen" in result.button_texts
    conversation = await _conversation(fairbot, user)
    assert conversation.dialog is None
    [stored] = await _calculations(fairbot, conversation.id)
    assert stored["received"] == received.isoformat() and stored["notice_months"] == 2  # 7 years: 2 months
    assert dt.date.fromisoformat(stored["claim_deadline"]) >= received + dt.timedelta(days=21)


async def test_arabic_from_an_answer_to_the_advisor_packet(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Samir", "ar")
    await user.send("المدير فصلني، فيني اعترض؟")
    answer = await emu.wait_for_reply(user, WAIT)
    assert "📅 الفصل من العمل: مواعيدي" in answer.button_texts
    await user.press("📅 الفصل من العمل: مواعيدي")
    asked = await emu.wait_for_reply(user, WAIT)
    assert "متى استلمت رسالة الفصل" in asked.text

    received = today_in_berlin() - dt.timedelta(days=1)
    await user.send(_arabic_digits(f"{received.day}/{received.month}/{received.year}"))
    await emu.wait_for_reply(user, WAIT)
    await user.press("تخطي – لا أعرف")
    await emu.wait_for_reply(user, WAIT)
    await user.press("لا يوجد تاريخ في الرسالة")
    result = await emu.wait_for_reply(user, WAIT)
    assert "تقدير أولي" in result.text and "§ 4 KSchG" in result.text

    await user.press("💬 التحدث مع مستشار")
    consent = await emu.wait_for_reply(user, WAIT)
    await user.press(data=consent.callback_data[0])
    await emu.wait_for_reply(user, WAIT)
    conversation = await _conversation(fairbot, user)
    async with fairbot.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == conversation.id))
    assert handoff is not None and handoff.status == "queued"
    [calculation] = handoff.packet["calculations"]
    assert calculation["calculator"] == "dismissal" and calculation["received"] == received.isoformat()
    assert "Ihre Fristen nach der Kündigung" in calculation["summary"]["de"]


async def test_russian_minimum_wage_with_a_wrong_answer_and_cancel(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Ольга", "ru")
    await user.send_command("deadline")
    await emu.wait_for_reply(user, WAIT)
    await user.press("💶 Минимальная зарплата: моя оплата")
    asked = await emu.wait_for_reply(user, WAIT)
    assert "Какой месяц" in asked.text
    await user.press("Прошлый месяц")
    asked = await emu.wait_for_reply(user, WAIT)
    assert "Сколько часов" in asked.text
    await user.send("много")
    again = await emu.wait_for_reply(user, WAIT)
    assert "напишите число" in again.text and "Сколько часов" in again.text
    await user.send("160")
    await emu.wait_for_reply(user, WAIT)
    await user.send("1500 €")
    result = await emu.wait_for_reply(user, WAIT)
    assert "Не хватает" in result.text and "первая оценка" in result.text and "§ 1 MiLoG" in result.text

    await user.send_command("deadline")
    await emu.wait_for_reply(user, WAIT)
    await user.press("🤒 Оплата при болезни")
    await emu.wait_for_reply(user, WAIT)
    await user.press("✖️ Отменить")
    cancelled = await emu.wait_for_reply(user, WAIT)
    assert "Расчёт отменён" in cancelled.text
    assert (await _conversation(fairbot, user)).dialog is None
    assert len(await _calculations(fairbot, (await _conversation(fairbot, user)).id)) == 1
