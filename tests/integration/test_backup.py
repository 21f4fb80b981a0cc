"""`fairbot db backup` and `fairbot db restore` as an operator runs them: real processes, a real SQLite database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage.db import Database
from bot.storage.models import Conversation, Message, Person

pytestmark = pytest.mark.first_pass_only  # `fairbot db backup` copies the SQLite file

ROOT = Path(__file__).resolve().parents[2]


def _fairbot(data_dir: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRBOT_", "DATABASE_", "REDIS_"))}
    env.update({"PYTHONPATH": str(ROOT), "FAIRBOT_DATA_DIR": str(data_dir)})
    if database_url:
        env["DATABASE_URL"] = database_url
        env["FAIRBOT_SECRET_KEY"] = "backup-test-secret"
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=data_dir,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def _rows(path: Path, query: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


async def _seed(data_dir: Path) -> Path:
    path = data_dir / "fairbot.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    async with db.transaction() as session:
        person = Person(channel="web", external_id="ana", chosen_lang="de")
        session.add(person)
        await session.flush()
        conversation = Conversation(person_id=person.id, state="waiting", language="de")
        session.add(conversation)
        await session.flush()
        session.add(
            Message(conversation_id=conversation.id, direction="in", author="user", text="Kündigung – was tun?")
        )
    await db.dispose()
    return path


async def test_backup_then_restore_brings_back_exactly_the_backed_up_state(tmp_path: Path) -> None:
    live = await _seed(tmp_path)
    # A writer in the middle of a transaction: the backup is a consistent snapshot without it.
    writer = sqlite3.connect(live)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO person (channel, external_id, region, created_at, last_seen_at) "
        "VALUES ('web', 'uncommitted', 'ni', '2026-01-01', '2026-01-01')"
    )
    try:
        made = _fairbot(tmp_path, "db", "backup")
    finally:
        writer.rollback()
        writer.close()
    assert made.returncode == 0, made.stderr
    backup_file = Path(made.stdout.split("backup written: ", 1)[1].split(" (", 1)[0])
    assert backup_file.parent == tmp_path / "backups" and backup_file.name.startswith("fairbot-")
    assert _rows(backup_file, "SELECT external_id FROM person") == [("ana",)]
    assert _rows(backup_file, "SELECT text FROM message") == [("Kündigung – was tun?",)]

    # Life goes on after the backup: a conversation is erased, another person writes.
    connection = sqlite3.connect(live)
    with connection:
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("DELETE FROM conversation")
        connection.execute(
            "INSERT INTO person (channel, external_id, region, created_at, last_seen_at) "
            "VALUES ('web', 'later', 'ni', '2026-01-02', '2026-01-02')"
        )
    connection.close()
    assert _rows(live, "SELECT count(*) FROM message") == [(0,)]

    restored = _fairbot(tmp_path, "db", "restore", str(backup_file), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert _rows(live, "SELECT external_id FROM person ORDER BY id") == [("ana",)]
    assert _rows(live, "SELECT text FROM message") == [("Kündigung – was tun?",)]
    assert _rows(live, "PRAGMA integrity_check") == [("ok",)]
    saved = Path(restored.stdout.split("previous database saved: ", 1)[1].splitlines()[0])
    assert sorted(_rows(saved, "SELECT external_id FROM person")) == [("ana",), ("later",)]


async def test_restore_refuses_what_is_not_a_fairbot_backup_and_asks_first(tmp_path: Path) -> None:
    live = await _seed(tmp_path)
    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database", encoding="utf-8")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()

    for bad, reason in (
        (text_file, "is not a SQLite database"),
        (other, "not a fairbot one"),
        (tmp_path / "missing.db", "does not exist"),
    ):
        refused = _fairbot(tmp_path, "db", "restore", str(bad), "--yes")
        assert refused.returncode == 2 and reason in refused.stderr, refused.stderr

    made = _fairbot(tmp_path, "db", "backup", str(tmp_path / "copy.db"))
    assert made.returncode == 0, made.stderr
    unconfirmed = _fairbot(tmp_path, "db", "restore", str(tmp_path / "copy.db"))  # no terminal to say yes
    assert unconfirmed.returncode == 1 and "Aborted" in unconfirmed.stderr
    assert _rows(live, "SELECT external_id FROM person") == [("ana",)]
    again = _fairbot(tmp_path, "db", "backup", str(tmp_path / "copy.db"))
    assert again.returncode == 2 and "exists already" in again.stderr


@pytest.mark.postgres
def test_postgresql_is_backed_up_with_pg_dump(tmp_path: Path) -> None:
    refused = _fairbot(tmp_path, "db", "backup", database_url="postgresql+asyncpg://fairbot:pw@127.0.0.1:5432/fairbot")
    assert refused.returncode == 2
    assert "pg_dump" in refused.stderr and "pw" not in refused.stderr


async def test_a_backup_from_an_older_release_is_restored_and_upgraded(tmp_path: Path) -> None:
    """A database as the release before the console tables' successors left it (schema 0002), with people in it."""
    from alembic.script import ScriptDirectory

    from bot.storage.db import alembic_config

    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir()
    old = old_dir / "fairbot.db"
    db = Database(f"sqlite+aiosqlite:///{old}")
    await db.migrate("0002")
    await db.dispose()
    connection = sqlite3.connect(old)
    with connection:
        at = "2026-11-20 09:00:00.000000"
        connection.execute(
            "INSERT INTO person (id, channel, external_id, chosen_lang, region, created_at, last_seen_at) "
            "VALUES (1, 'telegram', '4242', 'ar', 'ni', ?, ?)",
            (at, at),
        )
        connection.execute(
            "INSERT INTO conversation (id, person_id, state, region, urgency, language, waiting_since, "
            "consent_given_at, created_at, updated_at) VALUES (1, 1, 'waiting', 'ni', 2, 'ar', ?, ?, ?, ?)",
            (at, at, at, at),
        )
        connection.execute(
            "INSERT INTO message (conversation_id, direction, author, text, kind, created_at) "
            "VALUES (1, 'in', 'user', 'صاحب العمل لا يدفع الأجر', 'text', ?)",
            (at,),
        )
    connection.close()

    made = _fairbot(old_dir, "db", "backup", str(tmp_path / "old-release.db"))
    assert made.returncode == 0 and "schema 0002" in made.stdout, made.stdout + made.stderr
    new_dir.mkdir()
    restored = _fairbot(new_dir, "db", "restore", str(tmp_path / "old-release.db"), "--yes")
    assert restored.returncode == 0, restored.stderr

    live = new_dir / "fairbot.db"
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert _rows(live, "SELECT version_num FROM alembic_version") == [(head,)]
    assert _rows(live, "SELECT text FROM message") == [("صاحب العمل لا يدفع الأجر",)]
    upgraded = Database(f"sqlite+aiosqlite:///{live}")
    try:
        async with upgraded.session() as session:
            conversation = await session.get(Conversation, 1)  # read through today's models
        assert conversation is not None and conversation.state == "waiting" and conversation.urgency == 2
        assert conversation.waiting_since is not None and conversation.waiting_since.tzinfo is not None
    finally:
        await upgraded.dispose()
