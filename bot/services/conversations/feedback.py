"""What people tell about the help they got: helpful / not helpful under an answer, 1–5 after a handover.

"Not helpful" lands in the editors' unanswered report (with the question it
answered) and offers a human; a rating goes to the conversation and the console.
"""

from __future__ import annotations

from sqlalchemy import select

from bot import events
from bot.locales import t
from bot.services.conversations import buttons
from bot.services.conversations.outgoing import Batch, Speaker, log_event
from bot.services.conversations.people import ui_lang
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import STATE_BOT, Conversation, Feedback, Message


class Feedbacks:
    def __init__(self, db: Database, speaker: Speaker) -> None:
        self.db = db
        self.speaker = speaker

    async def helpful(
        self, channel: str, external_id: str, message_id: int, helpful: bool, lang_hint: str | None
    ) -> str | None:
        """Helpful / not helpful under the answer `message_id`, which must be this person's."""
        batch = Batch()
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            if person is None:
                return t("unknown_button", lang_hint or "en")
            lang = ui_lang(person, lang_hint)
            answer = await session.get(Message, message_id)
            if answer is None or answer.direction != "out":
                return t("unknown_button", lang)
            conversation = await session.get(Conversation, answer.conversation_id)
            if conversation is None or conversation.person_id != person.id:
                return t("unknown_button", lang)
            question = await session.scalar(
                select(Message.text)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.direction == "in",
                    Message.id < message_id,
                )
                .order_by(Message.id.desc())
                .limit(1)
            )
            session.add(
                Feedback(
                    conversation_id=conversation.id,
                    message_id=message_id,
                    helpful=helpful,
                    question=question or "",
                    entry_id=answer.entry_id,
                    lang=answer.lang,
                )
            )
            if not helpful and conversation.state == STATE_BOT:
                rows = [[buttons.advisor(lang, "fallback")]]
                await self.speaker.say(
                    session, batch, person, conversation, t("feedback_sorry", lang), rows, action="feedback"
                )
        await self.speaker.finish(batch)
        return t("feedback_thanks", lang)

    async def rate(
        self, channel: str, external_id: str, conversation_id: int, rating: int, lang_hint: str | None
    ) -> str | None:
        """The 1–5 rating asked for when a handover closes."""
        if not 1 <= rating <= 5:
            return t("unknown_button", lang_hint or "en")
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            conversation = await session.get(Conversation, conversation_id)
            if person is None or conversation is None or conversation.person_id != person.id:
                return t("unknown_button", lang_hint or "en")
            conversation.rating = rating
            lang = ui_lang(person, lang_hint)
        topic = events.conversation_topic(conversation_id)
        await self.speaker.bus.publish(topic, {"type": "rating", "rating": rating})
        log_event("rated", conversation_id=conversation_id, rating=rating)
        return t("rating_thanks", lang)
