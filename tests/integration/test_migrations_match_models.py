"""The migrations build exactly the schema the models describe (a column added to a model needs its migration)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.storage.db import Database
from bot.storage.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, Base.metadata))


async def test_sqlite_after_all_migrations_has_no_difference_to_the_models(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}")
    try:
        await db.migrate()
        async with db.engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await db.engine.dispose()
    assert differences == []
