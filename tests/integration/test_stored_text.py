"""What is stored of a text, and what stays of it after erasure: on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Handoff, Message, Note
from tests.e2e.harness import answer_service, web_conversations


@pytest.fixture(scope="module")
def answers() -> Any:
    return answer_service()


async def test_nul_bidi_overrides_and_invisible_characters_are_removed(db: Database, answers: Any) -> None:
    """Finding 18: NUL is not stored raw (PostgreSQL refused it), bidi overrides cannot reorder the console."""
    service = web_conversations(db, answers)
    spoof = "Rechnung\u202egnp.exe\u202c, Lohn\x00 fehlt\u200b seit\u2066 März\u2069\ufeff"
    persian = "می\u200cخواهم"  # the zero-width non-joiner belongs to Persian spelling: kept
    result = await service.handle_incoming("web", "p-text", f"{spoof} {persian}", "de")
    await service.handle_action("web", "p-text", "adv:request", "de")
    async with db.session() as session:
        handoff = await session.scalar(select(Handoff.id).where(Handoff.conversation_id == result.conversation_id))
    await service.handle_action("web", "p-text", f"consent:{handoff}:y", "de")
    await service.claim(result.conversation_id, 3)
    await service.add_note(result.conversation_id, 3, "Notiz\u202e gnirts\x00")
    async with db.session() as session:
        question = await session.scalar(select(Message.text).where(Message.direction == "in"))
        note = await session.scalar(select(Note.text))
    assert question == "Rechnunggnp.exe, Lohn fehlt seit März می\u200cخواهم"
    assert note == "Notiz gnirts"


@pytest.mark.first_pass_only
async def test_erased_text_does_not_linger_in_the_sqlite_file(tmp_path: Path, answers: Any) -> None:
    """Finding 15: secure_delete and a checkpoint after erasure, and the files are the owner's only."""
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    path = data / "fairbot.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    try:
        service = web_conversations(db, answers)
        marker = "Meine Nummer ist 0151-MARKER-4242"
        await service.handle_incoming("web", "p-file", marker, "de")
        await service.handle_incoming("web", "p-keep", "Wie hoch ist der Mindestlohn?", "de")
        assert await service.privacy_service.erase("web", "p-file", "de")
        for part in (path, path.with_name("fairbot.db-wal")):
            if part.exists():
                assert b"MARKER-4242" not in part.read_bytes(), part.name
                assert stat.S_IMODE(part.stat().st_mode) == 0o600, part.name
    finally:
        await db.dispose()
    assert b"MARKER-4242" not in path.read_bytes()
