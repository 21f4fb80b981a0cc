"""Safe contact through the real dispatcher and the loopback Bot API emulator, then the console's conversation page.

A Russian-speaking person hands over: the queue message states the expected wait and the office
hours from the service profile with Russian weekdays, and offers a written answer or a call-back.
The person picks a call-back window by buttons, never giving a name; the advisor reads the choice
in the handover packet. A Turkish-speaking person keeps the written answer.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.service_profile import ServiceProfile, ServiceProfileStore
from bot.storage.models import Conversation, Handoff, Person
from tests.console_user import log_in
from tests.e2e.conftest import Bot
from tests.emulator import SimulatedUser

WAIT = 20.0


@pytest.fixture
def profile(fairbot: Bot) -> ServiceProfileStore:
    """The service profile of this test's deployment (its own file in the test's data directory): the hours
    people read and the queue's clock, re-read at each handover."""
    store = ServiceProfileStore(fairbot.runtime.settings)
    store.save(ServiceProfile(opening_hours="Mo-Do 09:00-16:00, Fr 09:00-13:00"))
    return store


async def _hand_over(fairbot: Bot, user: SimulatedUser) -> Any:
    emu = fairbot.emulator
    await user.send_command("advisor")
    await emu.wait_for_reply(user, WAIT)
    await user.press(data=next(d for d in emu_last(user).callback_data if d.endswith(":y")))
    return await emu.wait_for_reply(user, WAIT)


def emu_last(user: SimulatedUser) -> Any:
    last = user.last_message
    assert last is not None
    return last


async def _packet(fairbot: Bot, user: SimulatedUser) -> tuple[int, dict[str, Any]]:
    async with fairbot.runtime.db.session() as session:
        row = (
            await session.execute(
                select(Conversation.id, Handoff.packet)
                .join(Person, Person.id == Conversation.person_id)
                .join(Handoff, Handoff.conversation_id == Conversation.id)
                .where(Person.external_id == str(user.id))
                .order_by(Handoff.id.desc())
            )
        ).first()
    assert row is not None
    return row[0], row[1]


async def test_a_call_back_window_by_buttons_reaches_the_advisors_packet(
    fairbot: Bot, profile: ServiceProfileStore
) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Ольга", "ru")
    queued = await _hand_over(fairbot, user)
    # the expected wait while the centre is open, else when somebody answers (the profile's hours are the clock)
    assert "Ожидаемое время ожидания: около" in queued.text or "Сейчас консультанты недоступны" in queued.text
    assert "понедельник–четверг 09:00–16:00, пятница 09:00–13:00" in queued.text
    assert "никогда не нужно называть своё имя или номер телефона" in queued.text
    assert queued.button_texts == ["✍️ Ответить письменно здесь", "📞 Перезвоните мне"]
    _, packet = await _packet(fairbot, user)
    assert packet["contact"] == {"way": "written"}

    await user.press("📞 Перезвоните мне")
    windows = await emu.wait_for_reply(user, WAIT)
    assert "Когда консультант может вам позвонить?" in windows.text and "пятница 09:00–13:00" in windows.text
    times = [b for b in windows.button_texts if re.search(r"\d\d:\d\d–\d\d:\d\d", b)]
    assert len(times) >= 2 and windows.button_texts[-1] == "✍️ Ответить письменно здесь"
    await user.press(times[1])
    done = await emu.wait_for_reply(user, WAIT)
    assert times[1] in done.text and "только номер, имя не нужно" in done.text
    conversation_id, packet = await _packet(fairbot, user)
    assert packet["contact"]["way"] == "callback"
    window = packet["contact"]["window"]
    assert window["from"] < window["to"] and window["label_de"][-11:] == times[1][-11:]

    bea = await log_in(fairbot.app, "bea")
    queue = (await bea.get("/console/inbox/queue")).text
    assert f'data-testid="contact-{conversation_id}">📞 Rückruf {window["label_de"]}' in queue
    page = (await bea.get(f"/console/conversations/{conversation_id}")).text
    shown = re.search(r'data-testid="packet-contact" data-way="callback">(.*?)</dd>', page, re.S)
    assert shown is not None and f"Rückruf gewünscht: {window['label_de']}" in shown.group(1)


async def test_the_written_answer_is_the_default_and_can_be_confirmed(
    fairbot: Bot, profile: ServiceProfileStore
) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Ayşe", "tr")
    queued = await _hand_over(fairbot, user)
    assert "Pazartesi–Perşembe 09:00–16:00, Cuma 09:00–13:00" in queued.text
    await user.press("✍️ Buradan yazılı cevap")
    done = await emu.wait_for_reply(user, WAIT)
    assert "yazılı olarak cevap" in done.text and "İsim veya telefon numarası vermenize gerek yok" in done.text
    conversation_id, packet = await _packet(fairbot, user)
    assert packet["contact"]["way"] == "written" and "chosen_at" in packet["contact"]
    bea = await log_in(fairbot.app, "bea")
    page = (await bea.get(f"/console/conversations/{conversation_id}")).text
    assert 'data-testid="packet-contact" data-way="written"' in page
