"""The Bot API emulator behaves like Telegram where fairbot depends on it: validation, faults, updates."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BotCommand, BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from tests.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def bot(telegram_emulator: Emulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram_emulator.base_url))
    bot = Bot(telegram_emulator.token, session=session)
    try:
        yield bot
    finally:
        await session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)] for text, data in pairs]
    )


async def raw_call(
    http: aiohttp.ClientSession, emulator: Emulator, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emulator.base_url}/bot{emulator.token}/{method}", json=params) as response:
        return response.status, await response.json()


# --- through the real aiogram Bot -------------------------------------------------------------------


async def test_send_message_through_aiogram_reaches_the_user(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user("Ana", "ar")
    sent = await bot.send_message(
        user.id,
        "<b>Hallo</b> &amp; <i>willkommen</i>",
        parse_mode="HTML",
        reply_markup=keyboard(("Ja", "yes")),
    )
    assert sent.text == "Hallo & willkommen"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [("bold", 0, 5), ("italic", 8, 10)]
    seen = user.last_message
    assert seen is not None and seen.message_id == sent.message_id
    assert seen.text == "Hallo & willkommen"
    assert seen.html == "<b>Hallo</b> &amp; <i>willkommen</i>"
    assert seen.callback_data == ["yes"] and seen.button_texts == ["Ja"]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("1 < 2", 'Unsupported start tag ""'),
        ("Tom & Jerry", 'unescaped "&"'),
        ("<span>x</span>", "tg-spoiler"),
        ("</b>", "Unexpected end tag"),
    ],
)
async def test_bad_html_raises_telegram_bad_request(
    telegram_emulator: Emulator, bot: Bot, html: str, reason: str
) -> None:
    user = telegram_emulator.add_user()
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(user.id, html, parse_mode="HTML")
    assert "Bad Request: can't parse entities: " in caught.value.message
    assert reason in caught.value.message
    assert user.messages == []


async def test_supported_html_tags_become_entities(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user()
    html = (
        '<strong>a</strong><em>b</em><ins>c</ins><del>d</del><span class="tg-spoiler">e</span>'
        '<a href="https://x.de/?a=1&amp;b=2">f</a><code>g</code><pre><code class="language-py">h</code></pre>'
        '<blockquote expandable>i</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        "&#65;&#x42;&quot;"
    )
    sent = await bot.send_message(user.id, html, parse_mode="HTML")
    assert sent.text == 'abcdefghi👍AB"'
    kinds = {e.type: e for e in sent.entities or []}
    assert set(kinds) == {
        "bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code", "pre",
        "expandable_blockquote", "custom_emoji",
    }  # fmt: skip
    assert kinds["text_link"].url == "https://x.de/?a=1&b=2"
    assert kinds["pre"].language == "py"
    assert (kinds["custom_emoji"].offset, kinds["custom_emoji"].length) == (9, 2)  # UTF-16 units


async def test_injected_429_surfaces_as_retry_after(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user()
    telegram_emulator.fail_with_retry_after(count=1, method="sendMessage", retry_after=7)
    await bot.send_chat_action(user.id, "typing")  # other methods are not affected
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(user.id, "hallo")
    assert caught.value.retry_after == 7
    assert user.messages == []
    await bot.send_message(user.id, "hallo")  # the fault was used up
    assert user.texts == ["hallo"]
    failed = telegram_emulator.calls_of("sendMessage")[0]
    assert failed.status == 429 and failed.response["parameters"] == {"retry_after": 7}


@pytest.mark.parametrize("status", [500, 502])
async def test_injected_server_errors(telegram_emulator: Emulator, bot: Bot, status: int) -> None:
    user = telegram_emulator.add_user()
    telegram_emulator.fail_with_server_error(count=2, status=status)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(user.id, "x")
    await bot.send_message(user.id, "x")
    assert [c.status for c in telegram_emulator.calls_of("sendMessage")] == [status, status, 200]


async def test_dropped_connection_and_slow_answer(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user()
    telegram_emulator.drop_connection(method="sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "x")
    assert user.messages == []
    telegram_emulator.delay_response(method="sendMessage", seconds=2.0)
    started = time.monotonic()
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "late", request_timeout=0.3)  # type: ignore[arg-type]  # aiohttp takes any seconds
    assert time.monotonic() - started < 1.5


async def test_long_polling_returns_a_user_message(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user("Ben", "en")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.3)
    assert not poll.done()  # it really waits
    await user.send("Wie lange gilt mein Visum?")
    updates = await asyncio.wait_for(poll, 3)
    assert 0.25 < time.monotonic() - started < 3
    assert len(updates) == 1 and updates[0].message is not None
    assert updates[0].message.text == "Wie lange gilt mein Visum?"
    assert updates[0].message.from_user is not None and updates[0].message.from_user.language_code == "en"
    # not confirmed yet: delivered again; confirmed by offset: gone
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []


async def test_second_poller_ends_the_first_with_conflict(telegram_emulator: Emulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(bot.get_updates(timeout=5))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 3)
    user = telegram_emulator.add_user()
    await user.send("hallo")
    assert [u.message.text for u in await asyncio.wait_for(second, 3) if u.message] == ["hallo"]


async def test_get_updates_limit_and_allowed_updates(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user()
    sent = await bot.send_message(user.id, "?", reply_markup=keyboard(("A", "a")))
    for i in range(3):
        await user.send(f"m{i}")
    await user.press("A")
    first = await bot.get_updates(limit=2, timeout=0)
    assert [u.message.text for u in first if u.message] == ["m0", "m1"]
    only_callbacks = await bot.get_updates(allowed_updates=["callback_query"], timeout=0)
    assert len(only_callbacks) == 1 and only_callbacks[0].callback_query is not None
    assert only_callbacks[0].callback_query.message is not None
    assert only_callbacks[0].callback_query.message.message_id == sent.message_id


async def test_unknown_and_unimplemented_methods(telegram_emulator: Emulator, bot: Bot) -> None:
    assert await bot.set_my_description("Beratung") is True  # in api.json: generic true
    session = bot.session
    assert isinstance(session, AiohttpSession)
    with pytest.raises(TelegramNotFound):
        from aiogram.methods import GetMe

        class NoSuchMethod(GetMe):
            __api_method__ = "noSuchMethod"

        await bot(NoSuchMethod())


# --- validation against api.json --------------------------------------------------------------------


async def test_missing_and_mistyped_parameters(telegram_emulator: Emulator, http: aiohttp.ClientSession) -> None:
    user = telegram_emulator.add_user()
    assert await raw_call(http, telegram_emulator, "sendMessage", text="x") == (
        400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"},
    )  # fmt: skip
    status, body = await raw_call(http, telegram_emulator, "sendMessage", chat_id=user.id)
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await raw_call(http, telegram_emulator, "sendMessage", chat_id=user.id, text="x",
                                  disable_notification="maybe")  # fmt: skip
    assert status == 400 and "disable_notification" in body["description"] and "Boolean" in body["description"]
    status, body = await raw_call(http, telegram_emulator, "deleteMessage", chat_id=user.id, message_id="abc")
    assert status == 400 and "Integer" in body["description"]
    status, body = await raw_call(http, telegram_emulator, "sendMessage", chat_id={"id": 1}, text="x")
    assert status == 400 and "Integer or String" in body["description"]
    status, body = await raw_call(http, telegram_emulator, "sendMessage", chat_id=424242, text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    status, body = await raw_call(http, telegram_emulator, "setMyCommands", commands=[{"command": "start"}])
    assert status == 400 and "description" in body["description"]
    assert user.messages == []


async def test_reply_markup_is_validated_recursively(telegram_emulator: Emulator, http: aiohttp.ClientSession) -> None:
    user = telegram_emulator.add_user()

    async def send(markup: Any) -> tuple[int, str]:
        status, body = await raw_call(http, telegram_emulator, "sendMessage", chat_id=user.id, text="x",
                                      reply_markup=markup)  # fmt: skip
        return status, body.get("description", "")

    assert (await send({"inline_keyboard": [[{"text": "ok", "callback_data": "a"}]]}))[0] == 200
    assert (await send({"keyboard": [[{"text": "Deutsch"}]], "resize_keyboard": True}))[0] == 200
    status, reason = await send({"inline_keyboard": [[{"callback_data": "a"}]]})
    assert status == 400 and "text" in reason
    status, reason = await send({"inline_keyboard": [{"text": "ok", "callback_data": "a"}]})
    assert status == 400 and "Array" in reason
    status, reason = await send({"inline_keyboard": [[{"text": 5, "callback_data": {"x": 1}}]]})
    assert status == 400 and "callback_data" in reason
    status, reason = await send({"inline_keyboard": [[{"text": "only text"}]]})
    assert status == 400 and "Text buttons are unallowed" in reason
    assert await send({"inline_keyboard": [[{"text": "x", "callback_data": "é" * 32}]]}) == (200, "")
    assert await send({"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}) == (
        400, "Bad Request: BUTTON_DATA_INVALID",
    )  # fmt: skip
    assert await send({"inline_keyboard": [[{"text": "x", "callback_data": ""}]]}) == (
        400, "Bad Request: BUTTON_DATA_INVALID",
    )  # fmt: skip
    assert await send("{not json") == (400, "Bad Request: can't parse InlineKeyboardMarkup JSON object")
    assert len(user.messages) == 3
    assert user.messages[1].reply_keyboard == {"keyboard": [[{"text": "Deutsch"}]], "resize_keyboard": True}


async def test_text_limits(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user()
    await bot.send_message(user.id, "x" * 4096)
    await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # limit is after parsing
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="unsupported parse_mode"):
        await bot.send_message(user.id, "x", parse_mode="XML")
    await bot.send_message(user.id, "?", reply_markup=keyboard(("A", "a")))
    await user.press("A")
    query = telegram_emulator.updates.history[1]["callback_query"]
    with pytest.raises(TelegramBadRequest):
        await bot.answer_callback_query(query["id"], text="x" * 201)
    await bot.answer_callback_query(query["id"], text="x" * 200)
    assert user.callback_answers[0].text == "x" * 200
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query["id"])


async def test_edit_and_delete(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user()
    sent = await bot.send_message(user.id, "Frage?", reply_markup=keyboard(("A", "a"), ("B", "b")))
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=sent.message_id + 10)
    await bot.edit_message_reply_markup(chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard(("C", "c")))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard(("C", "c"))
        )
    with pytest.raises(LookupError):
        await user.press(data="a")  # no longer on the keyboard
    await bot.edit_message_text("<i>Danke</i>", chat_id=user.id, message_id=sent.message_id, parse_mode="HTML")
    message = user.messages[0]
    assert message.text == "Danke" and message.html == "<i>Danke</i>" and message.buttons == []
    assert [v.get("text") for v in message.versions] == ["Frage?", "Frage?"]
    await bot.delete_message(user.id, sent.message_id)
    assert message.deleted and user.visible_messages == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)


async def test_media_files_commands_and_chat(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user("Chen", "zh", username="chen")
    photo_msg = await user.send_photo(caption="mein Vertrag")
    file_id = photo_msg["photo"][-1]["file_id"]
    echoed = await bot.send_photo(user.id, file_id, caption="<b>erhalten</b>", parse_mode="HTML")
    assert echoed.caption == "erhalten"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(user.id, "no-such-file")
    doc = await bot.send_document(user.id, BufferedInputFile(b"%PDF data", "merkblatt.pdf"))
    assert doc.document is not None and doc.document.file_name == "merkblatt.pdf"
    file = await bot.get_file(doc.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"%PDF data"
    voice = await bot.send_voice(user.id, BufferedInputFile(b"OggS", "a.ogg"))
    assert voice.voice is not None
    assert [m.kind for m in user.messages] == ["photo", "document", "voice"]
    await bot.set_my_commands([BotCommand(command="start", description="Beginnen")], language_code="de")
    assert [c.command for c in await bot.get_my_commands(language_code="de")] == ["start"]
    assert await bot.get_my_commands() == []
    await bot.delete_my_commands(language_code="de")
    assert await bot.get_my_commands(language_code="de") == []
    chat = await bot.get_chat("@chen")
    assert chat.id == user.id and chat.type == "private"
    copied = await bot.copy_message(user.id, user.id, photo_msg["message_id"])
    assert user.messages[-1].message_id == copied.message_id and user.messages[-1].kind == "photo"
    forwarded = await bot.forward_message(user.id, user.id, photo_msg["message_id"])
    assert forwarded.forward_origin is not None
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(user.id, user.id, 999)
    await bot.send_chat_action(user.id, "typing")
    assert user.chat_actions == ["typing"]
    user.block()
    with pytest.raises(Exception, match="bot was blocked by the user"):
        await bot.send_message(user.id, "x")


# --- simulated users, ids, recording ----------------------------------------------------------------


async def test_user_api_ids_and_redelivery(telegram_emulator: Emulator, bot: Bot) -> None:
    ana, ben = telegram_emulator.add_user("Ana"), telegram_emulator.add_user("Ben")
    m1 = await ana.send_command("start", "ref42")
    assert m1["text"] == "/start ref42"
    assert m1["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    b1 = await ben.send("hi")
    await bot.send_message(ana.id, "Willkommen")
    m2 = await ana.send_voice()
    await ana.send_sticker()
    await ana.send_document()
    await ana.send_location()
    assert (m1["message_id"], b1["message_id"], m2["message_id"]) == (1, 1, 3)  # per chat
    updates = await bot.get_updates(timeout=0)
    ids = [u.update_id for u in updates]
    assert ids == sorted(ids) and len(set(ids)) == 6  # global, increasing
    await bot.get_updates(offset=ids[-1] + 1, timeout=0)
    telegram_emulator.redeliver(ids[0])
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [ids[0]]
    assert again[0].message is not None and again[0].message.text == "/start ref42"
    sends = telegram_emulator.calls_of("sendMessage")
    assert len(sends) == 1 and sends[0].params["text"] == "Willkommen" and sends[0].ok


async def test_wait_for_reply_and_press(telegram_emulator: Emulator, bot: Bot) -> None:
    user = telegram_emulator.add_user()

    async def fake_bot() -> None:
        offset = None
        while True:
            for update in await bot.get_updates(offset=offset, timeout=5):
                offset = update.update_id + 1
                if update.message:
                    await bot.send_message(update.message.chat.id, "Antwort", reply_markup=keyboard(("Hilfreich", "h")))
                    await bot.send_message(update.message.chat.id, "Noch etwas?")
                elif update.callback_query:
                    await bot.answer_callback_query(update.callback_query.id, text="Danke!")

    task = asyncio.create_task(fake_bot())
    try:
        with pytest.raises(TimeoutError):
            await telegram_emulator.wait_for_reply(user, timeout=0.2)
        await user.send("Frage")
        first = await telegram_emulator.wait_for_reply(user, timeout=3)
        assert first.text == "Antwort"
        second = await telegram_emulator.wait_for_reply(user, timeout=3)
        assert second.text == "Noch etwas?"
        with pytest.raises(LookupError):
            await user.press(data="not-there")
        await user.press("Hilfreich")
        answer = await telegram_emulator.wait_for_callback_answer(user, timeout=3)
        assert await telegram_emulator.wait_for(lambda: user.callback_answers or None, timeout=1)
        assert answer.text == "Danke!" and answer.data == "h" and answer.message_id == first.message_id
        await user.send("zweite Frage")
        both = await telegram_emulator.wait_for_messages(user, 2, timeout=3)
        assert [m.text for m in both] == ["Antwort", "Noch etwas?"]
    finally:
        task.cancel()


# --- webhook ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_delivery_retry_secret_and_conflict(telegram_emulator: Emulator, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    failures_left = [2]

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
        if failures_left[0]:
            failures_left[0] -= 1
            return web.Response(status=500)
        chat_id = body["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "per Webhook"})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        user = telegram_emulator.add_user()
        with pytest.raises(TelegramBadRequest, match="loopback"):
            await bot.set_webhook("https://example.org/hook")
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates(timeout=0)
        sent = await user.send("über Webhook")
        reply = await telegram_emulator.wait_for_reply(user, timeout=5)
        assert reply.text == "per Webhook"
        assert len(received) == 3 and {secret for secret, _ in received} == {"s3cr3t"}
        assert {body["update_id"] for _, body in received} == {1}
        assert received[0][1]["message"]["message_id"] == sent["message_id"]
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message
        await bot.delete_webhook()
        await user.send("wieder Polling")
        updates = await bot.get_updates(timeout=1)
        assert [u.message.text for u in updates if u.message] == ["wieder Polling"]
    finally:
        await runner.cleanup()


async def test_aiogram_webhook_answers_in_the_response_body(telegram_emulator: Emulator, bot: Bot) -> None:
    from aiogram import Dispatcher
    from aiogram.methods import SendMessage
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    dispatcher = Dispatcher()

    @dispatcher.message()
    async def answer(message: Message) -> SendMessage:
        return SendMessage(chat_id=message.chat.id, text=f"<b>Echo:</b> {message.text}", parse_mode="HTML")

    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token="abc").register(app, "/wh")
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        user = telegram_emulator.add_user()
        await bot.set_webhook(f"http://127.0.0.1:{port}/wh", secret_token="abc")
        await user.send("Hallo")
        reply = await telegram_emulator.wait_for_reply(user, timeout=5)
        assert reply.text == "Echo: Hallo" and reply.entities[0]["type"] == "bold"
        await bot.set_webhook(f"http://127.0.0.1:{port}/wh", secret_token="wrong")  # aiogram answers 401
        await user.send("nochmal")
        hook = telegram_emulator.updates.webhook
        assert hook is not None
        await telegram_emulator.wait_for(lambda: hook.failures or None, timeout=3)
        assert len(user.messages) == 1
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


# --- HTTP: encodings, control endpoints, the command line ---------------------------------------------


async def test_parameter_encodings(telegram_emulator: Emulator, http: aiohttp.ClientSession) -> None:
    user = telegram_emulator.add_user()
    url = f"{telegram_emulator.base_url}/bot{telegram_emulator.token}/sendMessage"
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    async with http.get(url, params={"chat_id": str(user.id), "text": "query"}) as r:
        assert r.status == 200
    async with http.post(url, data={"chat_id": str(user.id), "text": "form", "reply_markup": markup}) as r:
        assert r.status == 200
    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.id))
    form.add_field("text", "multipart")
    form.add_field("disable_notification", "true")
    async with http.post(url, data=form) as r:
        assert r.status == 200 and (await r.json())["result"]["text"] == "multipart"
    async with http.post(url, json={"chat_id": user.id, "text": "json"}) as r:
        assert r.status == 200
    async with http.post(url.replace(telegram_emulator.token, "1:wrong"), json={}) as r:
        assert r.status == 401
    assert user.texts == ["query", "form", "multipart", "json"]
    assert user.messages[1].callback_data == ["a"]


async def test_control_endpoints(telegram_emulator: Emulator, http: aiohttp.ClientSession, bot: Bot) -> None:
    base = f"{telegram_emulator.base_url}/_emulator"
    async with http.post(f"{base}/users", json={"id": 77, "first_name": "Dana", "language_code": "uk"}) as r:
        assert r.status == 201
    async with http.post(f"{base}/users/77/messages", json={"text": "Привіт"}) as r:
        assert r.status == 201
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message is not None and updates[0].message.text == "Привіт"
    await bot.send_message(77, "Hallo", reply_markup=keyboard(("OK", "ok")))
    async with http.get(f"{base}/users/77/wait", params={"timeout": "2"}) as r:
        assert [m["text"] for m in await r.json()] == ["Hallo"]
    async with http.post(f"{base}/users/77/press", json={"data": "ok"}) as r:
        assert r.status == 201
    async with http.post(f"{base}/users/77/press", json={"data": "nope"}) as r:
        assert r.status == 404
    async with http.post(f"{base}/faults", json={"kind": "retry_after", "method": "sendMessage", "retry_after": 3}):
        pass
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(77, "x")
    async with http.get(f"{base}/users/77/chat") as r:
        chat = await r.json()
    assert [m["text"] for m in chat["messages"]] == ["Hallo"]
    assert [e["kind"] for e in chat["events"]] == ["user_message", "bot_message", "callback_query"]
    async with http.get(f"{base}/calls", params={"method": "sendMessage"}) as r:
        assert [c["status"] for c in await r.json()] == [200, 429]


async def test_command_line_serves_and_prints_base_url() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.emulator", "--port", str(port), cwd=REPO, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert f"http://127.0.0.1:{port}" in line
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/_emulator") as r:
            assert (await r.json())["base_url"] == f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()
