"""`fairbot db`: the database commands an operator runs by hand or from a one-shot container (upgrade, backup, restore)."""

from __future__ import annotations

import asyncio

import click

from bot.config import get_settings
from bot.storage.db import Database


@click.group("db")
def db_group() -> None:
    """The database: schema upgrades, backups and restores."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
def upgrade(revision: str) -> None:
    """Upgrade the schema of DATABASE_URL (what `fairbot run` does at start; replicas take turns)."""

    async def run() -> None:
        db = Database(get_settings().effective_database_url)
        try:
            await db.migrate(revision)
        finally:
            await db.dispose()

    asyncio.run(run())
    click.echo(f"database schema at {revision}")
