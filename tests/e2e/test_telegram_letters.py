"""A letter photographed with a phone, sent to the bot through the real dispatcher and the loopback Bot API emulator.

The person gets the kind, the date, the deadline and the next step in their language; nothing from
the letter is stored until they tap 📎; then the advisor's packet holds the reading, the text and the
page; 📅 opens the calculator with the letter's date as the first button. Needs Tesseract
(tests/required.py: fails under CI=true without it).
"""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from bot.services.conversations.letters import LETTER_KIND, PLACEHOLDER_IN, PLACEHOLDER_OUT
from bot.storage.models import Conversation, Handoff, Message, OutboxItem, Person
from tests.e2e.conftest import Bot
from tests.emulator import SimulatedUser
from tests.letter_samples import FONTS, render

pytestmark = pytest.mark.tesseract
WAIT = 60.0  # Tesseract takes seconds on a busy machine


async def _conversation(fairbot: Bot, user: SimulatedUser) -> Conversation:
    async with fairbot.runtime.db.session() as session:
        found = await session.scalar(
            select(Conversation).join(Person).where(Person.external_id == str(user.id)).order_by(Conversation.id.desc())
        )
    assert found is not None
    return found


async def _messages(fairbot: Bot, conversation_id: int) -> list[Message]:
    async with fairbot.runtime.db.session() as session:
        rows = await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
        return list(rows)


async def test_a_dismissal_photo_in_german_kept_for_the_advisor_only_after_the_tap(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Ahmad", "de")
    await user.send_photo(data=render("dismissal", font=FONTS[1], look="phone", seed=5, fmt="JPEG"))
    reading = await emu.wait_for_reply(user, WAIT)

    assert reading.parse_mode == "HTML" and "Kündigung" in reading.text and "03.11.2026" in reading.text
    assert "Arbeitsgericht" in reading.text and "Was jetzt zu tun ist" in reading.text
    assert "📅 Wann habe ich ihn bekommen?" in reading.button_texts
    assert "📎 Für die Beratung aufheben" in reading.button_texts
    assert "💬 Mit Beratung sprechen" in reading.button_texts and len(reading.button_texts) == 4  # + the entry

    conversation = await _conversation(fairbot, user)
    stored = await _messages(fairbot, conversation.id)
    assert [m.text for m in stored] == [PLACEHOLDER_IN, PLACEHOLDER_OUT]  # nothing of the letter on record
    assert all("Sonnenschein" not in (m.text or "") and not m.attachment for m in stored)

    await user.press("📅 Wann habe ich ihn bekommen?")
    asked = await emu.wait_for_reply(user, WAIT)
    assert "Kündigungsschreiben" in asked.text and asked.button_texts[0].endswith("(Datum des Briefs)")
    assert "03.11.2026" in asked.button_texts[0]
    await user.press(data=asked.callback_data[0])  # received on the letter's date
    await emu.wait_for_reply(user, WAIT)  # since when employed; the end date came from the letter
    await user.press("Überspringen – weiß ich nicht")
    result = await emu.wait_for_reply(user, WAIT)
    assert "§ 4 KSchG" in result.text and "30.11.2026" in result.text

    await user.press(data=reading.callback_data[reading.button_texts.index("📎 Für die Beratung aufheben")])
    kept = await emu.wait_for_reply(user, WAIT)
    assert "gespeichert" in kept.text
    [letter] = [m for m in await _messages(fairbot, conversation.id) if m.kind == LETTER_KIND and m.attachment]
    assert "Sonnenschein" in letter.text and letter.attachment is not None
    assert letter.attachment["letter"]["kind"] == "dismissal"
    assert base64.b64decode(letter.attachment["image"])[:3] == b"\xff\xd8\xff"

    await user.press("💬 Mit Beratung sprechen")
    consent = await emu.wait_for_reply(user, WAIT)
    await user.press(data=consent.callback_data[0])
    await emu.wait_for_reply(user, WAIT)
    async with fairbot.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == conversation.id))
    assert handoff is not None
    [packet_letter] = handoff.packet["letters"]
    assert packet_letter["kind"] == "dismissal" and packet_letter["letter_date"] == "2026-11-03"
    assert "hiermit kündigen wir" in packet_letter["text"].lower()

    await fairbot.runtime.conversations.privacy_service.erase("telegram", str(user.id))
    async with fairbot.runtime.db.session() as session:
        assert await session.scalar(select(Message).where(Message.id == letter.id)) is None
        left = await session.scalars(select(OutboxItem).where(OutboxItem.chat_id == str(user.id)))
        assert not [item for item in left if "03.11.2026" in str(item.payload)]  # only the erasure notice stays


async def test_a_jobcenter_pdf_in_ukrainian_and_a_file_that_is_no_letter(fairbot: Bot) -> None:
    from tests.letter_samples import render_pdf

    emu = fairbot.emulator
    user = emu.add_user("Olena", "uk")
    await user.send_document("bescheid.pdf", "application/pdf", render_pdf("jobcenter"))
    reading = await emu.wait_for_reply(user, WAIT)
    assert "Jobcenter" in reading.text and "05.11.2026" in reading.text and "Що робити далі" in reading.text
    await user.press("📅 Коли я його отримав?")
    asked = await emu.wait_for_reply(user, WAIT)
    assert "05.11.2026" in asked.button_texts[0]
    await user.press(data=asked.callback_data[0])
    result = await emu.wait_for_reply(user, WAIT)
    assert "§ 84 SGG" in result.text and "07.12.2026" in result.text

    await user.send_document("brief.png", "image/png", b"\x89PNG\r\n\x1a\n but broken")
    refused = await emu.wait_for_reply(user, WAIT)
    assert "JPEG, PNG, WebP" in refused.text
