"""A copy of everything stored about one person (GDPR Art. 15 and 20): one readable, machine-readable file.

The person asks for it in their channel (the web chat's "download my data"), or an admin exports
it for them from the console (audited). The file is indented JSON in UTF-8: every conversation
with its messages, hand-over requests, advisors' notes and feedback, with times in UTC. Advisors
appear by role only, never by name: the copy is about the person, not about the staff.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database
from bot.storage.models import Conversation, Feedback, Handoff, Message, Note, Person, Reminder, utcnow


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


async def _conversation(session: AsyncSession, conversation: Conversation) -> dict[str, Any]:
    cid = conversation.id
    messages = (await session.scalars(select(Message).where(Message.conversation_id == cid).order_by(Message.id))).all()
    handoffs = (await session.scalars(select(Handoff).where(Handoff.conversation_id == cid).order_by(Handoff.id))).all()
    notes = (await session.scalars(select(Note).where(Note.conversation_id == cid).order_by(Note.id))).all()
    planned = (
        await session.scalars(select(Reminder).where(Reminder.conversation_id == cid).order_by(Reminder.id))
    ).all()
    feedback = (
        await session.scalars(select(Feedback).where(Feedback.conversation_id == cid).order_by(Feedback.id))
    ).all()
    return {
        "id": cid,
        "state": conversation.state,
        "topic": conversation.topic,
        "language": conversation.language,
        "started": _time(conversation.created_at),
        "consent_to_hand_over": _time(conversation.consent_given_at),
        "closed": _time(conversation.closed_at),
        "outcome": conversation.outcome,
        "your_rating": conversation.rating,
        "messages": [
            {
                "time": _time(m.created_at),
                "from": {"user": "you", "bot": "bot", "advisor": "advisor"}.get(m.author, m.author),
                "text": m.text,
                "kind": m.kind,
                **({"attachment": m.attachment} if m.attachment else {}),
            }
            for m in messages
        ],
        "hand_over_requests": [
            {"time": _time(h.created_at), "reason": h.reason, "status": h.status, "summary_for_advisor": h.packet}
            for h in handoffs
        ],
        "advisor_notes": [{"time": _time(n.created_at), "text": n.text} for n in notes],
        "feedback": [
            {"time": _time(f.created_at), "helpful": f.helpful, "question": f.question, "answer_entry": f.entry_id}
            for f in feedback
        ],
        "deadline_reminders": [
            {"agreed": _time(r.created_at), "deadline": r.deadline.isoformat(), "kind": r.kind, "language": r.lang}
            for r in planned
        ],
    }


async def export_person(
    db: Database, *, person_id: int | None = None, channel: str = "", external_id: str = ""
) -> dict[str, Any] | None:
    """Everything stored about one person (by id, or by channel and external id); None if nothing is."""
    async with db.session() as session:
        if person_id is not None:
            person = await session.get(Person, person_id)
        else:
            person = await session.scalar(
                select(Person).where(Person.channel == channel, Person.external_id == external_id)
            )
        if person is None:
            return None
        conversations = (
            await session.scalars(
                select(Conversation).where(Conversation.person_id == person.id).order_by(Conversation.id)
            )
        ).all()
        return {
            "about": "Everything fairbot stores about you, as of the time below (GDPR Art. 15).",
            "exported_at": _time(utcnow()),
            "you": {
                "channel": person.channel,
                "id_in_channel": person.external_id,
                "chosen_language": person.chosen_lang,
                "detected_language": person.detected_lang,
                "region": person.region,
                "first_seen": _time(person.created_at),
                "last_seen": _time(person.last_seen_at),
            },
            "conversations": [await _conversation(session, c) for c in conversations],
        }


def as_file(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()


def file_name(data: dict[str, Any]) -> str:
    return f"fairbot-data-{(data.get('exported_at') or '')[:10]}.json"
