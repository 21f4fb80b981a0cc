"""Suite-wide plumbing: the Bot API emulator fixtures, and the outside services each marked test needs."""

from __future__ import annotations

import pytest

from tests.required import require_marked

pytest_plugins = ["tests.emulator.fixtures"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked postgres, redis or browser skips (fails under CI=true) when that service is missing."""
    require_marked(item)
