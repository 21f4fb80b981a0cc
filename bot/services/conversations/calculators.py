"""The guided calculators inside a conversation: opening one, each answer, and the result kept for the advisor.

The open dialog is stored on the conversation (`Conversation.dialog`), so any replica
continues it. A typed message while a dialog is open is read as its answer, unless it
sounds dangerous, asks for a human, or is a question the bot can answer while it cannot
be read as an answer: then the dialog ends and the message takes the normal way. The
result is stored as a message of kind "calculation" with its values and a German and
English summary, which the handover packet and the console show the advisor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.locales import t
from bot.services.answers import Reply
from bot.services.calculators import CalculatorResult, dialog
from bot.services.calculators.render import render
from bot.services.calculators.working_days import today_in_berlin
from bot.services.channels import Button, Keyboard
from bot.services.conversations import buttons, reminders
from bot.services.conversations.incoming import Inbound, Incoming, incoming_row
from bot.services.conversations.outgoing import CALCULATOR_ACTION, Batch, Speaker, log_event
from bot.services.conversations.people import People, ui_lang
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import STATE_HUMAN, STATE_WAITING, Conversation, Message, Person, utcnow

MIN_WORDS_OF_A_QUESTION = 3  # an unreadable answer this long that retrieval can answer is a new question


class CalculatorDialogs:
    def __init__(self, db: Database, people: People, speaker: Speaker) -> None:
        self.db = db
        self.people = people
        self.speaker = speaker

    async def open(
        self,
        channel: str,
        external_id: str,
        lang_hint: str | None,
        kind: str | None = None,
        answers: dict[str, Any] | None = None,
    ) -> None:
        """/deadline (the menu of calculators) or the first question of calculator `kind` (pre-filled: `answers`)."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            lang = ui_lang(person, lang_hint)
            if conversation.state in (STATE_WAITING, STATE_HUMAN):
                await self.speaker.say(session, batch, person, conversation, t("handoff_already", lang))
            else:
                today = today_in_berlin()
                turn = dialog.start(kind, lang, today, answers) if kind else dialog.menu(lang)
                await self._say(session, batch, person, conversation, turn, lang)
        await self.speaker.finish(batch)

    async def press(self, channel: str, external_id: str, value: str, lang_hint: str | None) -> str | None:
        """A calculator button: starts a calculator, or answers the open question."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            lang = ui_lang(person, lang_hint)
            if conversation.state in (STATE_WAITING, STATE_HUMAN):
                return t("handoff_already", lang)
            state = conversation.dialog
            starts = value.startswith(dialog.MENU_PREFIX)
            if state is None and not starts:
                return t("unknown_button", lang)  # a button of a dialog that is over
            session.add(_pressed(conversation, dialog.label_of(state, value, lang)))
            turn = dialog.answer(state or {}, lang, today_in_berlin(), choice=value)
            await self._say(session, batch, person, conversation, turn, lang)
        await self.speaker.finish(batch)
        return None

    async def take(self, inbound: Inbound, reply: Reply) -> Incoming | None:
        """A typed message while a dialog may be open: its next turn, or None to handle it the normal way."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(
                session, inbound.channel, inbound.external_id, inbound.region, inbound.lang_hint
            )
            state = conversation.dialog
            if state is None or conversation.state in (STATE_WAITING, STATE_HUMAN):
                return None
            lang = ui_lang(person, inbound.lang_hint)
            if reply.danger or reply.action in ("emergency", "handoff"):
                self._close(person, conversation, "left_for_help")
                return None
            turn = dialog.answer(state, lang, today_in_berlin(), text=inbound.text)
            if turn.unreadable and _a_new_question(inbound.text, reply):
                self._close(person, conversation, "left_for_question")
                return None
            message_id = await repo.add_message(session, **incoming_row(conversation, inbound.text, CALCULATOR_ACTION))
            await self._say(session, batch, person, conversation, turn, lang)
        await self.speaker.finish(batch)
        return Incoming(conversation.id, message_id, conversation.state, CALCULATOR_ACTION, 1)

    def _close(self, person: Person, conversation: Conversation, why: str) -> None:
        conversation.dialog = None
        self.people.remember(person, conversation.state, False)
        log_event("calculator_closed", conversation_id=conversation.id, why=why)

    async def _say(
        self,
        session: AsyncSession,
        batch: Batch,
        person: Person,
        conversation: Conversation,
        turn: dialog.Turn,
        lang: str,
    ) -> None:
        """The turn as a bot message; a result is stored with its values for the advisor."""
        keyboard: Keyboard = [
            [Button(choice.label, buttons.Calculator(value=choice.value).pack()) for choice in row]
            for row in turn.choices
        ]
        if turn.offer_advisor:
            keyboard.append([buttons.advisor(lang)])

        def with_reminders(message_id: int) -> Keyboard:  # the result's own id goes into the reminder button
            return [*reminders.offer(person.channel, turn.result, lang, message_id), *keyboard]

        kind, attachment = "text", None
        if turn.result is not None:
            kind, attachment = "calculation", {"calculation": for_advisor(turn.result)}
            log_event("calculated", conversation_id=conversation.id, calculator=turn.result.kind)
        await self.speaker.say(
            session,
            batch,
            person,
            conversation,
            turn.text,
            with_reminders if turn.result is not None else keyboard or None,
            action=CALCULATOR_ACTION,
            kind=kind,
            attachment=attachment,
        )
        conversation.dialog = turn.state
        conversation.updated_at = utcnow()
        self.people.remember(person, conversation.state, turn.state is not None)


def for_advisor(result: CalculatorResult) -> dict[str, Any]:
    """What the advisor gets of a result: its values and sources, and the summary in the console's languages."""
    return {
        **result.to_dict(),
        "summary": {lang: render(result, lang, offer_advisor=False) for lang in ("de", "en")},
        "at": dt.datetime.now(dt.UTC).isoformat(),
    }


def _a_new_question(text: str, reply: Reply) -> bool:
    return reply.action == "answer" and len(text.split()) >= MIN_WORDS_OF_A_QUESTION


def _pressed(conversation: Conversation, label: str) -> Message:
    """A button the person tapped, stored like their words (the advisor reads the dialog in the transcript)."""
    return Message(
        conversation_id=conversation.id,
        direction="in",
        author="user",
        text=label,
        kind="button",
        action=CALCULATOR_ACTION,
        created_at=utcnow(),
    )
