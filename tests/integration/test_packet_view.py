"""The handover packet on the advisor's conversation page, through the real app on SQLite and PostgreSQL:
dates written with month names, the message that raised an emergency, and a German line per topic the
person raised, made of the reviewed entry titles (the person wrote Arabic)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.storage.db import Database
from bot.storage.models import Conversation, Handoff, Message, Person, utcnow
from tests.console_user import log_in
from tests.integration.console_apps import backend_app  # noqa: F401  (the fixture)

WAGES = "لم أتقاض راتبي في أكتوبر ونوفمبر"  # "I was not paid in October and November"
FIRED = "فصلوني يوم ٣ نوفمبر"  # "they fired me on 3 November"
DANGER = "المدير يهددني ويضربني"  # "the boss threatens and hits me"


async def _arabic_emergency(db: Database, *, with_message_id: bool) -> int:
    at = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    async with db.transaction() as session:
        person = Person(channel="web", external_id=f"packet-{with_message_id}", chosen_lang="ar")
        session.add(person)
        await session.flush()
        conversation = Conversation(person_id=person.id, state="waiting", language="ar", topic="wage-unpaid", urgency=2)
        conversation.waiting_since = conversation.consent_given_at = utcnow()
        session.add(conversation)
        await session.flush()
        rows = [
            Message(conversation_id=conversation.id, direction="in", author="user", text=WAGES, created_at=at),
            Message(
                conversation_id=conversation.id,
                direction="out",
                author="bot",
                text="…",
                entry_id="wage-unpaid-claim-deadlines",
                created_at=at,
            ),
            Message(conversation_id=conversation.id, direction="in", author="user", text=FIRED, created_at=at),
            Message(
                conversation_id=conversation.id,
                direction="out",
                author="bot",
                text="…",
                entry_id="dismissal-written-form",
                created_at=at,
            ),
            Message(
                conversation_id=conversation.id,
                direction="out",
                author="bot",
                text="…",
                entry_id="dismissal-three-week-deadline",
                created_at=at,
            ),
            Message(
                conversation_id=conversation.id,
                direction="in",
                author="user",
                text=DANGER,
                action="emergency",
                created_at=at + dt.timedelta(minutes=3),
            ),
        ]
        session.add_all(rows)
        await session.flush()
        danger = {"subtype": "violence", "message_id": rows[-1].id, "at": at.isoformat()} if with_message_id else None
        packet = {"reason": "emergency", "language": "ar", "topic": "wage-unpaid", "danger": danger}
        session.add(
            Handoff(
                conversation_id=conversation.id,
                reason="emergency",
                urgency=2,
                status="queued",
                topic="wage-unpaid",
                packet=packet,
                queued_at=utcnow(),
            )
        )
        return conversation.id


def _text(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</dd>', html, flags=re.S)
    assert found is not None, testid
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


async def test_packet_months_trigger_and_german_topic_lines(backend_app: Any) -> None:  # noqa: F811
    db: Database = backend_app.state.runtime.db
    conversation_id = await _arabic_emergency(db, with_message_id=True)
    advisor = await log_in(backend_app, "bea", "advisor", first_page="/console/inbox")
    page = (await advisor.get(f"/console/conversations/{conversation_id}")).text

    # October and November as months (no day invented), 3 November as a day with its deadlines
    dates = _text(page, "packet-dates")
    assert "10.2026" in dates and "ونوفمبر" in dates and "03.11.2026" in dates
    assert "01.10.2026" not in dates and "01.11.2026" not in dates
    assert re.search(r'data-testid="deadline" data-rule="kschg-4"', page)
    assert "24.11.2026" in page  # three weeks from 3 November (§ 4 KSchG)

    # the message that raised the emergency, with its danger sub-type
    trigger = _text(page, "packet-trigger")
    assert DANGER in trigger and "Gewalt" in trigger

    # one German line per topic, from the entries' reviewed titles: no Arabic in them
    lines = dict(re.findall(r'data-testid="packet-summary-line" data-topic="([^"]+)">([^<]*)</li>', page))
    assert lines["wage-unpaid"] == (
        "Lohn nicht oder zu spät gezahlt: Lohn nicht oder nur teilweise bezahlt – schriftlich fordern, Fristen beachten"
    )
    assert lines["dismissal"].startswith("Kündigung: Kündigung per WhatsApp, SMS oder mündlich – ist sie gültig?; ")
    assert list(lines) == ["wage-unpaid", "dismissal"]
    await advisor.client.aclose()


async def test_emergency_without_danger_record_shows_its_message(backend_app: Any) -> None:  # noqa: F811
    """An emergency the bot recognised without a danger sub-type stores no message id in the packet:
    the page takes the person's last message the bot answered as an emergency."""
    db: Database = backend_app.state.runtime.db
    conversation_id = await _arabic_emergency(db, with_message_id=False)
    advisor = await log_in(backend_app, "carl", "advisor", first_page="/console/inbox")
    page = (await advisor.get(f"/console/conversations/{conversation_id}")).text
    assert DANGER in _text(page, "packet-trigger")
    await advisor.client.aclose()
