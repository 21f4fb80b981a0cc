"""Erasure on request and the retention purge: what the privacy notice promises, done in code.

Deleting a person removes every row that came from them in one transaction
(conversations, messages, notes, handover packets, feedback, pending outbox
rows: all cascade from `person`), and the free-text reasons of audit events about
the person's conversations are blanked (bot.services.accounts.forget_reasons). The confirmation that follows is sent without
being stored, so nothing of the person stays behind except an outbox row with
the chat id, which the purge removes once it is sent.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy import delete, select

from bot.errors import InvalidInput
from bot.events import EventBus
from bot.locales import t
from bot.services import accounts, retention
from bot.services.channels import ChannelSender, Outgoing
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import Conversation, OutboxItem, Person

log = logging.getLogger(__name__)


class PrivacyService:
    """Built before the conversation core and handed to it: it needs the database, the bus and the senders only."""

    def __init__(self, db: Database, bus: EventBus, senders: Mapping[str, ChannelSender]) -> None:
        self.db = db
        self.bus = bus
        self.senders = senders
        # Told (channel, external id) after an erasure: caches keyed by the person drop them.
        self.on_erased: list[Callable[[str, str], Awaitable[None] | None]] = []

    async def answer_delete(self, channel: str, external_id: str, confirmed: bool, lang: str) -> str:
        """The person pressed "delete" or "keep" under the confirmation question; `lang` is their UI language."""
        if not confirmed:
            return t("delete_cancelled", lang)
        await self.erase(channel, external_id, lang)
        return t("delete_done_toast", lang)

    async def erase(self, channel: str, external_id: str, lang: str = "en") -> bool:
        """Delete everything about one person; tells them so. False if there was nothing to delete."""
        sender = self.senders.get(channel)
        if sender is None:
            raise InvalidInput(f"no sender for channel {channel!r}; configure it before sending")
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            if person is None:
                return False
            person_id = person.id
            conversation_ids = (
                await session.scalars(select(Conversation.id).where(Conversation.person_id == person_id))
            ).all()
            await session.execute(delete(OutboxItem).where(OutboxItem.person_id == person_id))
            await accounts.forget_reasons(session, conversation_ids)  # the access stays audited, not its free text
            await session.execute(delete(Person).where(Person.id == person_id))
            # person_id 0: the row must not point at the person it outlives
            outgoing = Outgoing(person_id=0, channel=channel, external_id=external_id, html=t("delete_done", lang))
            staged = await sender.stage(session, [outgoing])
        for forget in self.on_erased:
            done = forget(channel, external_id)
            if inspect.isawaitable(done):
                await done
        await self.db.checkpoint()
        await sender.flush(staged)
        for conversation_id in conversation_ids:
            await self.bus.publish(
                f"conversation:{conversation_id}", {"type": "erased", "conversation_id": conversation_id}
            )
        await self.bus.publish("queue", {"type": "erased"})
        log.info("person_erased", extra={"conversations": list(conversation_ids)})
        return True

    async def purge(self, retention_days: int, now: dt.datetime | None = None) -> dict[str, int]:
        """The retention purge (bot.services.retention) as of `now`: its counts."""
        counts = await retention.purge(self.db, retention_days, now=now, bus=self.bus)
        return counts.as_dict()
