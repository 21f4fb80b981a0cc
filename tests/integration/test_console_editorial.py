"""Editorial workflow on both backends: drafts, stale translations, diff, rollback, publish validation,
unanswered report, reply-to-draft and export back to YAML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.errors import InvalidInput
from bot.services import accounts
from bot.services.editorial import Editorial, EntryInvalid, group_unanswered, revision_diff
from bot.storage.db import Database
from bot.storage.models import Account, Conversation, Feedback, Message, Person
from knowledge.loader import load_entries
from tests.seeding import seed_data_dir

ENTRY = "dismissal-written-form"


@pytest.fixture
def editorial(tmp_path: Path) -> Editorial:
    entries = tmp_path / "entries" / "dismissal"
    entries.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "knowledge" / "entries" / "dismissal" / f"{ENTRY}.yaml", entries)
    seed_data_dir(tmp_path / "var")
    settings = Settings(_env_file=None, fairbot_data_dir=tmp_path / "var", fairbot_entries_dir=tmp_path / "entries")  # type: ignore[call-arg]
    return Editorial(settings)


async def _editor(db: Database) -> Account:
    async with db.transaction() as session:
        return await accounts.create_account(
            session, username="edda", password="a-long-enough-password", role="editor", display_name="Edda"
        )


async def _append_to_answer(db: Database, editorial: Editorial, editor: Account, lang: str, addition: str) -> None:
    """An editor's draft that changes only the answer of one language."""
    async with db.transaction() as session:
        data, _ = await editorial.current(session, ENTRY)
        text = data["texts"][lang]
        await editorial.save_draft(
            session,
            editor,
            ENTRY,
            lang,
            title=text["title"],
            questions=text["questions"],
            answer=text["answer"] + addition,
        )


async def test_german_edit_marks_translations_stale_and_rollback_restores(db: Database, editorial: Editorial) -> None:
    editor = await _editor(db)
    async with db.session() as session:
        rows = await editorial.workspace(session)
    assert [r.entry_id for r in rows] == [ENTRY]
    assert rows[0].source == "yaml" and not rows[0].stale and not rows[0].missing

    await _append_to_answer(db, editorial, editor, "de", " Neu: Fristen beachten.")
    async with db.session() as session:
        row = (await editorial.workspace(session))[0]
        revisions = await editorial.revisions(session, ENTRY)
    assert row.has_draft and set(row.stale) == {"en", "ar", "fa", "ru", "uk", "tr", "fr"}
    assert revisions[0].author_name == "Edda" and revisions[0].state == "draft"
    diff = revision_diff(None, revisions[0].data)
    assert any(kind == "add" and "Neu: Fristen beachten." in line for kind, line in diff)

    # updating one translation clears its stale mark only
    await _append_to_answer(db, editorial, editor, "en", " New: mind the deadlines.")
    async with db.session() as session:
        row = (await editorial.workspace(session))[0]
    assert "en" not in row.stale and "fr" in row.stale

    async with db.transaction() as session:
        revision, entry = await editorial.publish(session, editor, ENTRY)
    assert revision.state == "published" and "Neu: Fristen beachten." in entry.texts["de"].answer
    async with db.session() as session:
        served = await editorial.served_entries(session)
    assert "Neu: Fristen beachten." in served[0].texts["de"].answer

    async with db.transaction() as session:
        first = (await editorial.revisions(session, ENTRY))[0]
        restored = await editorial.rollback(session, editor, first.id)
    assert "New: mind the deadlines." not in restored.data["texts"]["en"]["answer"]


async def test_invalid_drafts_and_publishing_are_refused_with_reasons(db: Database, editorial: Editorial) -> None:
    editor = await _editor(db)
    async with db.transaction() as session:
        with pytest.raises(EntryInvalid, match="plain text"):
            await editorial.save_draft(session, editor, ENTRY, "de", title="T", questions=[], answer="<b>x</b>")
        with pytest.raises(InvalidInput, match="nothing to publish"):
            await editorial.publish(session, editor, ENTRY)


async def test_unanswered_report_variant_and_reply_to_draft(db: Database, editorial: Editorial) -> None:
    editor = await _editor(db)
    async with db.transaction() as session:
        person = Person(channel="web", external_id="abc", region="ni")
        session.add(person)
        await session.flush()
        conversation = Conversation(person_id=person.id, region="ni", topic="dismissal", language="de")
        session.add(conversation)
        await session.flush()
        session.add(
            Message(conversation_id=conversation.id, direction="in", author="user", text="chef sagt tschüss per sms")
        )
        reply = Message(
            conversation_id=conversation.id,
            direction="out",
            author="advisor",
            advisor_id=editor.id,
            text="Eine SMS ist keine wirksame Kündigung.",
            lang="de",
        )
        session.add(reply)
        await session.flush()
        session.add(
            Feedback(conversation_id=conversation.id, helpful=None, question="chef sagt tschüss per sms", lang="de")
        )
        session.add(
            Feedback(conversation_id=conversation.id, helpful=True, question="danke", lang="de", entry_id=ENTRY)
        )
        reply_id = reply.id

    async with db.session() as session:
        items = await editorial.unanswered(session)
    assert [i.question for i in items] == ["chef sagt tschüss per sms"]
    groups = group_unanswered(items)
    assert groups[0][0] == ("dismissal", "de") and items[0].advisor_reply_id == reply_id

    async with db.transaction() as session:
        await editorial.add_question_variant(session, editor, ENTRY, "de", "chef sagt tschüss per sms")
    async with db.session() as session:
        data, state = await editorial.current(session, ENTRY)
    assert state == "draft" and "chef sagt tschüss per sms" in data["texts"]["de"]["questions"]

    async with db.transaction() as session:
        draft = await editorial.draft_from_reply(session, editor, reply_id)
    assert draft.data["topic"] == "dismissal"
    assert draft.data["texts"]["de"]["answer"] == "Eine SMS ist keine wirksame Kündigung."
    async with db.session() as session:
        rows = {r.entry_id: r for r in await editorial.workspace(session)}
    assert rows[draft.entry_id].source == "draft-only" and "en" in rows[draft.entry_id].missing


async def test_export_writes_published_state_back_to_yaml(db: Database, editorial: Editorial, tmp_path: Path) -> None:
    editor = await _editor(db)
    async with db.transaction() as session:
        data, _ = await editorial.current(session, ENTRY)
        german = data["texts"]["de"]
        await editorial.save_draft(
            session,
            editor,
            ENTRY,
            "de",
            title="Kündigung per WhatsApp – gilt das?",
            questions=german["questions"],
            answer=german["answer"],
        )
        await editorial.publish(session, editor, ENTRY)
    out = tmp_path / "export"
    async with db.session() as session:
        written = await editorial.export(session, out)
    assert [p.name for p in written] == [f"{ENTRY}.yaml"]
    exported = load_entries(out)
    assert exported[0].texts["de"].title == "Kündigung per WhatsApp – gilt das?"


def test_kb_export_command_writes_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bot.console.cli import export_command

    source = tmp_path / "entries" / "dismissal"
    source.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "knowledge" / "entries" / "dismissal" / f"{ENTRY}.yaml", source)
    monkeypatch.setenv("FAIRBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FAIRBOT_ENTRIES_DIR", str(tmp_path / "entries"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(export_command, ["--dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "exported 1 entries" in result.output
    assert load_entries(tmp_path / "out")[0].id == ENTRY
