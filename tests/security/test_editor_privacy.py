"""Finding 6: what editors see of people's conversations, and what of it outlives an erasure."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.services.redaction import redact
from bot.storage.models import AuditEvent, Conversation, EntryRevision, Feedback, Handoff, Message
from tests.security.conftest import Site, csrf_of

QUESTION = "Ich heiße Maria Schmidt, Tel. 0151 2345 6789, maria.s@example.org: mein Chef zahlt seit März nicht"
REPLY = "Liebe Frau Schmidt, rufen Sie uns unter 0511 987654 an oder schreiben Sie an IBAN DE89370400440532013000."


def test_redaction_takes_out_numbers_addresses_and_given_names_but_keeps_dates() -> None:
    text = redact(QUESTION + " Gekündigt am 12.03.2025, 40 Stunden.")
    for personal in ("Maria", "Schmidt", "0151", "example.org"):
        assert personal not in text
    assert "[Name]" in text and "[Telefon]" in text and "[E-Mail]" in text and "12.03.2025" in text
    assert redact("Меня зовут Иван Петров") == "Меня зовут [Name]"
    assert redact("I am not sure") == "I am not sure"


async def _conversation_with_reply(site: Site, person: str, advisor_id: int, region: str = "ni") -> tuple[int, int]:
    core = site.runtime.conversations
    first = await core.handle_incoming("web", person, QUESTION, "de")
    await core.handle_action("web", person, "adv:request", "de")
    async with site.runtime.db.transaction() as session:
        handoff = await session.scalar(select(Handoff.id).where(Handoff.conversation_id == first.conversation_id))
    await core.handle_action("web", person, f"consent:{handoff}:y", "de")
    await core.claim(first.conversation_id, advisor_id)
    await core.advisor_reply(first.conversation_id, advisor_id, REPLY)
    async with site.runtime.db.transaction() as session:
        session.add(Feedback(conversation_id=first.conversation_id, helpful=None, question=QUESTION, lang="de"))
        await session.execute(
            update(Conversation).where(Conversation.id == first.conversation_id).values(region=region)
        )
        reply_id = await session.scalar(
            select(Message.id).where(Message.author == "advisor").order_by(Message.id.desc())
        )
    assert reply_id is not None
    return first.conversation_id, reply_id


async def test_editors_see_their_region_redacted_and_drafts_go_with_the_conversation(site: Site) -> None:
    advisor = await site.add_account("bea")
    await site.add_account("edda", "editor")
    _here, reply_id = await _conversation_with_reply(site, "p-here", advisor)
    await _conversation_with_reply(site, "p-elsewhere", advisor, region="by")
    editor = site.client()
    assert (await site.login(editor, "edda")).status_code == 303
    report = await editor.get("/console/editor/unanswered")
    assert report.status_code == 200
    assert report.text.count('data-testid="unanswered-item"') == 1  # only the editor's region
    for personal in ("Schmidt", "0151", "0511", "example.org", "DE89"):
        assert personal not in report.text, personal
    async with site.runtime.db.session() as session:
        views = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "unanswered.view"))).all()
    assert len(views) == 1 and views[0].detail == {"shown": 1}

    token = csrf_of(report.text)
    made = await editor.post(f"/console/editor/replies/{reply_id}/draft", data={"csrf_token": token})
    assert made.status_code == 303
    async with site.runtime.db.session() as session:
        draft = await session.scalar(select(EntryRevision))
    assert draft is not None
    for personal in ("schmidt", "maria", "0151", "0511", "de89"):
        assert personal not in str(draft.data).lower() and personal not in draft.entry_id, personal

    assert await site.runtime.conversations.privacy_service.erase("web", "p-here", "de")
    async with site.runtime.db.session() as session:
        assert await session.scalar(select(EntryRevision)) is None  # the draft went with the conversation
