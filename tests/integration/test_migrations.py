"""The Alembic history against the models, on SQLite and PostgreSQL: one head, no drift, every step reversible.

The checks pytest-alembic would run (single head, upgrade, model match, up/down consistency), written
with Alembic's own API: pytest-alembic 0.13 fails to collect under pytest 9.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.storage.db import Database, alembic_config
from bot.storage.models import Base
from tests.e2e.harness import create_pg_database, drop_pg_database
from tests.integration.conftest import BACKENDS

SCRIPTS = ScriptDirectory.from_config(alembic_config("sqlite://"))


def _steps() -> list[tuple[str, str | None]]:
    """Base first: each revision with the one it follows (the history is a line; a merge would show here)."""
    steps: list[tuple[str, str | None]] = []
    for script in reversed(list(SCRIPTS.walk_revisions())):
        previous = script.down_revision
        assert previous is None or isinstance(previous, str), f"{script.revision} merges {previous}"
        steps.append((script.revision, previous))
    return steps


STEPS = _steps()


@pytest.fixture(params=BACKENDS)
async def empty(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database that no migration has touched yet (a fresh one per test on PostgreSQL too)."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'fairbot.db'}")
        yield database
        await database.dispose()
        return
    url = create_pg_database()
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()
        drop_pg_database(url)


def _command(connection: Connection, url: str, name: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    getattr(command, name)(config, revision)


async def _run(database: Database, name: str, revision: str) -> None:
    async with database.engine.begin() as conn:
        await conn.run_sync(_command, database.url, name, revision)


async def _tables(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def _current(database: Database) -> str | None:
    async with database.engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


def _drift(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
    return list(compare_metadata(context, Base.metadata))


def test_one_head() -> None:
    assert len(SCRIPTS.get_heads()) == 1, SCRIPTS.get_heads()
    assert STEPS[0][1] is None and len(STEPS) >= 2


async def test_upgrade_to_head_matches_the_models(empty: Database) -> None:
    await _run(empty, "upgrade", "head")
    assert await _current(empty) == SCRIPTS.get_current_head()
    assert await _tables(empty) == {*Base.metadata.tables, "alembic_version"}
    async with empty.engine.connect() as conn:
        drift = await conn.run_sync(_drift)
    assert drift == [], f"the models and the migrations differ; add a migration for: {drift}"


async def test_every_step_downgrades_and_upgrades_again(empty: Database) -> None:
    """Up one step, down one step, up again, for each revision in order; then all the way down to base."""
    for revision, previous in STEPS:
        await _run(empty, "upgrade", revision)
        tables = await _tables(empty)
        await _run(empty, "downgrade", previous or "base")
        assert await _current(empty) == previous
        await _run(empty, "upgrade", revision)
        assert await _tables(empty) == tables and await _current(empty) == revision
    await _run(empty, "downgrade", "base")
    assert await _current(empty) is None
    assert await _tables(empty) <= {"alembic_version"}
