"""A flaky Telegram, redelivered updates, media, bad input and both delivery modes: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.locales import t
from bot.storage.models import Message, OutboxItem, ProcessedUpdate
from tests.e2e.conftest import Bot
from tests.e2e.harness import (
    clean,
    create_pg_database,
    drop_pg_database,
    free_port,
    make_settings,
    running_app,
    served_app,
)
from tests.e2e.test_telegram_conversations import WAIT, _open_conversation, _quiet, _toast
from tests.emulator import DEFAULT_TOKEN, Emulator
from tests.required import REDIS_URL


async def _outbox_settled(fairbot: Bot) -> dict[str, int]:
    for _ in range(200):
        async with fairbot.runtime.db.session() as session:
            rows = (await session.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status))).all()
        counts = {status: int(n) for status, n in rows}
        if not counts.get("pending"):
            return counts
        await asyncio.sleep(0.1)
    return counts


async def test_faults_429_500_and_dropped_connections_lose_nothing(fairbot: Bot) -> None:
    emu = fairbot.emulator
    users = [emu.add_user(f"U{i}", "de") for i in range(6)]
    emu.fail_with_retry_after(2, "sendMessage", retry_after=1)
    emu.fail_with_server_error(2, "sendMessage", status=500)
    emu.fail_with_server_error(1, "sendMessage", status=502)
    emu.drop_connection(2, "sendMessage")
    for user in users:
        await user.send("Wie hoch ist der Mindestlohn?")
    for user in users:
        await emu.wait_for_reply(user, WAIT)
    for user in users:
        await _quiet(fairbot, user, 0.2)
        assert len(user.messages) == 1  # exactly once, despite retries
    counts = await _outbox_settled(fairbot)
    assert counts == {"sent": 6}
    failures = [c for c in emu.calls_of("sendMessage") if not c.ok]
    assert {c.status for c in failures} >= {429, 500, 502, 0}
    async with fairbot.runtime.db.session() as session:
        statuses = (await session.scalars(select(Message.delivery_status).where(Message.direction == "out"))).all()
    assert set(statuses) == {"sent"}


async def test_retry_after_is_respected(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Slow", "de")
    emu.fail_with_retry_after(1, "sendMessage", retry_after=2)
    await user.send("hallo")
    await emu.wait_for_reply(user, WAIT)
    attempts = emu.calls_of("sendMessage")
    assert attempts[0].status == 429 and attempts[-1].ok
    assert attempts[-1].at - attempts[0].at >= 1.9


async def test_redelivered_update_is_not_answered_twice(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Twice", "de")
    await user.send("Wie hoch ist der Mindestlohn?")
    await emu.wait_for_reply(user, WAIT)
    update_id = max(emu.updates.history)
    emu.redeliver(update_id)
    await _quiet(fairbot, user, 1.5)
    async with fairbot.runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1
        assert await session.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 1


@pytest.mark.parametrize("kind", ["photo", "voice", "sticker", "document", "location"])
async def test_media_gets_a_polite_reply_in_the_persons_language(fairbot: Bot, kind: str) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Media", "ru")
    await user.send("Здравствуйте, мне не платят зарплату")
    await emu.wait_for_reply(user, WAIT)
    await getattr(user, f"send_{kind}")()
    reply = await emu.wait_for_reply(user, WAIT)
    # a photo or a PDF is read as a letter (the emulator's bytes are none): the reader says what it takes
    assert ("PDF" if kind in ("photo", "document") else "текст") in reply.text
    assert reply.button_texts  # the offer of an advisor


async def _with_advisor(fairbot: Bot, user: Any) -> Any:
    """/advisor, consent, and advisor 4 claims the chat: the person is talking to a human now."""
    emu = fairbot.emulator
    await user.send_command("advisor")
    consent = await emu.wait_for_reply(user, WAIT)
    await user.press(data=consent.callback_data[0])
    await emu.wait_for_reply(user, WAIT)
    conversation = await _open_conversation(fairbot, user)
    await fairbot.runtime.conversations.claim(conversation.id, 4)
    await emu.wait_for_reply(user, WAIT)
    return conversation


async def test_media_reaches_the_advisor_while_a_human_is_in_the_chat(fairbot: Bot) -> None:
    emu, conversations = fairbot.emulator, fairbot.runtime.conversations
    user = emu.add_user("Doc", "de")
    conversation = await _with_advisor(fairbot, user)
    await user.send_photo(caption="Mein Vertrag")
    await _quiet(fairbot, user, 1.0)
    last = (await conversations.transcript(conversation.id))[-1]
    assert last.kind == "photo" and last.text == "Mein Vertrag" and last.attachment and last.attachment["file_id"]


async def test_long_advisor_reply_is_split_at_4096(fairbot: Bot) -> None:
    emu, conversations = fairbot.emulator, fairbot.runtime.conversations
    user = emu.add_user("Long", "de")
    conversation = await _with_advisor(fairbot, user)
    before = len(user.messages)
    text = " ".join(f"Satz {i} mit <Zeichen> & mehr." for i in range(250))  # ~ 7,500 characters, ~ 10,000 as HTML
    message = await conversations.advisor_reply(conversation.id, 4, text, wait_delivery=WAIT)
    assert message.delivery_status == "sent"
    await emu.wait_for(lambda: True if "Satz 249 mit" in user.messages[-1].text else None, WAIT, "the last part")
    parts = user.messages[before:]
    assert len(parts) >= 2 and all(len(p.text) <= 4096 for p in parts)
    joined = " ".join(p.text for p in parts)
    assert "Satz 0 mit <Zeichen> & mehr." in joined and "Satz 249 mit <Zeichen> & mehr." in joined


async def test_html_in_a_question_is_text(fairbot: Bot) -> None:
    """Markup in a question is plain text: the question is answered, stored as typed, and never comes back as markup."""
    emu = fairbot.emulator
    user = emu.add_user("Odd", "de")
    question = "<b>Lohn</b> & <script>alert(1)</script> nicht gezahlt?"
    await user.send(question)
    reply = await emu.wait_for_reply(user, WAIT)  # the emulator refuses a reply whose HTML does not parse
    assert reply.parse_mode == "HTML" and "alert(1)" not in reply.text and "<b>" not in reply.text
    conversation = await _open_conversation(fairbot, user)
    stored = await fairbot.runtime.conversations.transcript(conversation.id)
    assert [(m.direction, m.text) for m in stored[:1]] == [("in", question)]
    assert stored[1].direction == "out" and stored[1].action == "answer" and stored[1].entry_id


async def test_forged_button_gets_the_polite_toast_and_changes_nothing(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Odd", "de")
    await user.send("Mein Chef zahlt meinen Lohn nicht")
    reply = await emu.wait_for_reply(user, WAIT)
    conversation = await _open_conversation(fairbot, user)
    before = [(m.id, m.text) for m in await fairbot.runtime.conversations.transcript(conversation.id)]
    query = {
        "id": "odd-1",
        "from": user.as_user(),
        "message": reply.raw,
        "chat_instance": "ci",
        "data": "forged:data:that:means:nothing",
    }
    emu.open_callback_query(user, query, reply.message_id)
    await emu.push_update("callback_query", query)
    assert (await _toast(fairbot, user, 0)).text == t("unknown_button", "de")
    malformed = {**query, "id": "odd-2", "data": "consent:not-a-number:y"}  # a known kind, broken: the same toast
    emu.open_callback_query(user, malformed, reply.message_id)
    await emu.push_update("callback_query", malformed)
    assert (await _toast(fairbot, user, 1)).text == t("unknown_button", "de")
    await _quiet(fairbot, user)
    after = await fairbot.runtime.conversations.transcript(conversation.id)
    assert [(m.id, m.text) for m in after] == before
    assert (await _open_conversation(fairbot, user)).state == conversation.state


async def test_blank_and_longest_messages_get_replies(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Odd", "de")
    await user.send(" " * 3)  # whitespace only
    assert (await emu.wait_for_reply(user, WAIT)).text
    await user.send("x" * 4096)  # Telegram's maximum
    assert (await emu.wait_for_reply(user, WAIT)).text


async def test_webhook_mode_with_secret(telegram_emulator: Emulator, tmp_path: Path, answers: Any) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        telegram_bot_token=DEFAULT_TOKEN,
        telegram_api_url=telegram_emulator.base_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        webhook_secret="s3cret-token",
        fairbot_port=port,
    )
    async with served_app(settings, answers) as app:
        emu = telegram_emulator
        user = emu.add_user("Hook", "de")
        await user.send("Wie hoch ist der Mindestlohn?")
        reply = await emu.wait_for_reply(user, WAIT)
        assert len(reply.button_texts) == 4  # helpful, not helpful, advisor and the minimum-wage calculator
        emu.redeliver(max(emu.updates.history))
        await asyncio.sleep(1.0)
        assert len(user.messages) == 1
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        async with aiohttp.ClientSession() as session:
            async with session.post(
                url, json={"update_id": 999}, headers={"X-Telegram-Bot-Api-Secret-Token": "no"}
            ) as r:
                assert r.status == 401
            async with session.post(
                url, data="{not json", headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            ) as r:
                assert r.status == 200  # acknowledged, logged, not retried forever
            broken = json.dumps({"update_id": 1000, "message": {"message_id": "x"}})
            async with session.post(url, data=broken, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}) as r:
                assert r.status == 200
        await user.send("Danke!")
        assert (await emu.wait_for_reply(user, WAIT)).text
        assert app.state.runtime.telegram.webhook_mode


@pytest.mark.postgres
@pytest.mark.redis
async def test_handover_on_postgres_with_redis(telegram_emulator: Emulator, tmp_path: Path, answers: Any) -> None:
    """The production backends: PostgreSQL, Redis FSM storage, Redis event bus and rate limits."""
    url = create_pg_database()
    try:
        settings = make_settings(
            tmp_path,
            database_url=url,
            redis_url=REDIS_URL,
            telegram_bot_token=DEFAULT_TOKEN,
            telegram_api_url=telegram_emulator.base_url,
        )
        async with running_app(settings, answers) as app:
            await clean(app.state.runtime.db)
            fairbot = Bot(app, telegram_emulator)
            emu, conversations = telegram_emulator, app.state.runtime.conversations
            user = emu.add_user("Pg", "ar")
            await user.send("أريد التحدث مع مستشار")
            first = await emu.wait_for_messages(user, 2, WAIT)
            await user.press(data=first[-1].callback_data[0])
            await emu.wait_for_reply(user, WAIT)
            conversation = await _open_conversation(fairbot, user)
            claims = await asyncio.gather(
                *(conversations.claim(conversation.id, a) for a in (1, 2, 3)), return_exceptions=True
            )
            assert sum(1 for c in claims if not isinstance(c, BaseException)) == 1
            winner = next(c for c in claims if not isinstance(c, BaseException)).advisor_id
            await emu.wait_for_reply(user, WAIT)
            await conversations.advisor_reply(conversation.id, winner, "مرحبا")
            assert "مرحبا" in (await emu.wait_for_reply(user, WAIT)).text
            await user.send("شكرا")
            await _quiet(fairbot, user, 0.5)
            await conversations.close(conversation.id, winner, "done")
            await emu.wait_for_reply(user, WAIT)
            await user.press("3")
            await _toast(fairbot, user, 1)
            assert (await conversations.get_conversation(conversation.id)).rating == 3
    finally:
        drop_pg_database(url)
