"""The console's staff and editorial records: accounts, audit, knowledge-entry revisions, canned replies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from bot.storage.models.base import Base, CleanText, utcnow

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
