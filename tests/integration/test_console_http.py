"""The console over HTTP without a browser: the real app (lifespan, middleware, CSRF, sessions) on SQLite,
driven through httpx's ASGI transport. The inbox: claim, a lost claim race, another region's advisor,
the audited transcript opening, transfer, and close with its checks; the editor: a draft validated,
saved and audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import AuditEvent, Conversation, Handoff, Message, Person, utcnow
from tests.console_user import log_in
from tests.e2e.harness import answer_service, make_settings, running_app


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, fairbot_secret_key="asgi-test-secret-not-for-production")
    async with running_app(settings, answer_service()) as running:
        yield running


async def _waiting_conversation(db: Database, region: str = "ni") -> int:
    """A person who consented to a hand-over and waits in the queue of `region`."""
    async with db.transaction() as session:
        person = Person(channel="web", external_id=f"asgi-{region}", region=region, chosen_lang="de")
        session.add(person)
        await session.flush()
        conversation = Conversation(
            person_id=person.id, region=region, state="waiting", language="de", topic="dismissal", urgency=1
        )
        conversation.waiting_since = conversation.consent_given_at = utcnow()
        session.add(conversation)
        await session.flush()
        session.add(Message(conversation_id=conversation.id, direction="in", author="user", text="Gekündigt per SMS"))
        session.add(
            Handoff(
                conversation_id=conversation.id,
                reason="request",
                status="queued",
                topic="dismissal",
                packet={"language": "de", "topic": "dismissal"},
                queued_at=utcnow(),
            )
        )
        return conversation.id


async def _conversation(db: Database, conversation_id: int) -> Conversation:
    async with db.session() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None
    return conversation


async def _audit(db: Database, action: str) -> list[AuditEvent]:
    async with db.session() as session:
        return list((await session.scalars(select(AuditEvent).where(AuditEvent.action == action))).all())


async def test_claim_transfer_and_close(app: Any) -> None:
    db: Database = app.state.runtime.db
    bea, carl, hanna = await log_in(app, "bea"), await log_in(app, "carl"), await log_in(app, "hanna", region="hb")
    conversation_id = await _waiting_conversation(db)
    page = f"/console/conversations/{conversation_id}"

    # the queue of the region shows it; another counselling centre neither sees nor claims it
    assert f"claim-{conversation_id}" in (await bea.get("/console/inbox/queue")).text
    assert f"claim-{conversation_id}" not in (await hanna.get("/console/inbox/queue")).text
    assert (await hanna.get(page)).status_code == 404
    assert (await hanna.post(f"{page}/claim")).status_code == 404

    # one claim wins, the colleague's loses with the queue shown again
    claimed = await bea.post(f"{page}/claim")
    assert claimed.status_code == 303 and claimed.headers["location"] == page
    assert (await carl.post(f"{page}/claim")).status_code == 409
    conversation = await _conversation(db, conversation_id)
    assert (conversation.state, conversation.advisor_id) == ("human", bea.id)

    # opening the transcript is audited; a colleague cannot open someone else's conversation
    opened = await bea.get(page)
    assert opened.status_code == 200 and "Gekündigt per SMS" in opened.text
    assert [(e.account_id, e.target_id) for e in await _audit(db, "transcript.open")] == [
        (bea.id, str(conversation_id))
    ]
    assert (await carl.get(page)).status_code == 404

    # transfer: only the assigned advisor may hand it on; it is audited and lands with the colleague
    refused = await carl.post(f"{page}/transfer", {"to_advisor": carl.id})
    assert refused.status_code == 303 and "error=not_assigned" in refused.headers["location"]
    moved = await bea.post(f"{page}/transfer", {"to_advisor": carl.id})
    assert moved.status_code == 303 and moved.headers["location"] == "/console/inbox"
    assert (await _conversation(db, conversation_id)).advisor_id == carl.id
    assert [e.account_id for e in await _audit(db, "conversation.transfer")] == [bea.id]
    assert (await carl.get(page)).status_code == 200

    # close: an unknown outcome and the previous advisor are refused, the assigned advisor closes
    bogus = await carl.post(f"{page}/close", {"outcome": "bogus"})
    assert bogus.headers["location"] == f"{page}?error=invalid_input"
    foreign = await bea.post(f"{page}/close", {"outcome": "answered"})
    assert foreign.headers["location"] == f"{page}?error=not_visible"
    assert (await _conversation(db, conversation_id)).state == "human"
    closed = await carl.post(f"{page}/close", {"outcome": "answered"})
    assert closed.status_code == 303 and closed.headers["location"] == "/console/inbox"
    conversation = await _conversation(db, conversation_id)
    assert (conversation.state, conversation.outcome) == ("closed", "answered")
    for advisor in (bea, carl, hanna):
        await advisor.client.aclose()


async def test_actions_need_a_login_and_the_csrf_token(app: Any) -> None:
    db: Database = app.state.runtime.db
    conversation_id = await _waiting_conversation(db)
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")
    response = await anonymous.get(f"/console/conversations/{conversation_id}")
    assert response.status_code == 303 and response.headers["location"].startswith("/console/login")
    await anonymous.aclose()

    bea = await log_in(app, "bea")
    forged = await bea.client.post(f"/console/conversations/{conversation_id}/claim", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert (await _conversation(db, conversation_id)).state == "waiting"
    await bea.client.aclose()


async def test_editor_draft_is_validated_saved_and_audited(app: Any) -> None:
    db: Database = app.state.runtime.db
    editor = await log_in(app, "edda", "editor", first_page="/console/editor")
    entry = "/console/editor/entries/dismissal-written-form"
    page = await editor.get(f"{entry}?lang=en")
    assert page.status_code == 200 and 'data-testid="entry-answer"' in page.text

    # HTML in an answer is refused with the reason, and the form keeps what the editor typed
    rejected = await editor.post(f"{entry}/text/de", {"title": "Kündigung per SMS", "answer": "<b>fett</b>"})
    assert rejected.status_code == 422 and "Kündigung per SMS" in rejected.text and "plain text" in rejected.text
    assert await _audit(db, "entry.draft") == []

    saved = await editor.post(
        f"{entry}/text/de",
        {
            "title": "Kündigung per SMS?",
            "answer": "Eine SMS ist keine wirksame Kündigung.",
            "questions": "sms\nwhatsapp",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{entry}?lang=de&notice=saved"
    assert [e.target_id for e in await _audit(db, "entry.draft")] == ["dismissal-written-form"]
    workspace = await editor.get("/console/editor?state=draft")
    assert "entry-link-dismissal-written-form" in workspace.text
    await editor.client.aclose()


async def test_a_conversation_nobody_claimed_cannot_be_closed_as_answered(app: Any) -> None:
    """Issue 15, blocker 3: an emergency nobody took must not disappear from the queue as "answered"."""
    db: Database = app.state.runtime.db
    bea = await log_in(app, "bea")
    conversation_id = await _waiting_conversation(db)
    page = f"/console/conversations/{conversation_id}"

    opened = await bea.get(page)
    assert 'data-testid="close-form"' in opened.text
    assert 'value="answered"' not in opened.text  # not even offered while nobody has answered
    refused = await bea.post(f"{page}/close", {"outcome": "answered"})
    assert refused.status_code == 303 and refused.headers["location"] == f"{page}?error=never_claimed"
    assert (await _conversation(db, conversation_id)).state == "waiting"
    explained = await bea.get(refused.headers["location"])
    assert "Niemand hat dieses Gespräch bisher beantwortet" in explained.text  # the console speaks German here

    closed = await bea.post(f"{page}/close", {"outcome": "no_response"})  # any other outcome is honest
    assert closed.status_code == 303 and closed.headers["location"] == "/console/inbox"
    conversation = await _conversation(db, conversation_id)
    assert (conversation.state, conversation.outcome) == ("closed", "no_response")
    await bea.client.aclose()
