"""The way from the bot to a human: consent first, then the queue with its urgency, and the advisor's packet.

Nothing is shared with an advisor before the person said yes. An emergency or
a message in the danger middle band asks the same consent, but the handover is
urgent and the packet names the danger sub-type and the message that raised it.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events, metrics
from bot.locales import t
from bot.services import triage
from bot.services.calculators.working_days import today_in_berlin
from bot.services.conversations import buttons
from bot.services.conversations.outgoing import Batch, Speaker, log_event
from bot.services.conversations.people import People, ui_lang
from bot.services.handoff import URGENCY, OpeningHours, build_packet, expected_wait_minutes
from bot.services.helplines import waiting_numbers
from bot.services.oncall import OnCallAlert
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import STATE_BOT, STATE_HUMAN, STATE_WAITING, Conversation, Handoff, Person, utcnow

URGENT = ("emergency", "danger")  # handover reasons whose waiting message repeats the emergency numbers


@dataclass
class QueueItem:
    conversation_id: int
    person_id: int
    state: str
    region: str
    language: str | None
    topic: str | None
    urgency: int
    reason: str | None
    advisor_id: int | None
    waiting_since: Any
    updated_at: Any
    marks: list[triage.Mark] = field(default_factory=list)  # why first: emergency, deadline, exploitation
    contact: dict[str, Any] = field(default_factory=dict)  # a written answer, or a call-back window


@dataclass
class QueueView:
    waiting: list[QueueItem] = field(default_factory=list)
    mine: list[QueueItem] = field(default_factory=list)


class Handover:
    def __init__(
        self,
        db: Database,
        people: People,
        speaker: Speaker,
        opening_hours: OpeningHours | Callable[[], OpeningHours],
        minutes_per_person: int,
        oncall: OnCallAlert | None = None,
        hours_for: Callable[[str], str] | None = None,
    ) -> None:
        """`opening_hours` may be a function (the service profile's, re-read at each handover); `hours_for`
        gives them as people read them, weekdays in their language (see contact.py)."""
        self.oncall = oncall  # who is told when an emergency waits outside opening hours
        self.hours_for = hours_for
        self.db = db
        self.people = people
        self.speaker = speaker
        self._hours = opening_hours
        self.minutes_per_person = minutes_per_person

    async def request(self, channel: str, external_id: str, lang_hint: str | None, reason: str) -> None:
        """The person asked for a human (command, button, or accepted fallback): ask consent first."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            lang = ui_lang(person, lang_hint)
            if conversation.state in (STATE_WAITING, STATE_HUMAN):
                text = t("handoff_already", lang)
                await self.speaker.say(session, batch, person, conversation, text, action="handoff")
            else:
                await self.ask_consent(session, batch, person, conversation, reason, lang)
        await self.speaker.finish(batch)

    async def ask_consent(
        self,
        session: AsyncSession,
        batch: Batch,
        person: Person,
        conversation: Conversation,
        reason: str,
        lang: str,
        danger: dict[str, Any] | None = None,
    ) -> None:
        """`danger` (sub-type, triggering message, time) travels with the handoff into the packet."""
        handoff = Handoff(
            conversation_id=conversation.id,
            reason=reason,
            urgency=URGENCY.get(reason, 1),
            topic=conversation.topic,
            status="consent",
            packet={"danger": danger} if danger else {},
        )
        session.add(handoff)
        await session.flush()
        rows = buttons.consent_keyboard(handoff.id, lang)
        await self.speaker.say(
            session, batch, person, conversation, t("consent_question", lang), rows, action="consent"
        )
        log_event("consent_asked", conversation_id=conversation.id, reason=reason)

    async def consent(
        self, channel: str, external_id: str, handoff_id: int, yes: bool, lang_hint: str | None
    ) -> str | None:
        """The answer to the consent question: yes queues the handover, no shares nothing."""
        batch = Batch()
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            handoff = await session.get(Handoff, handoff_id)
            conversation = await session.get(Conversation, handoff.conversation_id) if handoff else None
            if person is None or handoff is None or conversation is None or conversation.person_id != person.id:
                return t("unknown_button", lang_hint or "en")
            lang = ui_lang(person, lang_hint)
            if handoff.status != "consent" or conversation.state != STATE_BOT:
                return t("handoff_already", lang) if conversation.state != STATE_BOT else None
            if not yes:
                handoff.status = "declined"
                rows = [[buttons.advisor(lang, handoff.reason)]]
                await self.speaker.say(
                    session, batch, person, conversation, t("consent_declined", lang), rows, action="consent"
                )
                result = None
            else:
                await self._enqueue(session, batch, person, conversation, handoff, lang)
                result = t("consent_thanks", lang)
        await self.speaker.finish(batch)
        return result

    async def _enqueue(
        self,
        session: AsyncSession,
        batch: Batch,
        person: Person,
        conversation: Conversation,
        handoff: Handoff,
        lang: str,
    ) -> None:
        now = utcnow()
        transcript = await repo.messages_of(session, conversation.id, limit=30)
        handoff.status = "queued"
        handoff.queued_at = now
        handoff.topic = handoff.topic or conversation.topic
        handoff.packet = build_packet(
            reason=handoff.reason,
            lang=person.lang,
            topic=handoff.topic,
            urgency=handoff.urgency,
            transcript=transcript,
            danger=(handoff.packet or {}).get("danger"),
        )
        conversation.state = STATE_WAITING
        self.people.remember(person, STATE_WAITING)
        conversation.consent_given_at = now
        conversation.waiting_since = now
        conversation.urgency = max(conversation.urgency or 0, handoff.urgency)
        conversation.language = person.lang
        conversation.topic = handoff.topic
        await session.flush()
        ahead = (
            await session.scalar(
                select(func.count(Conversation.id)).where(
                    Conversation.region == conversation.region,
                    Conversation.state == STATE_WAITING,
                    Conversation.id != conversation.id,
                )
            )
            or 0
        )
        subtype = ((handoff.packet or {}).get("danger") or {}).get("subtype")
        hours = self._hours() if callable(self._hours) else self._hours
        shown = html.escape(self.hours_for(lang) if self.hours_for else hours.spec)
        is_open = hours.is_open(now)
        if is_open:
            minutes = expected_wait_minutes(ahead + 1, self.minutes_per_person)
            text = t("handoff_queued_open", lang, minutes=minutes, hours=shown)
        else:
            nxt = hours.next_opening(now)
            when = nxt.strftime("%d.%m. %H:%M") if nxt else "-"
            text = t("handoff_queued_closed", lang, hours=shown, next=when)
        ways = None  # safe contact: written here by default, or a call-back in a time window (contact.py)
        if handoff.reason in URGENT:  # the numbers are repeated: nobody may answer before tomorrow morning
            text = "\n\n".join((t("handoff_emergency_note", lang), text, waiting_numbers(subtype, lang)))
        else:
            text, ways = f"{text}\n\n{html.escape(t('contact_ask', lang))}", buttons.contact_keyboard(lang)
        await self.speaker.say(session, batch, person, conversation, text, ways, action="handoff")
        if handoff.reason in URGENT and not is_open and self.oncall is not None:
            alerted = await self.oncall.stage(session, subtype)
            log_event("oncall_alerted", conversation_id=conversation.id, subtype=subtype, channels=alerted)
        batch.events.append(
            (
                events.QUEUE,
                {
                    "type": "waiting",
                    "conversation_id": conversation.id,
                    "region": conversation.region,
                    "urgency": conversation.urgency,
                },
            )
        )
        batch.events.append((events.conversation_topic(conversation.id), {"type": "state", "state": STATE_WAITING}))
        log_event("handoff_queued", conversation_id=conversation.id, reason=handoff.reason, urgency=handoff.urgency)
        metrics.HANDOVERS.labels(reason=handoff.reason).inc()

    async def queue(
        self, region: str, advisor_id: int | None = None, topic_of: Callable[[str], str | None] | None = None
    ) -> QueueView:
        """Waiting conversations of a region and the advisor's own, each with its triage marks (bot/services/
        triage.py): marked ones first (emergency, a deadline about to run out, exploitation, other deadlines),
        then the most urgent, longest waiting. `topic_of` names the topic of an entry the bot answered with."""
        async with self.db.session() as session:
            waiting = await repo.waiting_conversations(session, region)
            mine: Sequence[Conversation] = []
            if advisor_id is not None:
                mine = (
                    await session.scalars(
                        select(Conversation)
                        .where(Conversation.advisor_id == advisor_id, Conversation.state == STATE_HUMAN)
                        .order_by(Conversation.updated_at)
                    )
                ).all()
            facts = await triage.gather(session, [*waiting, *mine], topic_of or (lambda entry_id: None))
        today = today_in_berlin()
        items = [_queue_item(c, facts[c.id], today) for c in waiting]
        items.sort(key=lambda item: triage.order(item.marks))  # stable: the database's order within a rank
        return QueueView(waiting=items, mine=[_queue_item(c, facts[c.id], today) for c in mine])

    async def packet(self, conversation_id: int) -> dict[str, Any] | None:
        async with self.db.session() as session:
            handoff = await repo.latest_handoff(session, conversation_id)
        return dict(handoff.packet) if handoff and handoff.packet else None


def _queue_item(c: Conversation, facts: triage.Facts, today: dt.date) -> QueueItem:
    return QueueItem(
        conversation_id=c.id,
        person_id=c.person_id,
        state=c.state,
        region=c.region,
        language=c.language,
        topic=c.topic,
        urgency=c.urgency,
        reason=facts.reason,
        advisor_id=c.advisor_id,
        waiting_since=c.waiting_since,
        updated_at=c.updated_at,
        marks=triage.marks(facts, today),
        contact=facts.contact,
    )
