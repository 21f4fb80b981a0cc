"""Deadline reminders in a conversation: the one-tap consent under a result, and the one-tap stop.

Offered only where the outbox can reach the person days later (Telegram), only for a result that
starts a deadline, and only while a reminder is still ahead. Nothing is planned before the tap:
consent is the tap itself, and the confirmation says what is kept and how to stop.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.locales import t
from bot.services import reminders
from bot.services.calculators import CalculatorResult
from bot.services.channels import Button
from bot.services.conversations import buttons
from bot.services.conversations.outgoing import Batch, Speaker, log_event
from bot.services.conversations.people import People, ui_lang
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, Reminder, utcnow

REMINDER_ACTION = "reminder"  # the stored action of the confirmation and the stop message
CHANNELS = ("telegram",)  # where a message can reach the person unasked, days later (the outbox)


def offer(channel: str, result: CalculatorResult | None, lang: str, message_id: int) -> list[list[Button]]:
    """The reminder button under a calculator result that starts a deadline with a reminder still ahead."""
    if channel not in CHANNELS or result is None:
        return []
    found = reminders.deadline_of(result.to_dict())
    if found is None or not reminders.plan(found[1], utcnow()):
        return []
    return [[buttons.remind(lang, message_id)]]


class DeadlineReminders:
    def __init__(self, db: Database, people: People, speaker: Speaker) -> None:
        self.db = db
        self.people = people
        self.speaker = speaker

    async def agree(self, channel: str, external_id: str, message_id: int, lang_hint: str | None) -> str | None:
        """The person tapped "remind me" under the result `message_id`: plan the reminders and confirm."""
        batch = Batch()
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            message = await session.get(Message, message_id)
            if person is None or message is None or channel not in CHANNELS:
                return t("unknown_button", lang_hint or "en")
            owner = await session.scalar(
                select(Conversation.id).where(
                    Conversation.id == message.conversation_id, Conversation.person_id == person.id
                )
            )
            lang = ui_lang(person, lang_hint)
            found = reminders.deadline_of((message.attachment or {}).get("calculation"))
            if owner is None or found is None:
                return t("unknown_button", lang)
            if await session.scalar(select(Reminder.id).where(Reminder.message_id == message_id)) is not None:
                return t("remind_already", lang)
            kind, deadline = found
            planned = reminders.plan(deadline, utcnow())
            if not planned:
                return t("remind_too_late", lang)
            reminder = await reminders.schedule(
                session,
                person,
                owner,
                message_id,
                kind,
                deadline,
                lang,
                planned,
                lambda reminder_id: buttons.stop_reminders_keyboard(lang, reminder_id),
            )
            person_now, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            await self.speaker.say(
                session,
                batch,
                person_now,
                conversation,
                reminders.confirmation(kind, deadline, planned, lang),
                buttons.stop_reminders_keyboard(lang, reminder.id),
                action=REMINDER_ACTION,
            )
            log_event("reminders_planned", conversation_id=owner, kind=kind, count=len(planned))
        await self.speaker.finish(batch)
        return None

    async def stop(self, channel: str, external_id: str, reminder_id: int, lang_hint: str | None) -> str | None:
        """The person tapped "stop reminders": the reminder and its outbox rows go at once."""
        batch = Batch()
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            if person is None:
                return t("unknown_button", lang_hint or "en")
            lang = ui_lang(person, lang_hint)
            if not await reminders.stop(session, person.id, reminder_id):
                return t("remind_gone", lang)
            person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            await self.speaker.say(
                session, batch, person, conversation, t("remind_stopped", lang), action=REMINDER_ACTION
            )
            log_event("reminders_stopped", conversation_id=conversation.id)
        await self.speaker.finish(batch)
        return None
