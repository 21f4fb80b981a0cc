"""Shared test plumbing for the conversation core: databases per backend, one answer service, the running app.

Real parts only: SQLite files and a throw-away PostgreSQL database, the real
AnswerService (loaded once per test session, it holds a model and an index),
the real aiogram dispatcher against the loopback Bot API emulator.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot import events
from bot.app import create_app
from bot.config import Settings
from bot.services.channels import WebChatSender
from bot.services.conversations import ConversationService, ReplyCache
from bot.services.handoff import OpeningHours
from bot.services.throttling import Throttle
from bot.storage.db import Database
from bot.storage.models import Base
from tests import backend
from tests.required import PG_ADMIN_URL


@functools.lru_cache(maxsize=1)
def answer_service() -> Any:
    """One AnswerService per test process, on the project's index under var/ (built once, reused after)."""
    from bot.services.answers import AnswerService

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    if os.environ.get("FAIRBOT_TEST_DATA_DIR"):
        settings = Settings(_env_file=None, fairbot_data_dir=Path(os.environ["FAIRBOT_TEST_DATA_DIR"]))  # type: ignore[call-arg]
    return AnswerService.from_settings(settings)


async def _pg_admin(statement: str) -> None:
    import asyncpg

    dsn = PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _in_thread(statement: str) -> None:
    """Run an admin statement on its own loop: callers may sit inside a running event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _pg_admin(statement)).result()


def create_pg_database() -> str:
    """A fresh database for this test session (other suites share the `test` database)."""
    name = f"fairbot_conv_{uuid.uuid4().hex[:10]}"
    _in_thread(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    _in_thread(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def clean(db: Database) -> None:
    """Empty every table (children first) so tests sharing a PostgreSQL database stay independent."""
    async with db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(text(f'DELETE FROM "{table.name}"'))


def make_settings(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    """Settings for a test's app. Without a `database_url` the suite's backend chooses (tests/backend.py):
    a SQLite file in `tmp_path`, or in the postgres pass a fresh PostgreSQL database and Redis."""
    values: dict[str, Any] = {
        "fairbot_data_dir": tmp_path,
        "database_url": database_url or backend.database_url(tmp_path),
        **(backend.redis_settings() if database_url is None else {"redis_url": None}),
        "fairbot_opening_hours": "Mo-Su 00:00-23:59",
        "fairbot_secret_key": "test-secret-key-not-for-production",  # required with PostgreSQL or Redis
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextlib.asynccontextmanager
async def running_app(settings: Settings, answers: Any) -> AsyncIterator[Any]:
    """The app with its lifespan running (polling mode), without an HTTP server."""
    app = create_app(settings, answers=answers)
    async with app.router.lifespan_context(app):
        yield app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def served_app(settings: Settings, answers: Any) -> AsyncIterator[Any]:
    """The app behind a real uvicorn server (webhook mode needs somebody to POST to)."""
    import uvicorn

    app = create_app(settings, answers=answers)
    config = uvicorn.Config(
        app,
        host=settings.fairbot_host,
        port=settings.fairbot_port,
        log_level="warning",
        lifespan="on",
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(400):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.025)
        else:
            raise TimeoutError("uvicorn did not start")
        yield app
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


def web_conversations(
    db: Database, answers: Any, *, sender: type[WebChatSender] = WebChatSender, throttle: Throttle | None = None
) -> ConversationService:
    """The conversation core with the web channel (its sender is the event bus), open around the clock."""
    bus = events.MemoryEventBus()
    return ConversationService(
        db,
        answers,
        bus,
        {"web": sender(bus)},
        opening_hours=OpeningHours.parse("Mo-Su 00:00-23:59"),
        throttle=throttle,
        reply_cache=ReplyCache(),
    )
