"""`fairbot db`: the database commands an operator runs by hand or from a one-shot container (upgrade, backup, restore)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from bot.config import get_settings
from bot.storage import backup
from bot.storage.backup import default_backup_path
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


class DatabaseCommandError(click.ClickException):
    """One line on stderr, exit code 2 (the CLI's convention for user errors)."""

    exit_code = 2


@db_group.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path | None) -> None:
    """Copy the SQLite database to TARGET (default: <FAIRBOT_DATA_DIR>/backups/fairbot-<UTC time>.db).

    Safe while the bot runs (SQLite's online backup API); the copy is checked before it is reported.
    PostgreSQL is backed up with pg_dump instead (docs/operations.md).
    """
    settings = get_settings()
    path = target or default_backup_path(settings.fairbot_data_dir)
    try:
        info = backup.backup(settings.effective_database_url, path)
    except backup.BackupError as exc:
        raise DatabaseCommandError(exc.message) from None
    click.echo(f"backup written: {info.path} ({info.bytes:,} bytes, schema {info.schema_revision})")


@db_group.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup SOURCE, then upgrade its schema. Stop the app first.

    What the database held before is saved next to it as <name>.before-restore-<UTC time>.db.
    """
    settings = get_settings()
    try:
        info = backup.inspect(source)
        live = backup.sqlite_path(settings.effective_database_url)
    except backup.BackupError as exc:
        raise DatabaseCommandError(exc.message) from None
    if not yes:
        click.confirm(f"Replace {live} with {source} (schema {info.schema_revision})?", abort=True)
    try:
        _, saved = backup.restore(settings.effective_database_url, source)
    except backup.BackupError as exc:
        raise DatabaseCommandError(exc.message) from None
    if saved is not None:
        click.echo(f"previous database saved: {saved}")

    async def upgrade_restored() -> None:
        db = Database(settings.effective_database_url)
        try:
            await db.migrate()
        finally:
            await db.dispose()

    try:
        asyncio.run(upgrade_restored())
    except Exception as exc:  # e.g. a backup from a newer release: its revision is unknown to this one
        raise DatabaseCommandError(
            f"restored, but the schema upgrade failed ({type(exc).__name__}: {str(exc)[:200]}); "
            "restore with the release that wrote the backup, or restore the saved previous database"
        ) from None
    click.echo(f"restored {source}; schema upgraded to head")
