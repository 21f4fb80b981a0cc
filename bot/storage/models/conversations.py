"""People and their conversations: everything a conversation needs, nothing about a person beyond what counselling needs.

Privacy by design: a person is a channel plus an opaque id (Telegram chat id or a
random web-chat session id) and a language; no names, no phone numbers. Deleting a
person cascades to every row that came from them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models.base import Base, CleanText, JSONType, utcnow

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
