"""The core under load: which messages may go first, and the busy note, stored and sent like any reply.

Admission (bot/services/admission.py) orders the queue and decides when a person is due a note; the core
knows the person: `rank` is the cheap pre-check the queue orders by (no encoder, no query: the patterns,
the button, what this process remembers of the person), and `note` writes "many people are writing right
now; your answer is coming" while the person's message still waits. The note is a message of its own
transaction, through the channel's outbox like every reply, with the id of the update it notes recorded
under a source of its own (`busy:<source>`): a redelivered update (a crash, a webhook retry) is not
noted twice, and the update itself is still claimed by its own handling.
"""

from __future__ import annotations

from bot.locales import t
from bot.services.admission import ORDINARY, URGENT
from bot.services.conversations import buttons
from bot.services.conversations.outgoing import Batch, Speaker, log_event
from bot.services.conversations.people import People, ui_lang
from bot.services.conversations.replies import Replies
from bot.storage.db import Database, DuplicateUpdate, pending_update
from bot.storage.models import STATE_BOT, STATE_HUMAN, STATE_WAITING

BUSY_ACTION = "busy"  # the stored action of a busy note


class Overload:
    def __init__(self, db: Database, people: People, speaker: Speaker, replies: Replies) -> None:
        self.db = db
        self.people = people
        self.speaker = speaker
        self.replies = replies

    def rank(
        self, channel: str, external_id: str, *, text: str | None = None, pressed: buttons.Press | None = None
    ) -> int:
        """URGENT for what may be an emergency or a request for a person; when unsure, urgent.

        A person with an advisor goes first too: their message is relayed (no encoder), and someone waits
        for it. The decision itself is made later, by the whole path, for every message alike.
        """
        known = self.people.recall(channel, external_id)
        if known is not None and known.state in (STATE_WAITING, STATE_HUMAN):
            return URGENT
        if isinstance(pressed, buttons.Advisor | buttons.Consent | buttons.Contact):
            return URGENT
        if text and self.replies.sounds_urgent(text):
            return URGENT
        return ORDINARY

    async def note(self, channel: str, external_id: str, lang_hint: str | None, claim: tuple[str, int] | None) -> bool:
        """Tell the person their answer is coming; False when nothing was said (see the module doc).

        Not while an advisor has the chat, nor in a calculator dialog: a bot message would close the dialog
        (its question must stay the bot's last word, bot/services/conversations/outgoing.py).
        """
        known = self.people.recall(channel, external_id)
        if known is not None and (known.state != STATE_BOT or known.dialog):
            return False
        token = pending_update.set((f"busy:{claim[0]}"[:32], claim[1]) if claim is not None else None)
        batch = Batch()
        try:
            async with self.db.transaction() as session:
                person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
                if conversation.state != STATE_BOT or conversation.dialog is not None:
                    return False
                lang = ui_lang(person, lang_hint)
                await self.speaker.say(session, batch, person, conversation, t("busy_note", lang), action=BUSY_ACTION)
        except DuplicateUpdate:  # this update was noted before a crash or a redelivery
            return False
        finally:
            pending_update.reset(token)
        await self.speaker.finish(batch)
        log_event("busy_note", conversation_id=conversation.id)
        return True
