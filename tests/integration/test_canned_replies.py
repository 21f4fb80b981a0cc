"""Canned replies through the real app on SQLite and PostgreSQL: a fresh install offers the shipped set
in the person's language with the service profile's values filled in (a field without a value leaves
its line out); editors edit one; an advisor proposes one, which nobody is offered until an admin
approves it."""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.storage.db import Database
from bot.storage.models import AuditEvent, CannedReply, Conversation, Person, utcnow
from tests.console_user import log_in
from tests.integration.console_apps import backend_app  # noqa: F401  (the fixture)

PROFILE = """operator: Faire Arbeit Niedersachsen
phone: "+49 511 1234567"
opening_hours: "Mo-Fr 09:00-17:00"
"""


async def _waiting(db: Database, lang: str) -> int:
    async with db.transaction() as session:
        person = Person(channel="web", external_id=f"canned-{lang}", chosen_lang=lang)
        session.add(person)
        await session.flush()
        conversation = Conversation(person_id=person.id, state="waiting", language=lang, topic="dismissal", urgency=1)
        conversation.waiting_since = conversation.consent_given_at = utcnow()
        session.add(conversation)
        await session.flush()
        return conversation.id


def _offered(page: str) -> dict[str, str]:
    """The canned-reply choice of a conversation page: "[lang] title" → the text it puts in the reply box."""
    select_html = page[page.index('data-testid="canned-select"') :]
    select_html = select_html[: select_html.index("</select>")]
    options = re.findall(r'<option value="\d+" data-text="([^"]*)">([^<]*)</option>', select_html)
    return {html.unescape(label): html.unescape(text) for text, label in options}


async def test_fresh_install_offers_the_shipped_replies_filled_in(backend_app: Any, tmp_path: Path) -> None:  # noqa: F811
    db: Database = backend_app.state.runtime.db
    # the fixture empties the tables after the start: the start's seeding again, as on a fresh install
    from bot.services.editorial.canned import seed_shipped

    async with db.transaction() as session:
        assert await seed_shipped(session) == 32
    async with db.transaction() as session:
        assert await seed_shipped(session) == 0  # only ever into an empty table
    (tmp_path / "service-profile.yaml").write_text(PROFILE, encoding="utf-8")
    conversation_id = await _waiting(db, "ar")
    advisor = await log_in(backend_app, "bea", "advisor", first_page="/console/inbox")
    assert (await advisor.post(f"/console/conversations/{conversation_id}/claim")).status_code == 303
    offered = _offered((await advisor.get(f"/console/conversations/{conversation_id}")).text)

    # Arabic first, then German and English; every text filled in, no placeholder left
    labels = list(offered)
    assert labels[0].startswith("[ar] ") and {"[de] Abschluss", "[en] Abschluss"} <= set(labels)
    assert not [label for label in labels if label[1:3] not in ("ar", "de", "en")]
    assert all("{" not in text for text in offered.values())
    contact = offered["[ar] Kontakt und Öffnungszeiten"]
    assert "+49 511 1234567" in contact and "Mo-Fr 09:00-17:00" in contact
    assert "البريد الإلكتروني" not in contact  # no e-mail in the profile: no e-mail line
    assert "Faire Arbeit Niedersachsen" in offered["[de] Erste Antwort"]

    # without a profile, the lines that need it go; the contact reply has nothing left and is not offered
    (tmp_path / "service-profile.yaml").unlink()
    bare = _offered((await advisor.get(f"/console/conversations/{conversation_id}")).text)
    assert "[ar] Kontakt und Öffnungszeiten" not in bare
    assert "Beratungsstelle" not in bare["[de] Erste Antwort"] and bare["[de] Erste Antwort"]
    await advisor.client.aclose()


