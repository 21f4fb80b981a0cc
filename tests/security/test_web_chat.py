"""The web chat: a visit stores nothing, limits per client address, sessions that end, "end and forget"."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from bot.storage.models import Base, Conversation, Message, Person
from tests.security.conftest import Site


async def _count(site: Site, model: type[Base]) -> int:
    async with site.runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _send(client: Any, token: str, text: str = "Wie hoch ist der Mindestlohn?") -> Any:
    return await client.post("/chat/send", data={"text": text, "csrf_token": token})


async def test_visits_store_nothing_until_the_first_message(site: Site) -> None:
    """Finding 10: 300 visits used to write 300 people; the greeting is shown, not stored."""
    for n in range(30):
        page = await site.client(f"198.51.100.{n}").get("/chat")
        assert page.status_code == 200 and 'data-action="lang:de"' in page.text
    assert (await _count(site, Person), await _count(site, Conversation), await _count(site, Message)) == (0, 0, 0)
    visitor = site.client("198.51.100.200")
    token = await site.chat(visitor)
    assert (await _send(visitor, token)).status_code == 200
    assert await _count(site, Person) == 1
    page = await visitor.get("/chat")  # the greeting, the question and the answer, as before
    assert page.text.count('data-testid="chat-msg-bot"') >= 2 and "Mindestlohn" in page.text


async def test_new_chats_and_messages_are_limited_per_address(make_site: Any) -> None:
    async with make_site(web_chat_new_per_address=3, web_chat_messages_per_address=5) as site:
        for _ in range(3):
            client = site.client("203.0.113.50")
            assert (await _send(client, await site.chat(client))).status_code == 200
        fourth = site.client("203.0.113.50")
        refused = await _send(fourth, await site.chat(fourth))
        assert refused.status_code == 429 and "chat-toast" in refused.text
        assert await _count(site, Person) == 3
        other = site.client("203.0.113.51")  # another address is not held up
        token = await site.chat(other)
        assert (await _send(other, token)).status_code == 200
        statuses = [(await _send(other, token, f"Frage {n}")).status_code for n in range(5)]
        assert statuses == [200, 200, 200, 200, 429]  # five a minute from one address


async def test_an_idle_session_ends_on_the_server(make_site: Any) -> None:
    """Finding 19: the cookie is signed with its time; an old one opens nothing, whatever the browser kept."""
    async with make_site(web_chat_idle_hours=2 / 3600) as site:
        phone = site.client("203.0.113.60")
        assert (await _send(phone, await site.chat(phone), "Ich heiße Maria, mein Chef zahlt nicht")).status_code == 200
        assert "Maria" in (await phone.get("/chat")).text
        kept = dict(phone.cookies)
        await asyncio.sleep(3.5)  # the signed time counts whole seconds
        later = site.client("203.0.113.60")
        later.cookies.update(kept)
        page = await later.get("/chat")
        assert "Maria" not in page.text and 'data-action="lang:de"' in page.text


async def test_end_and_forget_erases_the_visitor(site: Site) -> None:
    """Finding 19: one button ends the chat and erases what was stored; the next visit starts afresh."""
    phone = site.client("203.0.113.70")
    token = await site.chat(phone)
    assert (await _send(phone, token, "Ich heiße Maria, mein Chef zahlt nicht")).status_code == 200
    assert await _count(site, Person) == 1
    forgotten = await phone.post("/chat/forget", data={"csrf_token": token})
    assert forgotten.status_code == 303 and forgotten.headers["location"] == "/chat"
    assert any("fairbot_chat=" in c and "Max-Age=0" in c for c in forgotten.headers.get_list("set-cookie"))
    assert (await _count(site, Person), await _count(site, Message)) == (0, 0)
    page = await phone.get("/chat")
    assert "Maria" not in page.text and 'data-action="lang:de"' in page.text
