"""Databases for integration tests: every test that takes `db` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.storage.db import Database
from tests.e2e.harness import clean, create_pg_database, drop_pg_database
from tests.required import require_postgres

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database per test module (other suites share the `test` database)."""
    require_postgres()
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'fairbot.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    database = Database(url)
    await database.migrate()
    await clean(database)
    yield database
    await database.dispose()
