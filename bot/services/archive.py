"""The conversation archive: every conversation an account may see, open or closed, with text search
and filters by language, topic, outcome, channel, state and date.

Why: a closed conversation used to vanish from the console, so an advisor could not look up what was
said when the person came back, and a team lead could not follow a colleague's case. The listing uses
the same visibility rule as the conversation page (`bot.services.visibility.visible_clause`), so the
archive never shows a conversation its page would refuse. A search shows matching lines of the
transcripts, so every showing is audited (`archive.search`: the filters used, whether there was a
search text, and which conversations were listed; never the search text, which may name a person).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from bot.errors import InvalidInput
from bot.services import accounts
from bot.services.deadlines import BERLIN
from bot.services.visibility import visible_clause
from bot.storage.db import Database
from bot.storage.models import STATE_CLOSED, STATES, Account, Conversation, Message, Note, Person

PAGE_SIZE = 50
MAX_QUERY = 200
SNIPPET = 140  # characters around the first match
CHANNELS = ("telegram", "web")
STATE_FILTERS = ("open", "closed")
TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class ArchiveQuery:
    """What the archive form sends; every field optional. Dates are days in Berlin, both inclusive."""

    q: str = ""
    language: str = ""
    topic: str = ""
    outcome: str = ""
    channel: str = ""
    state: str = ""  # "" | open | closed
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1

    def checked(self) -> ArchiveQuery:
        if len(self.q) > MAX_QUERY:
            raise InvalidInput(f"the search text is longer than {MAX_QUERY} characters")
        if self.channel and self.channel not in CHANNELS:
            raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}")
        if self.state and self.state not in STATE_FILTERS:
            raise InvalidInput(f"state must be one of {', '.join(STATE_FILTERS)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput("the date range ends before it starts")
        return ArchiveQuery(**{**self.__dict__, "q": self.q.strip(), "page": max(1, self.page)})

    def used(self) -> dict[str, str]:
        """The filters set, for the audit log (the search text is left out: it may name a person)."""
        skip = ("q", "page")
        return {
            f.name: str(getattr(self, f.name)) for f in fields(self) if f.name not in skip and getattr(self, f.name)
        }


@dataclass
class ArchiveRow:
    id: int
    state: str
    language: str | None
    topic: str | None
    outcome: str | None
    channel: str
    urgency: int
    advisor_id: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    snippets: list[str] = field(default_factory=list)


def _fold(column: Any, dialect: str) -> ColumnElement[str]:
    """Case-insensitive matching in every script: SQLite's own lower() knows only ASCII (no Cyrillic),
    so on SQLite the connection's `casefold` (bot.storage.db) does it."""
    return func.casefold(column) if dialect == "sqlite" else func.lower(column)


def _needle(text: str, dialect: str) -> str:
    return text.casefold() if dialect == "sqlite" else text.lower()


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), BERLIN).astimezone(dt.UTC)


def snippet(text: str, needle: str) -> str:
    """The line around the first match, so the advisor sees why the conversation was found
    (a bot answer's Telegram HTML as plain text)."""
    text = html.unescape(TAG.sub("", text))
    at = text.casefold().find(needle.casefold())
    if at < 0:
        return text[:SNIPPET]
    start = max(0, at - SNIPPET // 3)
    if start:  # begin at a word, not inside one
        space = text.find(" ", start, at)
        start = space + 1 if space >= 0 else start
    part = text[start : start + SNIPPET]
    return ("…" if start else "") + part + ("…" if start + SNIPPET < len(text) else "")


@dataclass
class Archive:
    """One account's archive; built per request over the runtime's database."""

    db: Database

    async def search(self, account: Account, query: ArchiveQuery) -> dict[str, Any]:
        """The page of conversations matching `query` that `account` may see, newest first; audited."""
        query = query.checked()
        dialect = self.db.engine.dialect.name
        statement = (
            select(Conversation, Person.channel)
            .join(Person, Person.id == Conversation.person_id)
            .where(visible_clause(account))
        )
        if query.language:
            statement = statement.where(Conversation.language == query.language)
        if query.topic:
            statement = statement.where(Conversation.topic == query.topic)
        if query.outcome:
            statement = statement.where(Conversation.outcome == query.outcome)
        if query.channel:
            statement = statement.where(Person.channel == query.channel)
        if query.state == "closed":
            statement = statement.where(Conversation.state == STATE_CLOSED)
        elif query.state == "open":
            statement = statement.where(Conversation.state.in_([s for s in STATES if s != STATE_CLOSED]))
        if query.date_from:
            statement = statement.where(Conversation.created_at >= _day_start(query.date_from))
        if query.date_to:
            statement = statement.where(Conversation.created_at < _day_start(query.date_to + dt.timedelta(days=1)))
        needle = _needle(query.q, dialect)
        if needle:
            in_messages = exists().where(
                Message.conversation_id == Conversation.id,
                Message.author != "system",
                _fold(Message.text, dialect).contains(needle, autoescape=True),
            )
            in_notes = exists().where(
                Note.conversation_id == Conversation.id, _fold(Note.text, dialect).contains(needle, autoescape=True)
            )
            statement = statement.where(or_(in_messages, in_notes))
        offset = (query.page - 1) * PAGE_SIZE
        statement = statement.order_by(Conversation.created_at.desc(), Conversation.id.desc())
        statement = statement.offset(offset).limit(PAGE_SIZE + 1)
        async with self.db.transaction() as session:
            found = (await session.execute(statement)).all()
            rows = [_row(conversation, channel) for conversation, channel in found[:PAGE_SIZE]]
            if needle and rows:
                await _add_snippets(session, rows, needle, dialect)
            names = {a.id: a.display_name for a in await accounts.colleagues(session, account.region)}
            await accounts.audit(
                session,
                account.id,
                "archive.search",
                "archive",
                "",
                region=account.region,
                filters=query.used() or None,
                text_search=bool(needle) or None,
                shown=[row.id for row in rows],
            )
        return {
            "rows": rows,
            "query": query,
            "page": query.page,
            "more": len(found) > PAGE_SIZE,
            "advisor_names": names,
        }


def _row(conversation: Conversation, channel: str) -> ArchiveRow:
    return ArchiveRow(
        id=conversation.id,
        state=conversation.state,
        language=conversation.language,
        topic=conversation.topic,
        outcome=conversation.outcome,
        channel=channel,
        urgency=conversation.urgency,
        advisor_id=conversation.advisor_id,
        created_at=conversation.created_at,
        closed_at=conversation.closed_at,
    )


async def _add_snippets(session: Any, rows: list[ArchiveRow], needle: str, dialect: str) -> None:
    """Up to two matching lines per conversation listed (messages first, then notes)."""
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    matches = await session.execute(
        select(Message.conversation_id, Message.text)
        .where(
            Message.conversation_id.in_(ids),
            Message.author != "system",
            _fold(Message.text, dialect).contains(needle, autoescape=True),
        )
        .order_by(Message.id)
    )
    notes = await session.execute(
        select(Note.conversation_id, Note.text)
        .where(Note.conversation_id.in_(ids), _fold(Note.text, dialect).contains(needle, autoescape=True))
        .order_by(Note.id)
    )
    for conversation_id, text in [*matches.all(), *notes.all()]:
        row = by_id[conversation_id]
        if len(row.snippets) < 2:
            row.snippets.append(snippet(text, needle))
