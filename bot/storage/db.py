"""Engine, sessions and migrations: one `Database` object per process, built from the URL alone.

SQLite gets WAL, foreign keys and a busy timeout so the embedded default holds
up under concurrent updates; PostgreSQL needs nothing special. Migrations run
through Alembic on the engine's own connection, so `fairbot run` and the tests
migrate the exact database they use.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# An incoming update's id, recorded by the first write transaction its handling opens: the record
# commits together with the effects (messages, outbox rows), so a redelivered update finds it and
# changes nothing, and a failed one leaves no record and is processed again on redelivery.
pending_update: ContextVar[tuple[str, int] | None] = ContextVar("pending_update", default=None)


class DuplicateUpdate(Exception):
    """The update was already processed; the transaction that noticed it was rolled back."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def private_dir(path: Path) -> Path:
    """The data directory, created or tightened to 0700: it holds the database and the secret key."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # not ours to change: leave it as its owner set it
            path.chmod(0o700)
    return path


def _private_sqlite_file(path: Path) -> None:
    """The database file 0600 (SQLite gives its -wal and -shm files the database file's mode).

    A missing folder is created 0700; an existing one is left alone (it may be /tmp): the data dir
    itself is tightened by `private_dir` at start.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # an empty file is an empty database
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        part = path.with_name(name)
        if part.exists() and part.stat().st_mode & 0o077:
            with contextlib.suppress(PermissionError):
                part.chmod(0o600)


def _casefold(value: object) -> str | None:
    return None if value is None else str(value).casefold()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # case-insensitive search in every script (the archive): SQLite's lower() folds ASCII only
    dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)
    cursor = dbapi_connection.cursor()
    # erased and purged rows are overwritten with zeros, not left readable in free pages of the file
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            _private_sqlite_file(Path(path))
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection, url: str, revision: str) -> None:
    from alembic import command

    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


class Database:
    """The engine plus a session factory; `transaction()` is the unit of work (commit or roll back)."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite allows one writer: serialising writers in-process avoids "database is locked" retries.
        self.write_lock = asyncio.Lock() if is_sqlite(url) else None

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    async def migrate(self, revision: str = "head") -> None:
        """`alembic upgrade`; replicas starting together take turns (a PostgreSQL advisory lock)."""
        async with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(727001)"))
            await conn.run_sync(_upgrade, self.url, revision)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read-mostly session; commit is the caller's choice."""
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends, rolled back when it raises."""
        if self.write_lock is None:
            async with self.sessionmaker() as session, session.begin():
                await self._claim_pending(session)
                yield session
            return
        async with self.write_lock, self.sessionmaker() as session, session.begin():
            await self._claim_pending(session)
            yield session

    @staticmethod
    async def _claim_pending(session: AsyncSession) -> None:
        claim = pending_update.get()
        if claim is None:
            return
        from bot.storage.repositories import claim_update

        pending_update.set(None)
        if not await claim_update(session, *claim):
            raise DuplicateUpdate(f"update {claim[1]} from {claim[0]} was already processed")

    async def checkpoint(self) -> None:
        """SQLite: move the WAL into the database file and empty it, so no old page image (erased text) stays."""
        if self.is_sqlite:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def dispose(self) -> None:
        await self.engine.dispose()
