"""Suite-wide plumbing: the Bot API emulator fixtures, and the outside services each marked test needs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import get_settings
from tests.required import require_marked

pytest_plugins = ["tests.emulator.fixtures"]


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """`get_settings()` reads the environment once per process; a test that sets variables must see them."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked postgres, redis or browser skips (fails under CI=true) when that service is missing."""
    require_marked(item)
