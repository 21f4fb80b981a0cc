"""The database schema: everything a conversation needs, nothing about a person beyond what counselling needs.

Privacy by design: a person is a channel plus an opaque id (Telegram chat id or a
random web-chat session id) and a language; no names, no phone numbers. Deleting a
person cascades to every row that came from them.

Timestamps are timezone-aware UTC everywhere (`UTCDateTime` re-attaches UTC on
SQLite, which stores naive values).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC, returns aware datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# Stripped from every stored text (see CleanText) and from every inbound message (Inbound.of): NUL and the other C0 controls but tab and newlines
# (PostgreSQL rejects NUL), the bidi embeddings, overrides and isolates (U+202A-E, U+2066-9: they reorder
# what the console shows, e.g. make "exe.txt" read "txt.exe"), and invisible characters that carry no
# meaning in text (zero-width space, word joiner, invisible operators, BOM). Kept on purpose: U+200C/U+200D
# (Persian needs the non-joiner, emoji sequences the joiner) and the plain LRM/RLM marks.
_UNSAFE = dict.fromkeys(
    [
        *range(0x00, 0x09),
        0x0B,
        0x0C,
        *range(0x0E, 0x20),
        0x7F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x200B,
        0x180E,
        *range(0x2060, 0x2065),
        0xFEFF,
    ]
)
# Lone UTF-16 surrogates (U+D800-DFFF) are not characters: JSON can carry them ("\ud800"), but UTF-8
# cannot encode them, so the database driver and the tokenizer fail on them. Shown as U+FFFD instead.
_UNSAFE.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))


def clean_text(value: str) -> str:
    """`value` without the characters of `_UNSAFE`."""
    return value.translate(_UNSAFE)


class CleanText(TypeDecorator[str]):
    """Text that is cleaned going in and coming out (rows stored before the cleaning are shown clean too)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else clean_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else clean_text(value)


# JSON on every backend; JSONB would be nicer on PostgreSQL but nothing queries inside it.
JSONType = JSON()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime, dict[str, Any]: JSONType}


# Conversation states (the state machine lives in bot/services/conversations/).
STATE_BOT = "bot"
STATE_WAITING = "waiting"
STATE_HUMAN = "human"
STATE_CLOSED = "closed"
STATES = (STATE_BOT, STATE_WAITING, STATE_HUMAN, STATE_CLOSED)


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_person_channel_external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | web
    external_id: Mapped[str] = mapped_column(String(64))  # chat id / web session id
    chosen_lang: Mapped[str | None] = mapped_column(String(8))
    detected_lang: Mapped[str | None] = mapped_column(String(8))
    region: Mapped[str] = mapped_column(String(8), default="ni")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    conversations: Mapped[list[Conversation]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def lang(self) -> str:
        return self.chosen_lang or self.detected_lang or "en"


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (
        Index("ix_conversation_queue", "region", "state", "urgency"),
        Index("ix_conversation_person_state", "person_id", "state"),
        Index("ix_conversation_region_created", "region", "created_at"),  # the archive, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=STATE_BOT)
    region: Mapped[str] = mapped_column(String(8), default="ni")
    topic: Mapped[str | None] = mapped_column(String(64))
    urgency: Mapped[int] = mapped_column(Integer, default=0)  # 0 normal, 1 fallback/request, 2 emergency
    language: Mapped[str | None] = mapped_column(String(8))
    advisor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    consent_given_at: Mapped[dt.datetime | None]
    waiting_since: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(Integer)
    # the guided calculator the person is answering ({kind, step, answers}); None when none is open
    dialog: Mapped[dict[str, Any] | None]

    person: Mapped[Person] = relationship(back_populates="conversations")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Message.id",
    )


class Message(Base):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(4))  # in | out
    author: Mapped[str] = mapped_column(String(8))  # user | bot | advisor | system
    advisor_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(CleanText, default="")
    kind: Mapped[str] = mapped_column(String(16), default="text")  # text | photo | voice | document | ...
    attachment: Mapped[dict[str, Any] | None]  # e.g. {"file_id": ...} for media relayed to the advisor
    entry_id: Mapped[str | None] = mapped_column(String(128))
    entry_version: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    action: Mapped[str | None] = mapped_column(String(16))  # a Reply action, or throttled / media
    lang: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivery_status: Mapped[str | None] = mapped_column(String(8))  # outgoing: queued | sent | failed
    channel_message_id: Mapped[str | None] = mapped_column(String(64))
    # The button rows under an outgoing message, [[{"text", "data"}]], for a channel that shows the person the
    # record (the web chat re-renders its log from here, on any replica). No personal data: texts and packed ids.
    buttons: Mapped[list[list[dict[str, str]]] | None] = mapped_column(JSONType)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Handoff(Base):
    """A request to hand a conversation to a human: why, how urgent, the packet the advisor sees first."""

    __tablename__ = "handoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # request | fallback | emergency
    urgency: Mapped[int] = mapped_column(Integer, default=1)
    topic: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="consent")  # consent | queued | declined | done
    packet: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[dt.datetime | None]


