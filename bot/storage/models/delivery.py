"""Update delivery: the updates taken in from a channel and the calls that carry the replies out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


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
