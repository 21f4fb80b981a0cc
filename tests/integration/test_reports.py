"""The funders' report through the real app on SQLite and PostgreSQL: counts by language, topic, channel,
outcome and emergency, waiting and response times, months, the region and date filters, small counts
suppressed, the CSV export (audited), and no personal data on either."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from bot.storage.db import Database
from bot.storage.models import AuditEvent, Conversation, Handoff, Message, Person
from tests.console_user import log_in
from tests.integration.console_apps import backend_app  # noqa: F401  (the fixture)

SECRET = "Mein Chef heißt Hubert Geheim"  # a person's words: never in the report
RANGE = "start=2026-09-01&end=2026-11-30"


def _at(month: int, day: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)


async def _conversation(
    db: Database,
    n: int,
    started: dt.datetime,
    *,
    lang: str = "de",
    topic: str = "dismissal",
    channel: str = "telegram",
    region: str = "ni",
    urgency: int = 0,
    outcome: str | None = None,
    wait: int | None = None,
    respond: int | None = None,
) -> None:
    """One conversation; with `wait`, handed over and claimed `wait` minutes later, answered `respond` after."""
    async with db.transaction() as session:
        person = Person(channel=channel, external_id=f"person-{n}", chosen_lang=lang, region=region)
        session.add(person)
        await session.flush()
        conversation = Conversation(
            person_id=person.id,
            region=region,
            language=lang,
            topic=topic,
            urgency=urgency,
            created_at=started,
            state="closed" if outcome else "bot",
            outcome=outcome,
        )
        session.add(conversation)
        await session.flush()
        session.add(Message(conversation_id=conversation.id, direction="in", author="user", text=SECRET))
        if wait is None:
            return
        asked = started + dt.timedelta(minutes=1)
        session.add(Handoff(conversation_id=conversation.id, reason="request", status="done", queued_at=asked))
        claimed = asked + dt.timedelta(minutes=wait)
        session.add(
            Message(
                conversation_id=conversation.id, direction="out", author="system", action="claimed", created_at=claimed
            )
        )
        if respond is not None:
            reply = claimed + dt.timedelta(minutes=respond)
            session.add(
                Message(
                    conversation_id=conversation.id, direction="out", author="advisor", text="Antwort", created_at=reply
                )
            )


async def _seed(db: Database) -> None:
    """September 5, October 12, November 2 conversations in region ni; one elsewhere, one outside the range."""
    n = 0
    for day in range(5):
        n += 1
        await _conversation(db, n, _at(9, 10 + day), lang="en", channel="web", topic="wage-unpaid")
    waits, responses = [2, 4, 6, 8, 10, 30], [1, 1, 2, 3, 5, 8]
    for i in range(12):
        n += 1
        lang = "de" if i < 6 else "ar" if i < 11 else "fa"
        handed = i < 6
        await _conversation(
            db,
            n,
            _at(10, 1 + i),
            lang=lang,
            urgency=2 if i == 0 else 1 if handed else 0,
            outcome="answered" if handed else None,
            wait=waits[i] if handed else None,
            respond=responses[i] if handed else None,
        )
    for i in range(2):
        n += 1
        await _conversation(db, n, _at(11, 3 + i), lang="uk", channel="web")
    await _conversation(db, 90, _at(10, 5), region="hb", lang="tr")
    await _conversation(db, 91, _at(12, 1), lang="tr")


def _cells(page: str, testid: str) -> dict[str, str]:
    table = page[page.index(f'data-testid="{testid}"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'data-category="([^"]+)"><td>.*?</td><td class="num">([^<]*)</td>', table, flags=re.S)
    return {category: shown.replace("&lt;", "<") for category, shown in rows}


async def test_report_counts_times_and_suppression(backend_app: Any) -> None:  # noqa: F811
    db: Database = backend_app.state.runtime.db
    await _seed(db)
    admin = await log_in(backend_app, "chefin", "admin", first_page="/console/reports")
    page = (await admin.get(f"/console/reports?{RANGE}&region=ni")).text
    assert SECRET not in page and "person-" not in page

    assert re.search(r'data-testid="report-total">19<', page)
    assert re.search(r'data-testid="report-handovers">6<', page)
    assert re.search(r'data-testid="report-emergencies">&lt;5<', page)
    # German 6, English 5, Ukrainian 2 (small), Arabic 5, Persian 1 (small): two small cells hide no other
    assert _cells(page, "report-language") == {"de": "6", "en": "5", "ar": "5", "uk": "<5", "fa": "<5"}
    assert _cells(page, "report-channel") == {"telegram": "12", "web": "7"}
    assert _cells(page, "report-topic") == {"dismissal": "14", "wage-unpaid": "5"}
    # one emergency: "<5", and "no emergency" hidden too, else 19 − 18 would give it away
    assert _cells(page, "report-emergency") == {"no": "x", "yes": "<5"}
    assert _cells(page, "report-outcome") == {"not_closed": "13", "answered": "6"}
    # waits 2, 4, 6, 8, 10, 30 min: median 7, p90 20; responses 1, 1, 2, 3, 5, 8: median 2.5, p90 6.5
    assert "Median 7.0 min · 90 % 20.0 min · n = 6" in page
    assert "Median 2.5 min · 90 % 6.5 min · n = 6" in page

    # months: September 5, October 12, November 2 (small), so September is hidden as well
    months = dict(re.findall(r'data-month="(\d{4}-\d\d)"><td class="month">[^<]*</td><td class="num">([^<]*)<', page))
    assert months == {"2026-09": "x", "2026-10": "12", "2026-11": "&lt;5"}

    # every region: the other region's conversation counts; a range without it leaves December out
    everywhere = (await admin.get(f"/console/reports?{RANGE}")).text
    assert re.search(r'data-testid="report-total">20<', everywhere)
    october = (await admin.get("/console/reports?start=2026-10-01&end=2026-10-31&region=ni")).text
    assert re.search(r'data-testid="report-total">12<', october)
    assert list(re.findall(r'data-month="([^"]+)"', october)) == ["2026-10"]
    await admin.client.aclose()


async def test_report_csv_export(backend_app: Any) -> None:  # noqa: F811
    db: Database = backend_app.state.runtime.db
    await _seed(db)
    admin = await log_in(backend_app, "chefin", "admin", first_page="/console/reports")
    response = await admin.get(f"/console/reports.csv?{RANGE}&region=ni")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="fairbot-report-2026-09-01-2026-11-30.csv"' in response.headers["content-disposition"]
    assert SECRET not in response.text and "person-" not in response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["period", "measure", "category", "value"]
    table = {(p, m, c): v for p, m, c, v in rows[1:]}
    assert table["total", "total", ""] == "19"
    assert table["total", "language", "fa"] == "<5"
    assert table["total", "emergency", "no"] == "x"
    assert table["total", "waiting_minutes", "median"] == "7.0"
    assert table["total", "response_minutes", "p90"] == "6.5"
    assert table["2026-10", "language", "de"] == "6"
    assert table["2026-10", "waiting_minutes", "p90"] == "20.0"
    assert table["2026-11", "total", ""] == "<5"
    assert table["2026-11", "waiting_minutes", "median"] == ""  # no times over fewer than five
    assert table["range", "region", ""] == "ni"
    async with db.session() as session:
        from sqlalchemy import select

        events = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export"))).all()
    assert [e.target_id for e in events] == ["2026-09-01..2026-11-30"]
    await admin.client.aclose()


async def test_a_team_lead_sees_the_own_region_only(backend_app: Any) -> None:  # noqa: F811
    db: Database = backend_app.state.runtime.db
    await _seed(db)
    lead = await log_in(backend_app, "lea", "teamlead", region="hb", first_page="/console/reports")
    page = await lead.get(f"/console/reports?{RANGE}&region=ni")  # asking for another region changes nothing
    assert page.status_code == 200 and 'data-testid="nav-reports"' in page.text
    assert re.search(r'data-testid="report-total">&lt;5<', page.text)  # the one conversation in hb
    assert '<option value="">' not in page.text.split('data-testid="report-region"')[1].split("</select>")[0]
    exported = await lead.get(f"/console/reports.csv?{RANGE}")
    rows = {(p, m, c): v for p, m, c, v in list(csv.reader(io.StringIO(exported.text)))[1:]}
    assert rows["range", "region", ""] == "hb" and rows["total", "total", ""] == "<5"
    await lead.client.aclose()


async def test_report_is_not_for_advisors_or_editors(backend_app: Any) -> None:  # noqa: F811
    advisor = await log_in(backend_app, "bea", "advisor", first_page="/console/inbox")
    editor = await log_in(backend_app, "edda", "editor", first_page="/console/editor")
    for user, home in ((advisor, "/console/inbox"), (editor, "/console/editor")):
        assert (await user.get("/console/reports")).status_code == 403
        assert (await user.get("/console/reports.csv")).status_code == 403
        own = await user.get(home)
        assert own.status_code == 200 and 'data-testid="nav-reports"' not in own.text
        await user.client.aclose()
    admin = await log_in(backend_app, "ada", "admin", first_page="/console/reports")
    empty = await admin.get("/console/reports?start=2020-01-01&end=2020-01-31")
    assert empty.status_code == 200 and 'data-testid="nav-reports"' in empty.text
    assert re.search(r'data-testid="report-total">0<', empty.text)
    await admin.client.aclose()
