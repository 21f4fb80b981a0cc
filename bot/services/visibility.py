"""Who may see and who may act on which conversation: one rule, as a Python check and as an SQL filter.

Why both forms: the conversation page checks one loaded conversation (`can_see`), the archive
filters thousands in the database (`visible_clause`); the two must never disagree, so they sit
side by side here and a test compares them on the same rows.

- advisors: the waiting queue of their own region (handed over to the team, nobody has taken it)
  and the conversations assigned to them, open or closed;
- team leads: what an advisor sees, and read-only the region's conversations a colleague took;
- admins: every conversation the person agreed to hand over; one that stayed with the bot is
  opened only with an audited reason (`Inbox.open_conversation`), and never listed.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement

from bot.errors import FairbotError
from bot.storage.models import STATE_WAITING, Account, Conversation


class ReadOnly(FairbotError):
    """A team lead reads a colleague's conversation; writing in it stays with the colleague."""

    code = "read_only"


def _advisor_rule(account: Account, conversation: Conversation) -> bool:
    if conversation.region != account.region:
        return False
    return conversation.advisor_id == account.id or (
        conversation.state == STATE_WAITING and conversation.advisor_id is None
    )


def can_see(account: Account, conversation: Conversation) -> bool:
    """May `account` read this conversation (the page, the transcript, the archive)?"""
    if account.role == "admin":
        return conversation.consent_given_at is not None
    if account.role == "teamlead" and conversation.region == account.region:
        colleagues = conversation.advisor_id is not None and conversation.consent_given_at is not None
        return colleagues or _advisor_rule(account, conversation)
    if account.role in ("advisor", "teamlead"):
        return _advisor_rule(account, conversation)
    return False


def can_act(account: Account, conversation: Conversation) -> bool:
    """May `account` write in it (note, close; reply and transfer also need it assigned to them)?
    A team lead's extra reading gives no writing: that stays with the advisor who has the conversation."""
    if account.role == "admin":
        return can_see(account, conversation)
    if account.role in ("advisor", "teamlead"):
        return _advisor_rule(account, conversation)
    return False


def read_only(account: Account, conversation: Conversation) -> bool:
    """Seen, but only as a team lead reading a colleague's conversation (audited as such)."""
    return can_see(account, conversation) and not can_act(account, conversation)


def visible_clause(account: Account) -> ColumnElement[bool]:
    """`can_see` as a WHERE clause over `Conversation` (the archive's listing and search)."""
    advisor_rule = and_(
        Conversation.region == account.region,
        or_(
            Conversation.advisor_id == account.id,
            and_(Conversation.state == STATE_WAITING, Conversation.advisor_id.is_(None)),
        ),
    )
    if account.role == "admin":
        return Conversation.consent_given_at.is_not(None)
    if account.role == "teamlead":
        colleagues = and_(
            Conversation.region == account.region,
            Conversation.advisor_id.is_not(None),
            Conversation.consent_given_at.is_not(None),
        )
        return or_(colleagues, advisor_rule)
    if account.role == "advisor":
        return advisor_rule
    return false()
