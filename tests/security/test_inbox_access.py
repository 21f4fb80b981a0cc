"""The advisor inbox: what an admin may open without consent, who a conversation may be transferred to, audits."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.storage.models import Account, AuditEvent, Conversation, Handoff
from tests.security.conftest import Site, csrf_of


async def _bot_only(site: Site, person: str) -> int:
    """A conversation that stayed with the bot: the person never agreed to a hand-over."""
    result = await site.runtime.conversations.handle_incoming("web", person, "Mein Chef zahlt nicht", "de")
    return result.conversation_id


async def _handed_over(site: Site, person: str) -> int:
    core = site.runtime.conversations
    conversation_id = await _bot_only(site, person)
    await core.handle_action("web", person, "adv:request", "de")
    async with site.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff.id).where(Handoff.conversation_id == conversation_id))
    await core.handle_action("web", person, f"consent:{handoff}:y", "de")
    return conversation_id


async def _audit(site: Site, action: str) -> list[AuditEvent]:
    async with site.runtime.db.session() as session:
        return list((await session.scalars(select(AuditEvent).where(AuditEvent.action == action))).all())


async def test_an_admin_opens_a_conversation_without_consent_only_with_an_audited_reason(site: Site) -> None:
    """Finding 7."""
    await site.add_account("ada", "admin")
    admin = site.client()
    assert (await site.login(admin, "ada")).status_code == 303
    private = await _bot_only(site, "p-private")
    shared = await _handed_over(site, "p-shared")
    assert (await admin.get(f"/console/conversations/{shared}")).status_code == 200  # consent: no reason needed
    refused = await admin.get(f"/console/conversations/{private}")
    assert refused.status_code == 403 and 'data-testid="reason-form"' in refused.text
    assert "Mein Chef zahlt nicht" not in refused.text
    assert (await admin.get(f"/console/conversations/{private}/transcript")).status_code == 404
    assert (await admin.get(f"/console/conversations/{private}?reason=check")).status_code == 403  # too short
    reason = "Beschwerde der Person vom 3.12., Ticket 4711"
    opened = await admin.get(f"/console/conversations/{private}", params={"reason": reason})
    assert opened.status_code == 200 and "Mein Chef zahlt nicht" in opened.text
    assert (await admin.get(f"/console/conversations/{private}/transcript")).status_code == 200
    opens = {int(e.target_id): e.detail for e in await _audit(site, "transcript.open")}
    assert opens[private] == {"without_consent": True, "reason": reason}
    assert opens[shared] == {}


async def test_every_showing_of_a_transcript_is_audited(site: Site) -> None:
    """Finding 9: the fragment the page re-fetches on every event shows the transcript too."""
    advisor_id = await site.add_account("bea")
    advisor = site.client()
    assert (await site.login(advisor, "bea")).status_code == 303
    conversation_id = await _handed_over(site, "p-fragment")
    await site.runtime.conversations.claim(conversation_id, advisor_id)
    for _ in range(2):
        assert (await advisor.get(f"/console/conversations/{conversation_id}/transcript")).status_code == 200
    refreshes = await _audit(site, "transcript.refresh")
    assert [(e.account_id, int(e.target_id)) for e in refreshes] == [(advisor_id, conversation_id)] * 2


async def test_a_transfer_goes_only_to_an_active_advisor_of_the_region(site: Site) -> None:
    """Finding 8: any other id used to strand the conversation with nobody who can see it."""
    bea = await site.add_account("bea")
    colleague = await site.add_account("cem")
    editor = await site.add_account("edda", "editor")
    gone = await site.add_account("gus")
    elsewhere = await site.add_account("hal")
    async with site.runtime.db.transaction() as session:
        await session.execute(update(Account).where(Account.id == gone).values(disabled=True))
        await session.execute(update(Account).where(Account.id == elsewhere).values(region="by"))
    client = site.client()
    assert (await site.login(client, "bea")).status_code == 303
    conversation_id = await _handed_over(site, "p-transfer")
    await site.runtime.conversations.claim(conversation_id, bea)
    token = csrf_of((await client.get(f"/console/conversations/{conversation_id}")).text)
    url = f"/console/conversations/{conversation_id}/transfer"
    for target in (999999, editor, gone, elsewhere, bea):
        response = await client.post(url, data={"csrf_token": token, "to_advisor": str(target)})
        assert response.status_code == 303 and "error=" in response.headers["location"], target
        async with site.runtime.db.session() as session:
            assert (await session.get(Conversation, conversation_id)).advisor_id == bea  # type: ignore[union-attr]
    response = await client.post(url, data={"csrf_token": token, "to_advisor": str(colleague)})
    assert response.status_code == 303 and response.headers["location"] == "/console/inbox"
    async with site.runtime.db.session() as session:
        assert (await session.get(Conversation, conversation_id)).advisor_id == colleague  # type: ignore[union-attr]


async def test_an_admin_s_reason_is_redacted_and_does_not_outlive_the_person_s_erasure(site: Site) -> None:
    """Open point of issue 13: the audit log keeps the access, not free text that may describe the person."""
    await site.add_account("ada", "admin")
    admin = site.client()
    assert (await site.login(admin, "ada")).status_code == 303
    private = await _bot_only(site, "p-erased")
    reason = "Frau Yılmaz rief an (0151 2345 6789, ayse.yilmaz@example.org): sie sagt, ihr Chef zahlt nicht"
    assert (await admin.get(f"/console/conversations/{private}", params={"reason": reason})).status_code == 200
    stored = {int(e.target_id): e.detail for e in await _audit(site, "transcript.open")}[private]
    assert stored["without_consent"] is True and "Chef zahlt nicht" in stored["reason"]
    for personal in ("Yılmaz", "0151", "2345", "ayse", "example.org"):
        assert personal not in stored["reason"], personal

    assert await site.runtime.conversations.privacy_service.erase("web", "p-erased", "de")  # the person sent /delete

    events = [e for e in await _audit(site, "transcript.open") if int(e.target_id) == private]
    assert [e.detail for e in events] == [{"without_consent": True, "reason": "[erased with the conversation]"}]
    async with site.runtime.db.session() as session:
        rows = (await session.scalars(select(AuditEvent))).all()
    assert "zahlt nicht" not in str([e.detail for e in rows])
