"""Safe contact after a handover: a written answer (the default) or a call-back in a time window, by buttons.

The choice is written into the handover packet (`contact`), where the advisor reads it before
answering; the person is told what happens next, and that neither a name nor a number is needed.
A number for the call, if the person sends one, is an ordinary message of the conversation.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import events
from bot.locales import t
from bot.services import contact
from bot.services.conversations import buttons
from bot.services.conversations.outgoing import Batch, Speaker, log_event
from bot.services.conversations.people import People, ui_lang
from bot.services.handoff import OpeningHours
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import STATE_HUMAN, STATE_WAITING, utcnow

CONTACT_ACTION = "contact"  # the stored action of the bot's messages about the contact way


class ContactWays:
    def __init__(
        self,
        db: Database,
        people: People,
        speaker: Speaker,
        opening_hours: OpeningHours | Callable[[], OpeningHours],
    ) -> None:
        """`opening_hours`: the service profile's (a function, re-read each time), or fixed hours."""
        self.db = db
        self.people = people
        self.speaker = speaker
        self._hours = opening_hours

    def opening_hours(self) -> OpeningHours:
        return self._hours() if callable(self._hours) else self._hours

    def hours(self, lang: str) -> str:
        """Office hours as the service profile writes them, with the weekdays in `lang`."""
        return contact.localized_hours(self.opening_hours().spec, lang)

    async def press(
        self, channel: str, external_id: str, way: str, start: str, end: str, lang_hint: str | None
    ) -> str | None:
        """A contact button: "w" written, "c" show the call-back windows, "t" the window chosen."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            lang = ui_lang(person, lang_hint)
            handoff = await repo.latest_handoff(session, conversation.id)
            if conversation.state not in (STATE_WAITING, STATE_HUMAN) or handoff is None:
                return t("unknown_button", lang)  # the handover is over: nothing to choose any more
            now = utcnow()
            chosen: dict[str, object] | None = None
            keyboard = None
            if way == "c":
                offered = contact.windows(self.opening_hours(), now)
                if offered:
                    text = t("contact_pick_window", lang, hours=self.hours(lang))
                    keyboard = buttons.window_keyboard([(w.label(lang), w.packed()) for w in offered], lang)
                else:
                    text, chosen = t("contact_no_window", lang), {"way": "written"}
            elif way == "t":
                window = contact.find(self.opening_hours(), now, start, end)
                if window is None:
                    return t("contact_window_gone", lang)
                text = t("contact_callback_set", lang, window=window.label(lang))
                chosen = {"way": "callback", "window": {**window.as_dict(), "label_en": window.label("en")}}
            else:
                text, chosen = t("contact_written_set", lang), {"way": "written"}
            if chosen is not None:
                handoff.packet = {**(handoff.packet or {}), "contact": {**chosen, "chosen_at": now.isoformat()}}
                batch.events.append((events.conversation_topic(conversation.id), {"type": "contact"}))
                log_event("contact_chosen", conversation_id=conversation.id, way=chosen["way"])
            await self.speaker.say(session, batch, person, conversation, text, keyboard, action=CONTACT_ACTION)
        await self.speaker.finish(batch)
        return None
