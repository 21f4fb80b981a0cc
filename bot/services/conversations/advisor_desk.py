"""The advisor's side of a conversation: claim, reply, note, transfer, close, and what the console reads.

Claim and transfer are single conditional UPDATEs, so of two advisors acting at
once exactly one wins; every other operation checks that the conversation is
assigned to the advisor who acts.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events, metrics
from bot.errors import (
    AlreadyClaimed,
    ConversationNotFound,
    InvalidInput,
    InvalidState,
    NeverClaimed,
    NotAssigned,
    PersonNotFound,
)
from bot.locales import t
from bot.services.conversations import buttons
from bot.services.conversations.incoming import MAX_STORED_TEXT
from bot.services.conversations.outgoing import Batch, Speaker, log_event
from bot.services.conversations.people import People, ui_lang
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import (
    STATE_BOT,
    STATE_CLOSED,
    STATE_HUMAN,
    STATE_WAITING,
    Conversation,
    Message,
    Note,
    Person,
    utcnow,
)

ANSWERED = "answered"  # the outcome that claims a person was counselled


class AdvisorDesk:
    def __init__(self, db: Database, people: People, speaker: Speaker) -> None:
        self.db = db
        self.people = people
        self.speaker = speaker
        self.bus = speaker.bus

    async def claim(self, conversation_id: int, advisor_id: int) -> Conversation:
        """Take a waiting conversation. Atomic: of two advisors claiming at once, exactly one wins."""
        batch = Batch()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    Conversation.state == STATE_WAITING,
                    Conversation.advisor_id.is_(None),
                )
                .values(state=STATE_HUMAN, advisor_id=advisor_id, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                conversation = await session.get(Conversation, conversation_id)
                if conversation is None:
                    raise ConversationNotFound(f"conversation {conversation_id} does not exist")
                if conversation.advisor_id is not None:
                    raise AlreadyClaimed("another advisor has already taken this conversation; pick another one")
                raise InvalidState(f"conversation {conversation_id} is {conversation.state}, not waiting")
            conversation = await session.get(Conversation, conversation_id, populate_existing=True)
            assert conversation is not None
            person = await session.get(Person, conversation.person_id)
            assert person is not None
            self.people.remember(person, STATE_HUMAN)
            handoff = await repo.latest_handoff(session, conversation_id)
            if handoff is not None:
                handoff.status = "done"
            session.add(_system_message(conversation_id, "claimed", "claimed", advisor_id))
            text = t("handoff_claimed", ui_lang(person))
            await self.speaker.say(session, batch, person, conversation, text, action="claimed")
            batch.events.append(
                (events.QUEUE, {"type": "claimed", "conversation_id": conversation_id, "advisor_id": advisor_id})
            )
            batch.events.append(
                (
                    events.conversation_topic(conversation_id),
                    {"type": "state", "state": STATE_HUMAN, "advisor_id": advisor_id},
                )
            )
        await self.speaker.finish(batch)
        log_event("claimed", conversation_id=conversation_id, advisor_id=advisor_id)
        metrics.QUEUE_WAIT_SECONDS.observe(metrics.seconds_since(conversation.waiting_since))
        return conversation

    async def _assigned(self, session: AsyncSession, conversation_id: int, advisor_id: int) -> Conversation:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise ConversationNotFound(f"conversation {conversation_id} does not exist")
        if conversation.state != STATE_HUMAN:
            raise InvalidState(f"conversation {conversation_id} is {conversation.state}; claim it first")
        if conversation.advisor_id != advisor_id:
            raise NotAssigned("this conversation is assigned to another advisor; ask them to transfer it")
        return conversation

    async def reply(self, conversation_id: int, advisor_id: int, text: str, *, wait_delivery: float = 0.0) -> Message:
        """Send an advisor's text through the person's channel; returns the stored message.

        `wait_delivery` seconds (optional) to wait for the channel's answer, so the
        console can show "sent" at once in the common case; the status is in the row.
        """
        text = (text or "").strip()
        if not text:
            raise InvalidInput("the reply is empty; write a message first")
        if len(text) > MAX_STORED_TEXT:
            raise InvalidInput(f"the reply is longer than {MAX_STORED_TEXT} characters; split it")
        batch = Batch()
        async with self.db.transaction() as session:
            conversation = await self._assigned(session, conversation_id, advisor_id)
            person = await session.get(Person, conversation.person_id)
            assert person is not None
            body = f"{t('advisor_prefix', ui_lang(person))}\n{html.escape(text)}"
            metrics.observe_first_advisor_reply(
                await repo.advisor_message_count(session, conversation_id), conversation.waiting_since
            )
            message_id = await self.speaker.say(
                session,
                batch,
                person,
                conversation,
                body,
                author="advisor",
                advisor_id=advisor_id,
                action="advisor",
                plain_text=text,
            )
            assert message_id is not None
            message = await session.get_one(Message, message_id)  # the console shows what was stored
            conversation.updated_at = utcnow()
            batch.events.append(
                (
                    events.conversation_topic(conversation_id),
                    {"type": "message", "message_id": message.id, "author": "advisor"},
                )
            )
        await self.speaker.finish(batch)
        log_event("advisor_reply", conversation_id=conversation_id, advisor_id=advisor_id)
        if wait_delivery > 0 and message.delivery_status == "queued":
            waiter = getattr(self.speaker.sender(person.channel), "wait_delivered", None)
            if waiter is not None:
                status = await waiter(message.id, wait_delivery)
                if status is not None:
                    message.delivery_status = status
        return message

    async def add_note(self, conversation_id: int, advisor_id: int, text: str) -> Note:
        text = (text or "").strip()
        if not text:
            raise InvalidInput("the note is empty")
        async with self.db.transaction() as session:
            if await session.get(Conversation, conversation_id) is None:
                raise ConversationNotFound(f"conversation {conversation_id} does not exist")
            note = Note(conversation_id=conversation_id, author_id=advisor_id, text=text, created_at=utcnow())
            session.add(note)
        await self.bus.publish(events.conversation_topic(conversation_id), {"type": "note", "note_id": note.id})
        return note

    async def notes(self, conversation_id: int) -> Sequence[Note]:
        async with self.db.session() as session:
            return (
                await session.scalars(select(Note).where(Note.conversation_id == conversation_id).order_by(Note.id))
            ).all()

    async def transfer(self, conversation_id: int, from_advisor: int, to_advisor: int, note: str = "") -> Conversation:
        """Give the conversation to a colleague. Atomic like claim. The note for the colleague is kept as an
        advisor's note and on the transcript's "transferred" line; the person is told in their language that
        a colleague takes over (otherwise a new voice answers without a word of explanation)."""
        note = (note or "").strip()[:MAX_STORED_TEXT]
        batch = Batch()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Conversation)
                .where(
                    and_(
                        Conversation.id == conversation_id,
                        Conversation.state == STATE_HUMAN,
                        Conversation.advisor_id == from_advisor,
                    )
                )
                .values(advisor_id=to_advisor, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                await self._assigned(session, conversation_id, from_advisor)  # raises the precise error
                raise InvalidState("the conversation changed meanwhile; reload it")
            text = f"transferred {from_advisor} -> {to_advisor}"
            line = _system_message(conversation_id, text, "transferred", to_advisor)
            line.attachment = {"from_advisor": from_advisor, **({"note": note} if note else {})}
            session.add(line)
            if note:
                session.add(
                    Note(conversation_id=conversation_id, author_id=from_advisor, text=note, created_at=utcnow())
                )
            conversation = await session.get(Conversation, conversation_id, populate_existing=True)
            assert conversation is not None
            person = await session.get(Person, conversation.person_id)
            assert person is not None
            text = t("handoff_transferred", ui_lang(person))
            await self.speaker.say(session, batch, person, conversation, text, action="transferred")
            batch.events.append((events.QUEUE, {"type": "transfer", "conversation_id": conversation_id}))
            batch.events.append(
                (events.conversation_topic(conversation_id), {"type": "transfer", "advisor_id": to_advisor})
            )
        await self.speaker.finish(batch)
        log_event("transferred", conversation_id=conversation_id, from_advisor=from_advisor, to_advisor=to_advisor)
        return conversation

    async def close(self, conversation_id: int, advisor_id: int, outcome: str | None = None) -> Conversation:
        """End the human part: the bot resumes and asks the person for a 1–5 rating.

        A conversation nobody claimed cannot be closed as "answered" (`NeverClaimed`): nobody answered it.
        """
        batch = Batch()
        async with self.db.transaction() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                raise ConversationNotFound(f"conversation {conversation_id} does not exist")
            if conversation.state == STATE_CLOSED:
                raise InvalidState("the conversation is already closed")
            if conversation.state == STATE_HUMAN and conversation.advisor_id != advisor_id:
                raise NotAssigned("this conversation is assigned to another advisor")
            was_human = conversation.state == STATE_HUMAN
            if not was_human and (outcome or "").strip() == ANSWERED:
                raise NeverClaimed("nobody has answered this conversation: claim it first, or choose another outcome")
            now = utcnow()
            conversation.state = STATE_CLOSED
            conversation.closed_at = now
            conversation.updated_at = now
            conversation.outcome = (outcome or "").strip()[:64] or None
            if conversation.advisor_id is None:
                conversation.advisor_id = advisor_id
            person = await session.get(Person, conversation.person_id)
            assert person is not None
            self.people.remember(person, STATE_BOT)  # the next message opens a new conversation with the bot
            text = f"closed: {conversation.outcome or '-'}"
            session.add(_system_message(conversation_id, text, "closed", advisor_id, now))
            key = "handoff_closed_rate" if was_human else "handoff_closed_unanswered"
            rows = buttons.rating_keyboard(conversation_id)
            await self.speaker.say(session, batch, person, conversation, t(key, ui_lang(person)), rows, action="closed")
            batch.events.append((events.QUEUE, {"type": "closed", "conversation_id": conversation_id}))
            batch.events.append((events.conversation_topic(conversation_id), {"type": "state", "state": STATE_CLOSED}))
        await self.speaker.finish(batch)
        log_event("closed", conversation_id=conversation_id, advisor_id=advisor_id, outcome=conversation.outcome)
        return conversation

    async def get_conversation(self, conversation_id: int) -> Conversation:
        async with self.db.session() as session:
            conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise ConversationNotFound(f"conversation {conversation_id} does not exist (deleted or wrong id)")
        return conversation

    async def transcript(self, conversation_id: int) -> list[Message]:
        async with self.db.session() as session:
            if await session.get(Conversation, conversation_id) is None:
                raise ConversationNotFound(f"conversation {conversation_id} does not exist")
            return list(await repo.messages_of(session, conversation_id))

    async def person_history(self, person_id: int) -> list[Conversation]:
        async with self.db.session() as session:
            if await session.get(Person, person_id) is None:
                raise PersonNotFound(f"person {person_id} does not exist (maybe erased on request)")
            query = select(Conversation).where(Conversation.person_id == person_id).order_by(Conversation.id)
            return list((await session.scalars(query)).all())


def _system_message(
    conversation_id: int, text: str, action: str, advisor_id: int, at: dt.datetime | None = None
) -> Message:
    """A line of the record for the console (claimed, transferred, closed), never sent to the person."""
    return Message(
        conversation_id=conversation_id,
        direction="out",
        author="system",
        text=text,
        action=action,
        advisor_id=advisor_id,
        created_at=at or utcnow(),
    )
