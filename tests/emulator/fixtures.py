"""pytest fixture: a running emulator on a free loopback port (registered via tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .emulator import Emulator


@pytest_asyncio.fixture
async def telegram_emulator() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
