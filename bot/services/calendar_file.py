"""A deadline as a calendar file (.ics) with its reminders, for people the bot cannot reach later.

Why: in Telegram the bot reminds 7 and 2 days before and on the last day (bot/services/reminders.py),
through the outbox. A web-chat visitor has no address the bot could write to days later (the visit is
a cookie, and the session expires). Their own calendar can: the file carries the deadline as an
all-day event with the same three alarms, at the same hour. Nothing is stored for it; the file is made
on request from the calculator result already in the conversation, and only for its owner.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import Alarm, Calendar, Event
from sqlalchemy import select

from bot.locales import t
from bot.services import reminders
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import Conversation, Message

PRODUCT_ID = "-//Faire Integration//fairbot//DE"


def title(kind: str, lang: str) -> str:
    """The event's title: what must be filed by the last day, in the person's language."""
    if kind.startswith(f"{reminders.OBJECTION}_"):
        return t("calendar_title_objection", lang, what=t(f"calc_remedy_{kind.split('_', 1)[1]}", lang))
    return t("calendar_title_dismissal", lang)


def deadline_file(kind: str, deadline: dt.date, lang: str, *, now: dt.datetime, uid_seed: str) -> bytes:
    """An all-day event on the last day, with an alarm at 9:00 seven and two days before and on the day."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    # Stable per result: saving the file twice updates one event instead of adding a second one.
    event.add("uid", f"{hashlib.sha256(uid_seed.encode()).hexdigest()[:24]}@fairbot")
    event.add("dtstamp", now)
    event.add("dtstart", deadline)
    event.add("dtend", deadline + dt.timedelta(days=1))
    event.add("summary", title(kind, lang))
    event.add("description", t("calendar_note", lang))
    event.add("transp", "TRANSPARENT")
    for days in reminders.DAYS_BEFORE:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title(kind, lang))
        # Relative to the start of the all-day event (midnight of the last day): 9:00 that many days before.
        alarm.add("trigger", dt.timedelta(days=-days, hours=reminders.SEND_AT.hour, minutes=reminders.SEND_AT.minute))
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()


def deadline_ahead(message: Message, today: dt.date) -> tuple[str, dt.date] | None:
    """(kind, date) of the deadline a bot message's calculator result starts, if it is today or later."""
    calculation = (message.attachment or {}).get("calculation") if message.author == "bot" else None
    found = reminders.deadline_of(calculation)
    return found if found is not None and found[1] >= today else None


async def for_message(
    db: Database, channel: str, external_id: str, message_id: int, lang: str, now: dt.datetime
) -> tuple[str, bytes] | None:
    """(file name, .ics) for the person's own result `message_id`; None when it is not theirs or has passed."""
    async with db.session() as session:
        person = await repo.find_person(session, channel, external_id)
        if person is None:
            return None
        message = await session.scalar(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.id == message_id, Conversation.person_id == person.id)
        )
        found = deadline_ahead(message, now.date()) if message is not None else None
        if found is None:
            return None
        kind, deadline = found
    data = deadline_file(kind, deadline, lang, now=now, uid_seed=f"{channel}:{external_id}:{message_id}")
    return f"deadline-{deadline.isoformat()}.ics", data
