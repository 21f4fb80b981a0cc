"""Suite-wide plumbing: the Bot API emulator fixtures, the outside services each marked test needs, and the
storage backend of this pass (tests/backend.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import get_settings
from tests import backend
from tests.required import in_ci, pg_available, redis_available, require_marked

pytest_plugins = ["tests.emulator.fixtures", "pytester"]


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """`get_settings()` reads the environment once per process; a test that sets variables must see them."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _backend_databases() -> Iterator[None]:
    """Drop the PostgreSQL databases the test got from tests/backend.py (after its own fixtures closed)."""
    yield
    backend.drop_databases()


def pytest_sessionstart(session: pytest.Session) -> None:
    """The postgres pass under CI=true stops at once when a server is missing: a pass on nothing proves nothing."""
    if backend.on_postgres() and in_ci() and not (pg_available() and redis_available()):
        missing = [name for name, up in (("PostgreSQL", pg_available()), ("Redis", redis_available())) if not up]
        pytest.exit(f"CI=true, FAIRBOT_TEST_BACKEND=postgres and {' and '.join(missing)} not reachable", returncode=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The postgres pass leaves out what already ran on PostgreSQL in the first (tests/backend.py)."""
    kept = [item for item in items if backend.runs_in_this_pass(item)]
    if len(kept) != len(items):
        dropped = set(items) - set(kept)
        config.hook.pytest_deselected(items=[item for item in items if item in dropped])
        items[:] = kept


def pytest_report_header() -> str:
    return f"fairbot storage backend: {backend.BACKEND} (FAIRBOT_TEST_BACKEND)"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked postgres, redis or browser skips (fails under CI=true) when that service is missing."""
    require_marked(item)