class Note(Base):
    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(CleanText)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """Helpful / not helpful on a bot answer; "not helpful" and fallbacks feed the unanswered report."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    helpful: Mapped[bool | None] = mapped_column(Boolean)  # None: an unanswered question (fallback)
    question: Mapped[str] = mapped_column(CleanText, default="")
    entry_id: Mapped[str | None] = mapped_column(String(128))
    lang: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ProcessedUpdate(Base):
    """Update ids already handled, so a redelivered update is not answered twice."""

    __tablename__ = "processed_update"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. "telegram:<bot id>"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class InboundUpdate(Base):
    """A Telegram update fetched but not yet handled: the backlog under load, kept where a crash cannot lose it.

    Long polling confirms updates to Telegram as soon as they are stored here, so the process holds the
    whole backlog and can serve an emergency before earlier questions (bot/telegram/intake.py). A row is
    deleted once its update was handled; after a crash the next poller handles what is left, and the
    processed_update claim drops any that had been handled already.
    """

    __tablename__ = "inbound_update"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. "telegram:<bot id>"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payload: Mapped[dict[str, Any]]  # the update as Telegram sent it
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxItem(Base):
    """One call to a channel's API, written in the same transaction as the message it delivers."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32), default="sendMessage")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending | sent | failed
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    # a deadline reminder this row delivers (staged at consent, due days later): it goes when the reminder goes
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminder.id", ondelete="CASCADE"), index=True)


class Reminder(Base):
    """Reminders of one computed deadline the person agreed to (one tap), delivered as future outbox rows.

    Only the date and the language are kept: the texts are in the outbox rows, which cascade with this
    row when the person stops the reminders, is erased, or the retention purge removes it.
    """

    __tablename__ = "reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    # the calculator result the reminders are about; one set of reminders per result
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. dismissal_claim
    deadline: Mapped[dt.date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# ------------------------------------------------------------ console: accounts, audit, editorial, canned replies
# teamlead: an advisor who may also read (never write in) the colleagues' conversations of the region
ROLES = ("advisor", "teamlead", "editor", "admin")
ADVISING_ROLES = ("advisor", "teamlead")  # admins advise only when `Account.advises` is set
AVAILABILITY = ("available", "away")
REVISION_DRAFT = "draft"
REVISION_PUBLISHED = "published"


class Account(Base):
    """A person who logs into the console. There is no default account: the first admin comes from the CLI."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role IN ('advisor', 'teamlead', 'editor', 'admin')", name="role"),
        CheckConstraint("availability IN ('available', 'away')", name="availability"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="advisor")  # advisor | teamlead | editor | admin
    region: Mapped[str] = mapped_column(String(8), default="ni", index=True)
    ui_lang: Mapped[str] = mapped_column(String(8), default="de")
    languages: Mapped[str] = mapped_column(String(64), default="")  # languages the advisor speaks, comma list
    # shown to colleagues choosing whom to transfer a conversation to (set by the advisor or an admin)
    availability: Mapped[str] = mapped_column(String(16), default="available", server_default="available")
    # an admin who also counsels: only then offered as a transfer target (advisors and team leads always are)
    advises: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    # bumped by a password change or disable, so every session cookie issued before stops working
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    # optional second factor (`fairbot user totp NAME`): the shared secret, and the last time step used, so
    # a code seen over a shoulder or in a proxy log cannot be used again
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class AuditEvent(Base):
    """Who looked at or changed what; every opening of a transcript lands here (GDPR accountability)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    region: Mapped[str] = mapped_column(String(8), default="ni")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EntryRevision(Base):
    """One saved state of a knowledge entry; the newest published one per entry is what the bot serves."""

    __tablename__ = "entry_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(128), index=True)
    language: Mapped[str] = mapped_column(String(8), default="*")  # the language edited; "*" = whole entry
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(128), default="")
    data: Mapped[dict[str, Any]]  # the full entry as knowledge.schema.Entry JSON
    state: Mapped[str] = mapped_column(String(16), default=REVISION_DRAFT, index=True)  # draft | published
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    published_at: Mapped[dt.datetime | None]
    # A draft made from an advisor's reply (and the drafts saved after it, until published) goes when
    # that conversation goes (erasure, retention): it was copied out of a person's conversation.
    source_conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )


class CannedReply(Base):
    """A prepared advisor reply in one language, put into the reply box and edited before sending."""

    __tablename__ = "canned_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(CleanText)
    region: Mapped[str | None] = mapped_column(String(8))  # None = every region
    # approved: offered to advisors; proposed: an advisor's suggestion, offered once an admin approves it
    status: Mapped[str] = mapped_column(String(16), default="approved", server_default="approved", index=True)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # the shipped reply this row was seeded from (knowledge/canned_replies.yaml); None for the service's own
    key: Mapped[str | None] = mapped_column(String(64))
