"""The database schema, one module per area; every name is re-exported here.

- `base`: the declarative base, its naming convention and the column types every model shares
- `conversations`: people, their conversations and what hangs off them (messages, handoffs, notes,
  feedback, deadline reminders)
- `delivery`: update delivery (updates taken in, updates already handled, the outbox)
- `staff`: the console's accounts, audit trail, knowledge-entry revisions and canned replies

Importing this package imports every model module, so SQLAlchemy's registry and `Base.metadata`
(which Alembic compares against, bot/storage/migrations/env.py) hold every table.
"""

from bot.storage.models.base import (
    NAMING_CONVENTION,
    Base,
    CleanText,
    JSONType,
    UTCDateTime,
    clean_text,
    utcnow,
)
from bot.storage.models.conversations import (
    STATE_BOT,
    STATE_CLOSED,
    STATE_HUMAN,
    STATE_WAITING,
    STATES,
    Conversation,
    Feedback,
    Handoff,
    Message,
    Note,
    Person,
    Reminder,
)
from bot.storage.models.delivery import InboundUpdate, OutboxItem, ProcessedUpdate
from bot.storage.models.staff import (
    ADVISING_ROLES,
    AVAILABILITY,
    REVISION_DRAFT,
    REVISION_PUBLISHED,
    ROLES,
    Account,
    AuditEvent,
    CannedReply,
    EntryRevision,
)

__all__ = [
    "ADVISING_ROLES",
    "AVAILABILITY",
    "NAMING_CONVENTION",
    "REVISION_DRAFT",
    "REVISION_PUBLISHED",
    "ROLES",
    "STATES",
    "STATE_BOT",
    "STATE_CLOSED",
    "STATE_HUMAN",
    "STATE_WAITING",
    "Account",
    "AuditEvent",
    "Base",
    "CannedReply",
    "CleanText",
    "Conversation",
    "EntryRevision",
    "Feedback",
    "Handoff",
    "InboundUpdate",
    "JSONType",
    "Message",
    "Note",
    "OutboxItem",
    "Person",
    "ProcessedUpdate",
    "Reminder",
    "UTCDateTime",
    "clean_text",
    "utcnow",
]
