"""Case management in the console (issue 15, major 8), through the real app on SQLite and PostgreSQL:
the archive (open and closed conversations, text search, filters, role-checked, audited), the team
lead's read-only view of colleagues' conversations, advisors' languages and availability, and a
transfer that lists only active advisors, carries a note for the colleague and tells the person."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.locales import t
from bot.storage.db import Database
from bot.storage.models import Account, AuditEvent, Conversation, Message, Note, Person, utcnow
from tests.console_user import log_in, make_account
from tests.e2e.harness import answer_service, clean, make_settings, running_app
from tests.integration.conftest import BACKENDS


@pytest.fixture(scope="module")
def answers() -> Any:
    return answer_service()


@pytest.fixture(params=BACKENDS)
async def app(request: pytest.FixtureRequest, tmp_path: Path, answers: Any) -> AsyncIterator[Any]:
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    settings = make_settings(tmp_path, url, fairbot_secret_key="casework-test-secret-not-for-production")
    async with running_app(settings, answers) as running:
        await clean(running.state.runtime.db)  # the PostgreSQL database is shared by this module's tests
        yield running


async def _conversation(
    db: Database,
    *,
    text: str,
    state: str = "closed",
    advisor: int | None = None,
    region: str = "ni",
    language: str = "de",
    topic: str = "dismissal",
    channel: str = "web",
    outcome: str | None = None,
    consent: bool = True,
    days_ago: int = 0,
) -> int:
    async with db.transaction() as session:
        person = Person(channel=channel, external_id=f"p-{text[:20]}-{utcnow().timestamp()}", region=region)
        person.chosen_lang = language
        session.add(person)
        await session.flush()
        started = utcnow() - dt.timedelta(days=days_ago)
        conversation = Conversation(
            person_id=person.id,
            region=region,
            state=state,
            language=language,
            topic=topic,
            urgency=1,
            advisor_id=advisor,
            outcome=outcome,
            created_at=started,
            consent_given_at=started if consent else None,
            waiting_since=started if consent else None,
            closed_at=started + dt.timedelta(hours=1) if state == "closed" else None,
        )
        session.add(conversation)
        await session.flush()
        session.add(Message(conversation_id=conversation.id, direction="in", author="user", text=text))
        return conversation.id


async def _audit(db: Database, action: str) -> list[AuditEvent]:
    async with db.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list((await session.scalars(query)).all())


def _listed(page: httpx.Response) -> list[int]:
    assert page.status_code == 200, page.text
    return [int(found) for found in re.findall(r'data-testid="archive-row" data-conversation-id="(\d+)"', page.text)]


async def test_the_archive_finds_open_and_closed_conversations_by_text_and_filters(app: Any) -> None:
    db: Database = app.state.runtime.db
    bea, carl = await log_in(app, "bea"), await log_in(app, "carl")
    closed_de = await _conversation(db, text="Mein Chef hat mir per SMS gekündigt", advisor=bea.id, outcome="answered")
    closed_ru = await _conversation(
        db,
        text="Зарплата не выплачена уже два месяца",
        advisor=bea.id,
        language="ru",
        topic="wage-unpaid",
        channel="telegram",
        outcome="referred",
        days_ago=40,
    )
    open_mine = await _conversation(db, text="Kündigung erhalten, was tun?", state="human", advisor=bea.id)
    waiting = await _conversation(db, text="Bitte Rückruf wegen Kündigung", state="waiting")
    carls = await _conversation(db, text="Kündigung in der Probezeit", advisor=carl.id, outcome="answered")
    elsewhere = await _conversation(db, text="Kündigung Bremen", state="waiting", region="hb")

    # every conversation the advisor may see, closed ones included, newest first; none of a colleague's
    assert _listed(await bea.get("/console/archive")) == [waiting, open_mine, closed_de, closed_ru]
    assert _listed(await carl.get("/console/archive")) == [carls, waiting]

    # text search, case-insensitive in every script, with the matching line shown
    found = await bea.get("/console/archive", q="ЗАРПЛАТА")
    assert _listed(found) == [closed_ru] and "Зарплата не выплачена" in found.text
    assert _listed(await bea.get("/console/archive", q="kündigung")) == [waiting, open_mine]
    assert _listed(await bea.get("/console/archive", q="100%")) == []  # LIKE wildcards are plain text

    # filters, alone and together
    assert _listed(await bea.get("/console/archive", language="ru")) == [closed_ru]
    assert _listed(await bea.get("/console/archive", topic="wage-unpaid")) == [closed_ru]
    assert _listed(await bea.get("/console/archive", outcome="answered")) == [closed_de]
    assert _listed(await bea.get("/console/archive", channel="telegram")) == [closed_ru]
    assert _listed(await bea.get("/console/archive", state="closed")) == [closed_de, closed_ru]
    assert _listed(await bea.get("/console/archive", state="open")) == [waiting, open_mine]
    last_month = (dt.date.today() - dt.timedelta(days=45)).isoformat()
    a_month_ago = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    in_range = await bea.get("/console/archive", date_from=last_month, date_to=a_month_ago)
    assert _listed(in_range) == [closed_ru]
    combined = await bea.get("/console/archive", q="SMS", state="closed", language="de", channel="web")
    assert _listed(combined) == [closed_de]
    assert (await bea.get("/console/archive", date_from="gestern")).status_code == 400
    assert (await bea.get("/console/archive", date_from=a_month_ago, date_to=last_month)).status_code == 400

    # a closed conversation opens from the archive, audited like every transcript
    opened = await bea.get(f"/console/conversations/{closed_de}")
    assert opened.status_code == 200 and "per SMS gekündigt" in opened.text
    assert (await bea.get(f"/console/conversations/{carls}")).status_code == 404
    assert (await bea.get(f"/console/conversations/{elsewhere}")).status_code == 404

    # every archive showing is audited: who, which filters, which conversations; never the search text
    searches = await _audit(db, "archive.search")
    assert searches and all(event.account_id in (bea.id, carl.id) for event in searches)
    ru_search = next(e for e in searches if e.detail.get("text_search") and e.detail["shown"] == [closed_ru])
    assert "ЗАРПЛАТА" not in str(ru_search.detail) and "зарплата" not in str(ru_search.detail).lower()
    used = [e.detail.get("filters") for e in searches]
    assert {"language": "de", "channel": "web", "state": "closed"} in used, used
    for user in (bea, carl):
        await user.client.aclose()


async def test_a_team_lead_reads_colleagues_conversations_read_only_and_audited(app: Any) -> None:
    db: Database = app.state.runtime.db
    bea, lena = await log_in(app, "bea"), await log_in(app, "lena", "teamlead")
    admin = await log_in(app, "ada", "admin")
    beas = await _conversation(db, text="Mein Lohn fehlt seit Mai", state="human", advisor=bea.id)
    beas_closed = await _conversation(db, text="Urlaub abgelehnt", advisor=bea.id, outcome="answered")
    elsewhere = await _conversation(db, text="Lohn fehlt in Bremen", state="human", advisor=99, region="hb")
    bot_only = await _conversation(db, text="Nur mit dem Bot gesprochen", state="bot", consent=False)

    assert _listed(await lena.get("/console/archive")) == [beas_closed, beas]  # not Bremen, not the bot's
    inbox = await lena.get("/console/inbox")
    assert 'href="/console/archive?state=open" data-testid="team-open"' in inbox.text
    assert _listed(await lena.get("/console/archive", state="open")) == [beas]
    assert 'data-testid="team-open"' not in (await bea.get("/console/inbox")).text
    page = await lena.get(f"/console/conversations/{beas}")
    assert page.status_code == 200 and "Mein Lohn fehlt seit Mai" in page.text
    assert 'data-testid="read-only"' in page.text
    for form in ("reply-form", "transfer-form", "close-form", "note-form"):
        assert f'data-testid="{form}"' not in page.text, form
    opens = [e for e in await _audit(db, "transcript.open") if e.account_id == lena.id]
    assert [(int(e.target_id), e.detail) for e in opens] == [(beas, {"read_only": True})]
    assert (await lena.get(f"/console/conversations/{beas}/transcript")).status_code == 200
    refreshes = [e.detail for e in await _audit(db, "transcript.refresh") if e.account_id == lena.id]
    assert refreshes == [{"read_only": True}]

    # read-only means it: no note, no reply, no close, no transfer
    url = f"/console/conversations/{beas}"
    noted = await lena.post(f"{url}/note", {"text": "von der Teamleitung"})
    assert noted.headers["location"].endswith("error=read_only")
    assert "error=" in (await lena.post(f"{url}/reply", {"text": "Hallo"})).headers["location"]
    assert "error=" in (await lena.post(f"{url}/close", {"outcome": "answered"})).headers["location"]
    assert "error=" in (await lena.post(f"{url}/transfer", {"to_advisor": lena.id})).headers["location"]
    async with db.session() as session:
        conversation = await session.get(Conversation, beas)
        assert conversation is not None and (conversation.state, conversation.advisor_id) == ("human", bea.id)
        assert (await session.scalars(select(Note).where(Note.conversation_id == beas))).all() == []
        advisor_lines = await session.scalars(select(Message).where(Message.author == "advisor"))
        assert advisor_lines.all() == []

    # another region's and a bot-only conversation stay closed to the team lead; advisors see no colleague's
    assert (await lena.get(f"/console/conversations/{elsewhere}")).status_code == 404
    assert (await lena.get(f"/console/conversations/{bot_only}")).status_code == 404
    bernd = await log_in(app, "bernd")
    assert (await bernd.get(f"/console/conversations/{beas}")).status_code == 404

    # admins: every region, only what the person agreed to hand over
    assert _listed(await admin.get("/console/archive")) == [elsewhere, beas_closed, beas]
    for user in (bea, lena, admin, bernd):
        await user.client.aclose()


async def test_advisors_keep_their_languages_and_availability_admins_anybody_s(app: Any) -> None:
    db: Database = app.state.runtime.db
    bea, admin = await log_in(app, "bea"), await log_in(app, "ada", "admin")
    saved = await bea.post("/console/me", {"languages": "AR, fa de ar", "availability": "away"})
    assert saved.status_code == 303 and saved.headers["location"] == "/console/me?notice=saved"
    page = await bea.get("/console/me?notice=saved")
    assert 'value="ar, fa, de"' in page.text and 'data-testid="me-saved"' in page.text
    assert re.search(r'class="availability away" data-testid="my-availability"[^>]*>abwesend<', page.text)
    refused = await bea.post("/console/me", {"languages": "arabisch!", "availability": "away"})
    assert refused.status_code == 400 and 'data-testid="me-error"' in refused.text
    assert (await bea.post("/console/me", {"languages": "", "availability": "asleep"})).status_code == 400
    assert (await bea.post(f"/console/team/{admin.id}", {"languages": "en"})).status_code == 403

    await admin.get("/console/team")
    changed = await admin.post(f"/console/team/{bea.id}", {"languages": "tr", "availability": "available"})
    assert changed.status_code == 303
    assert (await admin.post(f"/console/team/{admin.id}", {"languages": "de", "advises": "on"})).status_code == 303
    assert (await admin.post("/console/team/999999", {"languages": "de"})).status_code == 404
    async with db.session() as session:
        stored = {a.id: (a.languages, a.availability, a.advises) for a in (await session.scalars(select(Account)))}
    assert stored[bea.id] == ("tr", "available", False) and stored[admin.id] == ("de", "available", True)
    changes = [(e.account_id, int(e.target_id), e.detail["fields"]) for e in await _audit(db, "account.team")]
    assert changes == [
        (bea.id, bea.id, ["languages", "availability"]),
        (admin.id, bea.id, ["languages", "availability"]),
        (admin.id, admin.id, ["languages", "advises"]),
    ]
    for user in (bea, admin):
        await user.client.aclose()


async def test_a_transfer_offers_active_advisors_carries_a_note_and_tells_the_person(app: Any) -> None:
    db: Database = app.state.runtime.db
    bea = await log_in(app, "bea", languages="de")
    cem = await log_in(app, "cem", languages="ar,de")
    dora = await log_in(app, "dora", "teamlead", languages="fa", availability="away")
    ada = await log_in(app, "ada", "admin")  # does not advise: not offered
    olga = await log_in(app, "olga", "admin", advises=True, languages="ru")
    edda = await log_in(app, "edda", "editor")
    gus = await make_account(app, "gus", disabled=True)
    conversation_id = await _conversation(db, text="عندي مشكلة مع الراتب", state="human", advisor=bea.id, language="ar")
    page = f"/console/conversations/{conversation_id}"

    shown = await bea.get(page)
    targets = re.findall(r'data-testid="transfer-target-(\d+)" data-availability="(\w+)"', shown.text)
    # the available ones first, the one who speaks the person's language (Arabic) first among them
    assert [(int(i), a) for i, a in targets] == [(cem.id, "available"), (olga.id, "available"), (dora.id, "away")]
    for absent in (ada.id, edda.id, gus, bea.id):
        assert f'data-testid="transfer-target-{absent}"' not in shown.text
    assert "ar, de" in shown.text and "abwesend" in shown.text

    # an admin who does not advise is refused like any id outside the list
    refused = await bea.post(f"{page}/transfer", {"to_advisor": ada.id, "note": "x"})
    assert "error=invalid_input" in refused.headers["location"]
    note = "Lohn fehlt seit Mai; sie hat die Abrechnungen. Bitte auf Arabisch weiter."
    moved = await bea.post(f"{page}/transfer", {"to_advisor": cem.id, "note": note})
    assert moved.status_code == 303 and moved.headers["location"] == "/console/inbox"

    async with db.session() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.advisor_id == cem.id
        notes = (await session.scalars(select(Note).where(Note.conversation_id == conversation_id))).all()
        assert [(n.author_id, n.text) for n in notes] == [(bea.id, note)]
        told = (
            await session.scalars(
                select(Message).where(Message.conversation_id == conversation_id, Message.action == "transferred")
            )
        ).all()
    to_person = [m for m in told if m.author == "bot"]
    assert [m.text for m in to_person] == [t("handoff_transferred", "ar")]
    assert to_person[0].text.startswith("يتولى الآن مستشار آخر")
    line = next(m for m in told if m.author == "system")
    assert line.attachment == {"from_advisor": bea.id, "note": note}
    audit = await _audit(db, "conversation.transfer")
    assert [(e.account_id, e.detail) for e in audit] == [(bea.id, {"to": cem.id, "with_note": True})]

    # the colleague finds the note in the conversation, with who handed it over
    taken = await cem.get(page)
    assert 'data-testid="transfer-note"' in taken.text and note in taken.text and "von Bea" in taken.text
    assert 'data-testid="reply-form"' in taken.text
    for user in (bea, cem, dora, ada, olga, edda):
        await user.client.aclose()
