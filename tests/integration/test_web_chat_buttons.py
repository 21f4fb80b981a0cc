"""The buttons under a web chat message are part of the record: a page served by another app on the same
database (another replica behind the proxy, or the same one after a restart) shows them, and a press there
is taken; erased with the person. On SQLite, and on PostgreSQL in the postgres pass."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bot.locales import t
from bot.services.conversations.buttons import Helpful
from bot.storage.models import Feedback, Message
from tests import backend
from tests.e2e.harness import answer_service, make_settings, running_app

CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"|name="csrf_token" value="([^"]+)"')
BUTTON = re.compile(r'data-action="([^"]+)">([^<]+)</button>')
QUESTION = "Mein Chef hat mir seit zwei Monaten keinen Lohn gezahlt"


def _buttons(page: str) -> dict[str, str]:
    """The buttons on the page (only the newest bot message has any): label -> packed data."""
    return {label.strip(): data for data, label in BUTTON.findall(page)}


async def test_a_page_served_by_another_app_shows_the_buttons_and_takes_the_press(tmp_path: Path) -> None:
    shared: dict[str, Any] = {
        "database_url": backend.database_url(tmp_path, "shared.db"),
        **backend.redis_settings(),
        "fairbot_secret_key": "web-chat-replica-secret",  # the cookies of one are valid on the other
        "throttle_messages": 1000,
    }
    one, two = (make_settings(tmp_path / name, **shared) for name in ("a", "b"))
    answers = answer_service()
    async with running_app(one, answers) as a, running_app(two, answers) as b:
        on_a = httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://testserver")
        on_b = httpx.AsyncClient(transport=httpx.ASGITransport(app=b), base_url="http://testserver")
        async with on_a, on_b:
            found = CSRF.search((await on_a.get("/chat?lang=de")).text)
            assert found is not None
            form = {"csrf_token": found.group(1) or found.group(2)}

            # a keyboard that names its message (👍/👎 carry the answer's id, known only once it is stored)
            assert (await on_a.post("/chat/send?lang=de", data={**form, "text": QUESTION})).status_code == 200
            async with a.state.runtime.db.session() as session:
                answer = await session.scalar(
                    select(Message).where(Message.author == "bot").order_by(Message.id.desc())
                )
            assert answer is not None and answer.action == "answer"
            on_b.cookies = on_a.cookies
            shown = _buttons((await on_b.get("/chat?lang=de")).text)
            helpful = Helpful(message_id=answer.id, helpful=True).pack()
            assert shown[t("btn_helpful", "de")] == helpful
            assert answer.buttons is not None and {"text": t("btn_helpful", "de"), "data": helpful} in answer.buttons[0]

            pressed = await on_b.post("/chat/action?lang=de", data={**form, "data": helpful})
            assert pressed.status_code == 200 and t("feedback_thanks", "de") in pressed.text
            async with b.state.runtime.db.session() as session:
                feedback = (await session.scalars(select(Feedback).where(Feedback.message_id == answer.id))).all()
            assert [f.helpful for f in feedback] == [True]

            # a keyboard known before the message is stored: the calculators' menu
            assert (await on_a.post("/chat/send?lang=de", data={**form, "text": "/deadline"})).status_code == 200
            on_b.cookies = on_a.cookies
            menu = _buttons((await on_b.get("/chat?lang=de")).text)
            assert t("calc_btn_sick_pay", "de") in menu and all(d.startswith("calc:") for d in menu.values())

            # "end and forget this chat": the buttons go with the messages
            assert (await on_b.post("/chat/forget", data=form)).status_code == 303
        async with a.state.runtime.db.session() as session:
            assert (await session.scalars(select(Message))).all() == []  # the one visitor's, buttons and all
