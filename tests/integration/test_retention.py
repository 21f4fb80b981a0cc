"""The retention purge on SQLite and PostgreSQL: by last activity, whatever the state, people included."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from bot.logs import JsonFormatter
from bot.services import accounts, retention
from bot.services.conversations import ConversationService
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import AuditEvent, Base, Conversation, Handoff, InboundUpdate, Message, Person
from tests import backend
from tests.e2e.harness import answer_service, web_conversations

NAME_AND_PHONE = "Ich heiße Maria Schmidt, meine Nummer ist 0151 2345 6789. Mein Chef zahlt meinen Lohn nicht."


@pytest.fixture(scope="module")
def answers() -> Any:
    return answer_service()


@pytest.fixture
def service(db: Database, answers: Any) -> ConversationService:
    return web_conversations(db, answers)


async def _hand_over(svc: ConversationService, person: str) -> int:
    first = await svc.handle_incoming("web", person, NAME_AND_PHONE, "de")
    await svc.handle_action("web", person, "adv:request", "de")
    async with svc.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == first.conversation_id))
    assert handoff is not None
    await svc.handle_action("web", person, f"consent:{handoff.id}:y", "de")
    return first.conversation_id


async def _count(db: Database, model: type[Base]) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _people_of_every_kind(svc: ConversationService) -> None:
    """Bot-only (never closes), waiting for an advisor, claimed by one, and closed."""
    await svc.handle_incoming("web", "bot-only", NAME_AND_PHONE, "de")
    await _hand_over(svc, "waiting")
    claimed = await _hand_over(svc, "claimed")
    await svc.claim(claimed, 7)
    await svc.advisor_reply(claimed, 7, "Guten Tag Frau Schmidt")
    closed = await _hand_over(svc, "closed")
    await svc.claim(closed, 7)
    await svc.close(closed, 7, "answered")


async def test_a_purge_ten_years_ahead_leaves_nothing_of_anybody(
    service: ConversationService, caplog: pytest.LogCaptureFixture
) -> None:
    await _people_of_every_kind(service)
    assert await _count(service.db, Conversation) >= 4
    ten_years = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)
    with caplog.at_level(logging.INFO, logger="bot.services.retention"):
        counts = await retention.purge(service.db, 180, now=ten_years, bus=service.bus)
    assert counts.conversations >= 4 and counts.closed_first == 2 and counts.people == 4 and counts.messages > 8
    for model in (Conversation, Message, Person, Handoff):
        assert await _count(service.db, model) == 0, model.__name__
    async with service.db.session() as session:  # the name and the number are nowhere, in any table
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all():
                assert "0151" not in str(row) and "Schmidt" not in str(row), table.name
    logged = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.getMessage() == "retention_purge"]
    assert logged and logged[-1]["people"] == 4 and logged[-1]["conversations"] == counts.conversations
    assert "Schmidt" not in caplog.text and "0151" not in caplog.text


async def test_updates_held_but_never_handled_are_purged_after_a_week(db: Database) -> None:
    """A held update keeps the message's text; one a running bot never handled (its token was replaced) must go."""
    async with db.transaction() as session:
        await repo.hold_updates(session, "telegram:old-bot", [(1, {"message": {"text": NAME_AND_PHONE}})])
    assert (await retention.purge(db, 180)).held_updates == 0  # a fresh backlog is kept for the poller
    eight_days = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    assert (await retention.purge(db, 180, now=eight_days)).held_updates == 1
    assert await _count(db, InboundUpdate) == 0


async def test_recent_activity_is_kept_and_a_dry_run_deletes_nothing(service: ConversationService) -> None:
    await _people_of_every_kind(service)
    before = await _count(service.db, Message)
    assert (await retention.purge(service.db, 180)).conversations == 0  # everything is from today
    ten_years = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)
    counts = await retention.purge(service.db, 180, now=ten_years, dry_run=True)
    assert counts.conversations >= 4 and counts.people == 4
    assert await _count(service.db, Message) == before and await _count(service.db, Person) == 4
    # 100 days on nothing is due; a message on day 100 keeps that person's conversation for another 180 days
    day_100 = dt.datetime.now(dt.UTC) + dt.timedelta(days=100)
    async with service.db.transaction() as session:
        waiting = await session.scalar(select(Person.id).where(Person.external_id == "bot-only"))
        conversation = await session.scalar(select(Conversation.id).where(Conversation.person_id == waiting))
        session.add(Message(conversation_id=conversation, direction="in", author="user", text="?", created_at=day_100))
    day_200 = dt.datetime.now(dt.UTC) + dt.timedelta(days=200)
    counts = await retention.purge(service.db, 180, now=day_200)
    assert counts.conversations >= 3 and counts.people == 3
    async with service.db.session() as session:
        assert (await session.scalars(select(Person.external_id))).all() == ["bot-only"]


def test_cli_purge_as_of_and_dry_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answers: Any) -> None:
    import asyncio

    from bot.cli import main

    url = backend.database_url(tmp_path)
    for name, value in backend.environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RETENTION_DAYS", "180")

    async def fill() -> None:
        db = Database(url)
        await db.migrate()
        await _people_of_every_kind(web_conversations(db, answers))
        await db.dispose()

    asyncio.run(fill())
    runner = CliRunner()
    as_of = (dt.date.today() + dt.timedelta(days=3650)).isoformat()
    dry = runner.invoke(main, ["purge", "--as-of", as_of, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would delete" in dry.output and "4 people" in dry.output
    today = runner.invoke(main, ["purge"])
    assert today.exit_code == 0 and "deleted 0 conversations" in today.output
    done = runner.invoke(main, ["purge", "--as-of", as_of])
    assert done.exit_code == 0 and "4 people" in done.output, done.output
    bad = runner.invoke(main, ["purge", "--as-of", "next week"])
    assert bad.exit_code == 2 and "--as-of" in bad.output


async def test_a_purged_conversation_leaves_its_audit_events_without_their_reason_text(
    service: ConversationService,
) -> None:
    """The access stays accountable (who, when, which id); an admin's free text about the person goes."""
    first = await service.handle_incoming("web", "audited", NAME_AND_PHONE, "de")
    async with service.db.transaction() as session:
        await accounts.audit(
            session,
            None,
            "transcript.open",
            "conversation",
            first.conversation_id,
            without_consent=True,
            reason="Maria Schmidt hat angerufen",
        )
    ten_years = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)
    assert (await retention.purge(service.db, 180, now=ten_years, dry_run=True)).conversations >= 1
    async with service.db.session() as session:  # a dry run changes nothing
        assert "Schmidt" in str((await session.scalars(select(AuditEvent.detail))).all())
    await retention.purge(service.db, 180, now=ten_years)
    async with service.db.session() as session:
        details = (await session.scalars(select(AuditEvent.detail))).all()
    assert details == [{"without_consent": True, "reason": accounts.REASON_ERASED}]
