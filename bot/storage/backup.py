"""Backups of the embedded SQLite database with SQLite's online backup API; PostgreSQL is backed up with pg_dump.

The backup API copies a consistent snapshot page by page while the bot keeps
running (WAL mode lets writers go on), unlike copying the file, which can catch
a half-written page or miss what is still in the `-wal` file. A restore copies
the backup into the live database the same way, after saving what was there,
and then upgrades the schema if the backup came from an older release.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.errors import FairbotError

PG_DUMP_HINT = (
    "DATABASE_URL is PostgreSQL: back it up with pg_dump, e.g. "
    "`docker compose exec -T db pg_dump -U fairbot -Fc fairbot > fairbot-$(date +%F).dump`, "
    "and restore with pg_restore (docs/operations.md, Backups)"
)


class BackupError(FairbotError):
    """A backup or restore that cannot be done as asked; the message says what to do instead."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    bytes: int
    tables: int
    schema_revision: str | None


def sqlite_path(database_url: str) -> Path:
    """The file behind a SQLite URL; refuses PostgreSQL (pg_dump) and in-memory databases."""
    url = make_url(database_url)
    if not url.get_backend_name() == "sqlite":
        raise BackupError(PG_DUMP_HINT)
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def default_backup_path(data_dir: Path, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return data_dir / "backups" / f"fairbot-{stamp}.db"


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    with target:
        source.backup(target, pages=1024)


def inspect(path: Path) -> BackupInfo:
    """Check that `path` is an intact fairbot database; its size, table count and Alembic revision."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()
            names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in names:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc})") from None
    if not result or result[0] != "ok":
        raise BackupError(f"{path} is damaged: integrity check says {result[0] if result else 'nothing'}")
    if "alembic_version" not in names or "conversation" not in names:
        raise BackupError(f"{path} is a SQLite database but not a fairbot one (no conversation table)")
    return BackupInfo(path, path.stat().st_size, len(names), revision)


def backup(database_url: str, target: Path) -> BackupInfo:
    """Write a consistent copy of the live SQLite database to `target` (a new file) and check it."""
    source_path = sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path} yet: nothing to back up")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(source_path, timeout=30)
    try:
        destination = sqlite3.connect(partial)
        try:
            _copy(source, destination)
        finally:
            destination.close()
    finally:
        source.close()
    partial.replace(target)  # a crash mid-backup never leaves a file that looks complete
    return inspect(target)


def restore(database_url: str, backup_file: Path) -> tuple[BackupInfo, Path | None]:
    """Replace the live SQLite database's content with `backup_file`; the previous content is saved first.

    Returns the backup's info and where the previous content went (None when there was no database).
    Stop the app first: a running process would keep writing into what is being replaced.
    """
    info = inspect(backup_file)
    target_path = sqlite_path(database_url)
    saved: Path | None = None
    if target_path.is_file():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        saved = target_path.with_name(f"{target_path.stem}.before-restore-{stamp}{target_path.suffix}")
        backup(database_url, saved)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target_path, timeout=30)
        try:
            _copy(source, destination)
        finally:
            destination.close()
    finally:
        source.close()
    return info, saved
