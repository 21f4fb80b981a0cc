"""Erasure on request and the retention purge: what the privacy notice promises, done in code.

Deleting a person removes every row that came from them in one transaction
(conversations, messages, notes, handover packets, feedback, pending outbox
rows: all cascade from `person`). The confirmation that follows is sent without
being stored, so nothing of the person stays behind except an outbox row with
the chat id, which the purge removes once it is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from bot.locales import t
from bot.services import retention
from bot.services.channels import Outgoing
from bot.storage import repositories as repo
from bot.storage.models import Conversation, OutboxItem, Person

if TYPE_CHECKING:
    from bot.services.conversations import ConversationService

log = logging.getLogger(__name__)


class PrivacyService:
    def __init__(self, conversations: ConversationService) -> None:
        self.conversations = conversations
        self.db = conversations.db

    async def answer_delete(self, channel: str, external_id: str, confirmed: bool, lang_hint: str | None) -> str | None:
        """The person pressed "delete" or "keep" under the confirmation question."""
        async with self.db.session() as session:
            person = await repo.find_person(session, channel, external_id)
            lang = self.conversations._ui_lang(person, lang_hint) if person else (lang_hint or "en")
        if not confirmed:
            return t("delete_cancelled", lang)
        await self.erase(channel, external_id, lang)
        return t("delete_done_toast", lang)

    async def erase(self, channel: str, external_id: str, lang: str = "en") -> bool:
        """Delete everything about one person; tells them so. False if there was nothing to delete."""
        sender = self.conversations._sender(channel)
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            if person is None:
                return False
            person_id = person.id
            conversation_ids = (
                await session.scalars(select(Conversation.id).where(Conversation.person_id == person_id))
            ).all()
            await session.execute(delete(OutboxItem).where(OutboxItem.person_id == person_id))
            await session.execute(delete(Person).where(Person.id == person_id))
            # person_id 0: the row must not point at the person it outlives
            outgoing = Outgoing(person_id=0, channel=channel, external_id=external_id, html=t("delete_done", lang))
            staged = await sender.stage(session, [outgoing])
        self.conversations.forget(channel, external_id)
        await self.db.checkpoint()
        await sender.flush(staged)
        for conversation_id in conversation_ids:
            await self.conversations.bus.publish(
                f"conversation:{conversation_id}", {"type": "erased", "conversation_id": conversation_id}
            )
        await self.conversations.bus.publish("queue", {"type": "erased"})
        log.info(json.dumps({"event": "person_erased", "conversations": list(conversation_ids)}))
        return True

    async def purge(self, retention_days: int, now: dt.datetime | None = None) -> dict[str, int]:
        """The retention purge (bot.services.retention) as of `now`: its counts."""
        counts = await retention.purge(self.db, retention_days, now=now, bus=self.conversations.bus)
        return counts.as_dict()
