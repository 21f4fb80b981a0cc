"""Webhook mode: no start without a secret, forged updates refused, oversized bodies refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.app import create_app
from bot.errors import ConfigError
from bot.storage.models import Person
from tests.e2e.harness import free_port, make_settings, served_app
from tests.emulator import DEFAULT_TOKEN, Emulator

SECRET = "a-webhook-secret-of-some-length_42"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def test_webhook_mode_refuses_to_start_without_a_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook = {"telegram_bot_token": DEFAULT_TOKEN, "webhook_url": "https://bot.example.org/telegram/webhook"}
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        create_app(make_settings(tmp_path, **webhook))
    with pytest.raises(ConfigError, match="A-Z a-z 0-9"):
        create_app(make_settings(tmp_path, **webhook, webhook_secret="has spaces and ümlauts"))
    create_app(make_settings(tmp_path, **webhook, webhook_secret=SECRET))  # with one it builds

    from bot.cli import main

    monkeypatch.setenv("FAIRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", webhook["webhook_url"])
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "WEBHOOK_SECRET" in lines[0], result.output


async def _people(app: Any) -> int:
    async with app.state.runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Person)) or 0)


async def test_forged_and_oversized_updates_are_refused(
    telegram_emulator: Emulator, tmp_path: Path, answers: Any
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    settings = make_settings(
        tmp_path,
        telegram_bot_token=DEFAULT_TOKEN,
        telegram_api_url=telegram_emulator.base_url,
        webhook_url=url,
        webhook_secret=SECRET,
        fairbot_port=port,
    )
    async with served_app(settings, answers) as app:
        user = telegram_emulator.add_user("Victim", "de")
        await user.send("Wie hoch ist der Mindestlohn?")
        reply = await telegram_emulator.wait_for_reply(user, 30)
        forged = {
            "update_id": 900001,
            "callback_query": {
                "id": "9000000001",
                "from": user.as_user(),
                "message": reply.raw,
                "chat_instance": "forged",
                "data": "del:y",  # "yes, erase everything about me"
            },
        }
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {HEADER: "guessed"}, {HEADER: SECRET[:-1]}):
                async with http.post(url, json=forged, headers=headers) as response:
                    assert response.status == 401
            huge = b'{"update_id": 900002, "message": {"text": "' + b"x" * (1 << 20) + b'"}}'
            async with http.post(url, data=huge, headers={HEADER: SECRET}) as response:
                assert response.status == 413
            await asyncio.sleep(0.3)
            assert await _people(app) == 1  # the forged erasure did nothing
            async with http.post(url, json=forged, headers={HEADER: SECRET}) as response:
                assert response.status == 200  # the same update with the secret is Telegram's: it erases
        for _ in range(50):
            if await _people(app) == 0:
                break
            await asyncio.sleep(0.1)
        assert await _people(app) == 0