async def test_edit_propose_and_approve(backend_app: Any) -> None:  # noqa: F811
    db: Database = backend_app.state.runtime.db
    conversation_id = await _waiting(db, "tr")
    async with db.transaction() as session:
        session.add(CannedReply(language="tr", title="Selam", text="Merhaba!"))
    editor = await log_in(backend_app, "edda", "editor", first_page="/console/editor/canned")
    advisor = await log_in(backend_app, "bea", "advisor", first_page="/console/inbox")
    admin = await log_in(backend_app, "ada", "admin", first_page="/console/editor/canned")
    async with db.session() as session:
        reply_id = (await session.scalars(select(CannedReply.id).where(CannedReply.title == "Selam"))).one()

    # an editor edits in place (short fields accepted, unknown ones refused)
    await editor.get("/console/editor/canned")
    saved = await editor.post(
        f"/console/editor/canned/{reply_id}", {"language": "tr", "title": "Selam", "text": "Merhaba!\r\nTel: {phone}"}
    )
    assert saved.headers["location"] == "/console/editor/canned?notice=saved"
    refused = await editor.post(
        f"/console/editor/canned/{reply_id}", {"language": "tr", "title": "Selam", "text": "IBAN: {iban}"}
    )
    assert refused.headers["location"].endswith("error=invalid_input")
    async with db.session() as session:
        assert (await session.get(CannedReply, reply_id)).text == "Merhaba!\nTel: {service.phone}"  # type: ignore[union-attr]

    # an advisor proposes one from the conversation page; it is offered to nobody yet
    assert (await advisor.post(f"/console/conversations/{conversation_id}/claim")).status_code == 303
    page = (await advisor.get(f"/console/conversations/{conversation_id}")).text
    assert 'href="/console/canned/propose?lang=tr"' in page
    await advisor.get("/console/canned/propose?lang=tr")
    proposed = await advisor.post(
        "/console/canned/propose", {"language": "tr", "title": "Belgeler", "text": "Lütfen belgeleri gönderin."}
    )
    assert proposed.headers["location"] == "/console/canned/propose?lang=tr&notice=proposed"
    offered = _offered((await advisor.get(f"/console/conversations/{conversation_id}")).text)
    assert "[tr] Selam" in offered and "[tr] Belgeler" not in offered
    assert offered["[tr] Selam"] == "Merhaba!"  # no phone in the profile: its line is left out
    async with db.session() as session:
        proposal = (await session.scalars(select(CannedReply).where(CannedReply.title == "Belgeler"))).one()
    assert proposal.status == "proposed" and proposal.proposed_by == advisor.id

    # editors see the proposal but cannot approve it; an admin can
    listing = (await editor.get("/console/editor/canned")).text
    assert f'data-testid="canned-proposal" data-id="{proposal.id}"' in listing
    assert f"canned-approve-{proposal.id}" not in listing
    assert (await editor.post(f"/console/editor/canned/{proposal.id}/approve")).status_code == 403
    assert f"canned-approve-{proposal.id}" in (await admin.get("/console/editor/canned")).text
    approved = await admin.post(f"/console/editor/canned/{proposal.id}/approve")
    assert approved.headers["location"] == "/console/editor/canned?notice=approved"
    offered = _offered((await advisor.get(f"/console/conversations/{conversation_id}")).text)
    assert offered["[tr] Belgeler"] == "Lütfen belgeleri gönderin."

    async with db.session() as session:
        actions = Counter(
            (await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("canned.%")))).all()
        )
    assert actions == {"canned.edit": 1, "canned.propose": 1, "canned.approve": 1}
    # advisors may not edit or approve
    assert (
        await advisor.post(f"/console/editor/canned/{reply_id}", {"language": "tr", "title": "x", "text": "y"})
    ).status_code == 403
    # a reply deleted meanwhile (another tab, another editor): the page says so and what to do
    gone = await editor.post("/console/editor/canned/999999/delete")
    assert gone.headers["location"].endswith("error=canned_not_found")
    assert "Liste neu laden" in (await editor.get(gone.headers["location"])).text  # the console is German here
    for user in (editor, advisor, admin):
        await user.client.aclose()
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(CannedReply)) == 2
