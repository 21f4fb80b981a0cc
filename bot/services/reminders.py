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
import html
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
OBJECTION = "objection"  # against a Bescheid (§ 84 SGG, § 355 AO, §§ 70, 74 VwGO): objection_<remedy>


def deadline_of(calculation: dict[str, Any] | None) -> tuple[str, dt.date] | None:
    """The deadline a stored calculator result starts, as (kind, date); None when it starts none.

    Two calculators give a deadline the person must act by: dismissal (the three weeks to sue at the
    labour court) and objection (the month to object to a Bescheid, or to sue where the letter says so,
    kind "objection_<remedy>"); the others give amounts or periods of pay.
    """
    if not calculation:
        return None
    if calculation.get("calculator") == "dismissal" and calculation.get("claim_deadline"):
        return DISMISSAL_CLAIM, dt.date.fromisoformat(calculation["claim_deadline"])
    if calculation.get("calculator") == "objection" and calculation.get("deadline"):
        return f"{OBJECTION}_{calculation.get('remedy')}", dt.date.fromisoformat(calculation["deadline"])
    return None


def plan(deadline: dt.date, now: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """(days before the deadline, when to send, UTC) for each reminder still ahead of `now`."""
    planned = []
    for days in DAYS_BEFORE:
        when = dt.datetime.combine(deadline - dt.timedelta(days=days), SEND_AT, tzinfo=BERLIN)
        if when > now:
            planned.append((days, when.astimezone(dt.UTC)))
    return planned


def _safe(message: str) -> str:
    """Plain text made safe for Telegram HTML (quotes stay as they are)."""
    return html.escape(message, quote=False)


def _objection(kind: str, lang: str) -> str | None:
    """What must be filed by an objection deadline ("den Widerspruch bei der Stelle, ..."), else None."""
    if not kind.startswith(f"{OBJECTION}_"):
        return None
    return t(f"calc_remedy_{kind.removeprefix(OBJECTION + '_')}", lang)


def text(kind: str, deadline: dt.date, days_before: int, lang: str) -> str:
    """The reminder itself, in the person's language (Telegram HTML without tags)."""
    date = Formatter(lang).date(deadline)
    what = _objection(kind, lang)
    if what is not None:
        if days_before == 0:
            return _safe(t("remind_objection_last_day", lang, date=date, what=what))
        return _safe(t("remind_objection_before", lang, date=date, days=days_before, what=what))
    if days_before == 0:
        return _safe(t("remind_last_day", lang, date=date))
    return _safe(t("remind_before", lang, date=date, days=days_before))


def confirmation(kind: str, deadline: dt.date, planned: Sequence[tuple[int, dt.datetime]], lang: str) -> str:
    """What the person is told at consent: the days they will hear from the bot, and what is kept for it."""
    f = Formatter(lang)
    dates = "\n".join(f"• {f.date(when.astimezone(BERLIN).date())}" for _, when in planned)
    what = _objection(kind, lang)
    if what is not None:
        return _safe(t("remind_set_objection", lang, deadline=f.date(deadline), dates=dates, what=what))
    return _safe(t("remind_set", lang, deadline=f.date(deadline), dates=dates))


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
        message = text(kind, deadline, days, lang)
        payload: dict[str, Any] = {
            "chat_id": person.external_id,
            "text": message,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        markup = Outgoing(person.id, person.channel, person.external_id, message, buttons).keyboard_json()
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


async def of_conversation(session: AsyncSession, conversation_id: int) -> list[dict[str, Any]]:
    """The reminders a conversation's person agreed to, for the advisor: kind, deadline, and each
    reminder's time and status (pending, sent, failed)."""
    found = (
        await session.scalars(select(Reminder).where(Reminder.conversation_id == conversation_id).order_by(Reminder.id))
    ).all()
    out = []
    for reminder in found:
        rows = (
            await session.execute(
                select(OutboxItem.next_attempt_at, OutboxItem.sent_at, OutboxItem.status)
                .where(OutboxItem.reminder_id == reminder.id)
                .order_by(OutboxItem.next_attempt_at)
            )
        ).all()
        out.append(
            {
                "kind": reminder.kind,
                "deadline": reminder.deadline,
                "sends": [{"at": sent or due, "status": status} for due, sent, status in rows],
            }
        )
    return out
