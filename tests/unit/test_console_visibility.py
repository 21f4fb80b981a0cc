"""Who may open which conversation: advisors their region's waiting queue and their own; admins every handed-over one."""

from __future__ import annotations

import pytest

from bot.services.inbox import can_see
from bot.storage.models import Account, Conversation


def _account(role: str, region: str = "ni", account_id: int = 1) -> Account:
    return Account(id=account_id, username=f"u{account_id}", role=role, region=region, password_hash="x")


def _conversation(state: str, advisor_id: int | None = None, region: str = "ni") -> Conversation:
    return Conversation(id=7, person_id=1, state=state, advisor_id=advisor_id, region=region)


@pytest.mark.parametrize(
    ("conversation", "visible"),
    [
        (_conversation("waiting"), True),  # handed over to the team of the region
        (_conversation("human", advisor_id=1), True),  # mine
        (_conversation("closed", advisor_id=1), True),  # mine, earlier
        (_conversation("human", advisor_id=2), False),  # a colleague's
        (_conversation("bot"), False),  # never handed over
        (_conversation("waiting", region="hb"), False),  # another counselling centre
    ],
)
def test_advisor_visibility(conversation: Conversation, visible: bool) -> None:
    assert can_see(_account("advisor"), conversation) is visible


def test_admin_sees_every_handed_over_conversation_but_not_one_that_stayed_with_the_bot() -> None:
    """Without the person's consent to a hand-over an admin needs a reason (bot.services.inbox.ReasonRequired)."""
    import datetime as dt

    admin = _account("admin", region="ni", account_id=9)
    handed_over = _conversation("human", 2, region="hb")
    handed_over.consent_given_at = dt.datetime.now(dt.UTC)
    assert can_see(admin, handed_over)
    assert not can_see(admin, _conversation("bot"))


def _consented(conversation: Conversation) -> Conversation:
    import datetime as dt

    conversation.consent_given_at = dt.datetime.now(dt.UTC)
    return conversation


@pytest.mark.parametrize(
    ("conversation", "sees", "acts"),
    [
        (_conversation("waiting"), True, True),  # the region's queue, like any advisor
        (_consented(_conversation("human", advisor_id=1)), True, True),  # mine
        (_consented(_conversation("human", advisor_id=2)), True, False),  # a colleague's: read only
        (_consented(_conversation("closed", advisor_id=2)), True, False),  # a colleague's, closed
        (_consented(_conversation("human", advisor_id=2, region="hb")), False, False),  # another centre
        (_conversation("bot"), False, False),  # never handed over
    ],
)
def test_a_team_lead_reads_colleagues_conversations_without_writing_in_them(
    conversation: Conversation, sees: bool, acts: bool
) -> None:
    from bot.services.visibility import can_act, read_only

    lead = _account("teamlead")
    assert (can_see(lead, conversation), can_act(lead, conversation)) == (sees, acts)
    assert read_only(lead, conversation) is (sees and not acts)


def test_editors_see_no_conversation() -> None:
    assert not can_see(_account("editor"), _consented(_conversation("waiting")))
