"""Deadline reminders: when they are due, what they say, and their rows in the persistent outbox.

A reminder is not a job of its own: at the person's consent each reminder becomes a Telegram
outbox row whose `next_attempt_at` lies days ahead, unleased. The outbox sweeper of whichever
replica runs at that moment leases it with a conditional update (one winner among replicas),
sends it and records it, so a reminder survives restarts and is sent once, like every reply.
The `reminder` row holds only the date and the language; its outbox rows cascade with it when
the person stops the reminders, is erased, or the retention purge removes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.locales import t
from bot.services.calculators.render import Formatter
from bot.services.channels import Keyboard, Outgoing
from bot.services.handoff import BERLIN
from bot.storage.models import OutboxItem, Person, Reminder, utcnow

DAYS_BEFORE = (7, 2, 0)  # a week ahead, two days ahead, and on the last day itself
SEND_AT = dt.time(9, 0)  # Berlin: early enough in the day to still reach the court
DISMISSAL_CLAIM = "dismissal_claim"  # § 4 KSchG: the claim against a dismissal


def deadline_of(calculation: dict[str, Any] | None) -> tuple[str, dt.date] | None:
    """The deadline a stored calculator result starts, as (kind, date); None when it starts none still running.

    Only the dismissal calculator gives a deadline the person must act by (the three weeks to sue); the
    others give amounts or periods of pay.
    """
    if not calculation or calculation.get("calculator") != "dismissal" or not calculation.get("claim_deadline"):
        return None
    return DISMISSAL_CLAIM, dt.date.fromisoformat(calculation["claim_deadline"])


def plan(deadline: dt.date, now: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """(days before the deadline, when to send, UTC) for each reminder still ahead of `now`."""
    planned = []
    for days in DAYS_BEFORE:
        when = dt.datetime.combine(deadline - dt.timedelta(days=days), SEND_AT, tzinfo=BERLIN)
        if when > now:
            planned.append((days, when.astimezone(dt.UTC)))
    return planned


def text(deadline: dt.date, days_before: int, lang: str) -> str:
    """The reminder itself, in the person's language (Telegram HTML without tags)."""
    date = Formatter(lang).date(deadline)
    if days_before == 0:
        return t("remind_last_day", lang, date=date)
    return t("remind_before", lang, date=date, days=days_before)


def confirmation(deadline: dt.date, planned: Sequence[tuple[int, dt.datetime]], lang: str) -> str:
    """What the person is told at consent: the days they will hear from the bot, and what is kept for it."""
    f = Formatter(lang)
    dates = "\n".join(f"• {f.date(when.astimezone(BERLIN).date())}" for _, when in planned)
    return t("remind_set", lang, deadline=f.date(deadline), dates=dates)


async def schedule(
    session: AsyncSession,
    person: Person,
    conversation_id: int,
    message_id: int,
    kind: str,
    deadline: dt.date,
    lang: str,
    planned: Sequence[tuple[int, dt.datetime]],
    keyboard: Callable[[int], Keyboard],
) -> Reminder:
    """The reminder row and one future outbox row per planned reminder, in the caller's transaction.

    `keyboard` gets the reminder's id (its stop button names it). The rows are not leased: no process
    holds them in memory, and the sweeper takes each when it is due.
    """
    reminder = Reminder(
        person_id=person.id,
        conversation_id=conversation_id,
        message_id=message_id,
        kind=kind,
        deadline=deadline,
        lang=lang,
        created_at=utcnow(),
    )
    session.add(reminder)
    await session.flush()
    buttons = keyboard(reminder.id)
    now = utcnow()
    rows = []
    for days, when in planned:
        html = text(deadline, days, lang)
        payload: dict[str, Any] = {
            "chat_id": person.external_id,
            "text": html,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        markup = Outgoing(person.id, person.channel, person.external_id, html, buttons).keyboard_json()
        if markup:
            payload["reply_markup"] = markup
        rows.append(
            {
                "channel": "telegram",
                "chat_id": person.external_id,
                "method": "sendMessage",
                "payload": payload,
                "message_id": None,
                "person_id": person.id,
                "reminder_id": reminder.id,
                "lease_until": None,
                "next_attempt_at": when,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
        )
    await session.execute(insert(OutboxItem), rows)
    return reminder


async def stop(session: AsyncSession, person_id: int, reminder_id: int) -> bool:
    """Delete a person's reminder and its outbox rows (sent or not); False if there was none."""
    owned = select(Reminder.id).where(Reminder.id == reminder_id, Reminder.person_id == person_id)
    await session.execute(delete(OutboxItem).where(OutboxItem.reminder_id.in_(owned)))
    deleted = await session.execute(delete(Reminder).where(Reminder.id.in_(owned)))
    return bool(deleted.rowcount)  # type: ignore[attr-defined]
