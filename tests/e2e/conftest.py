"""Fixtures for end-to-end tests: the real app (dispatcher, services, storage) against the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import Runtime
from tests.e2e.harness import answer_service, make_settings, running_app
from tests.emulator import DEFAULT_TOKEN, Emulator


@pytest.fixture(scope="session")
def answers() -> Any:
    return answer_service()


@dataclass
class Bot:
    """The running fairbot as a test sees it."""

    app: Any
    emulator: Emulator

    @property
    def runtime(self) -> Runtime:
        return self.app.state.runtime


@pytest.fixture
async def fairbot(telegram_emulator: Emulator, tmp_path: Path, answers: Any) -> AsyncIterator[Bot]:
    settings = make_settings(tmp_path, telegram_bot_token=DEFAULT_TOKEN, telegram_api_url=telegram_emulator.base_url)
    async with running_app(settings, answers) as app:
        yield Bot(app, telegram_emulator)
