"""A near-tie in Telegram (issue 15, major 4): "Or is your question about …?" under the answer, one tap away."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.locales import t
from bot.storage.models import Message
from tests.e2e.conftest import Bot

WAIT = 20.0
QUESTION = "Mein Chef gibt mir nie eine Lohnabrechnung, nur Geld aufs Konto. Muss er mir die nicht geben?"


@pytest.fixture
def widened(answers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any answer with a second topic counts as a near-tie (the margin itself: tests/unit/test_decision.py)."""
    th = answers.thresholds
    monkeypatch.setattr(answers, "thresholds", type(th)(**{**th.__dict__, "near_tie_margin": 1.0}))


async def test_the_other_topic_is_one_tap_away(widened: None, fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Dana", "de")
    await user.send(QUESTION)
    answer = await emu.wait_for_reply(user, WAIT)
    other = answer.button_texts[0]
    assert other.startswith(t("btn_or_about", "de", title="").split("„")[0])  # "Oder geht es um „…“?"
    assert answer.callback_data[0].startswith("alt:")
    entry_id = answer.callback_data[0].removeprefix("alt:")
    await user.press(data=answer.callback_data[0])
    switched = await emu.wait_for_reply(user, WAIT)
    assert switched.text and switched.text != answer.text
    async with fairbot.runtime.db.session() as session:
        last = await session.scalar(select(Message).where(Message.author == "bot").order_by(Message.id.desc()).limit(1))
    assert last is not None and last.entry_id == entry_id
