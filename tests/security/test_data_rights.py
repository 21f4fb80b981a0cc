"""Finding 11: erasure and a copy of one's data in the web chat, and an admin export for requests by letter."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from bot.storage.models import AuditEvent, Handoff, Person
from tests.security.conftest import Site

ACTION = re.compile(r'data-action="(del:y)"')


async def _people(site: Site) -> int:
    async with site.runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Person)) or 0)


async def test_the_web_chat_understands_privacy_and_delete_like_telegram(site: Site) -> None:
    visitor = site.client()
    token = await site.chat(visitor)
    send = {"csrf_token": token}
    assert (await visitor.post("/chat/send", data={**send, "text": "Mein Chef zahlt nicht"})).status_code == 200
    assert (await visitor.post("/chat/send", data={**send, "text": "/privacy"})).status_code == 200
    page = (await visitor.get("/chat")).text
    assert "/privacy" not in page  # not stored as a question: the notice was sent instead
    assert (await visitor.post("/chat/send", data={**send, "text": "/delete"})).status_code == 200
    page = (await visitor.get("/chat")).text
    assert ACTION.search(page), "the delete question with its yes button"
    assert await _people(site) == 1
    pressed = await visitor.post("/chat/action", data={**send, "data": "del:y"})
    assert pressed.status_code == 200
    assert await _people(site) == 0


async def test_a_visitor_downloads_everything_stored_about_them_and_nobody_else_s(site: Site) -> None:
    maria = site.client("198.51.100.21")
    token = await site.chat(maria)
    await maria.post("/chat/send", data={"csrf_token": token, "text": "Ich heiße Maria, mein Lohn fehlt"})
    other = site.client("198.51.100.22")
    other_token = await site.chat(other)
    assert (await other.get("/chat/export")).status_code == 404  # nothing stored yet
    await other.post("/chat/send", data={"csrf_token": other_token, "text": "Kündigung per WhatsApp?"})
    download = await maria.get("/chat/export")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    data = json.loads(download.content)
    texts = [m["text"] for c in data["conversations"] for m in c["messages"]]
    assert "Ich heiße Maria, mein Lohn fehlt" in texts and not any("WhatsApp" in t for t in texts)
    assert any(m["from"] == "bot" for c in data["conversations"] for m in c["messages"])
    assert (await site.client("198.51.100.23").get("/chat/export")).status_code == 404  # no cookie, no data


async def test_an_admin_exports_a_person_with_notes_audited_and_nobody_else_may(site: Site) -> None:
    advisor_id = await site.add_account("zoltan-adviser")
    await site.add_account("ada", "admin")
    core = site.runtime.conversations
    first = await core.handle_incoming("web", "p-export", "Mein Chef zahlt nicht", "de")
    await core.handle_action("web", "p-export", "adv:request", "de")
    async with site.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff.id).where(Handoff.conversation_id == first.conversation_id))
        person_id = await session.scalar(select(Person.id).where(Person.external_id == "p-export"))
    await core.handle_action("web", "p-export", f"consent:{handoff}:y", "de")
    await core.claim(first.conversation_id, advisor_id)
    await core.advisor_reply(first.conversation_id, advisor_id, "Wir helfen Ihnen.")
    await core.add_note(first.conversation_id, advisor_id, "Lohnabrechnungen anfordern")
    url = f"/console/people/{person_id}/export"
    advisor = site.client("192.0.2.1")
    assert (await site.login(advisor, "zoltan-adviser")).status_code == 303
    assert (await advisor.get(url)).status_code == 403
    admin = site.client("192.0.2.2")
    assert (await site.login(admin, "ada")).status_code == 303
    page = await admin.get(f"/console/conversations/{first.conversation_id}")
    assert 'data-testid="person-export"' in page.text
    exported = await admin.get(url)
    assert exported.status_code == 200
    data = json.loads(exported.content)
    conversation = data["conversations"][0]
    assert [n["text"] for n in conversation["advisor_notes"]] == ["Lohnabrechnungen anfordern"]
    assert {"from": "advisor", "text": "Wir helfen Ihnen."}.items() <= next(
        m for m in conversation["messages"] if m["from"] == "advisor"
    ).items()
    assert "zoltan" not in exported.text  # staff appear by role only
    async with site.runtime.db.session() as session:
        exports = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "person.export"))).all()
    assert [e.target_id for e in exports] == [str(person_id)]
    assert (await admin.get("/console/people/999999/export")).status_code == 404
