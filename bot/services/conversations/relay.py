"""Messages that arrive while a human has (or is about to have) the chat: stored and passed to the console.

The bot stays quiet then: nothing is answered by retrieval, the message is
stored for the advisor and the console (and the queue, while the person waits)
is told.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import events, metrics
from bot.services.conversations.incoming import Inbound, Incoming, incoming_row
from bot.services.conversations.outgoing import Batch, Speaker, log_event
from bot.services.conversations.people import People
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import STATE_BOT, STATE_HUMAN, STATE_WAITING, Conversation, utcnow


class Relay:
    def __init__(self, db: Database, people: People, speaker: Speaker) -> None:
        self.db = db
        self.people = people
        self.speaker = speaker

    async def relay(self, inbound: Inbound) -> Incoming | None:
        """Store and pass on a message while a human is (about to be) in the chat; None if no longer so."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await repo.person_and_open_conversation(
                session, inbound.channel, inbound.external_id
            )
            if person is None or conversation is None or conversation.state not in (STATE_WAITING, STATE_HUMAN):
                if person is not None:
                    self.people.remember(person, STATE_BOT)
                else:
                    self.people.forget(inbound.channel, inbound.external_id)
                return None
            incoming = await relay_in(session, batch, conversation, inbound.text, inbound.kind, inbound.attachment)
        await self.speaker.finish(batch)
        log_event("relayed", conversation_id=conversation.id, kind=inbound.kind)
        metrics.count_message("relayed")
        return incoming


async def relay_in(
    session: AsyncSession,
    batch: Batch,
    conversation: Conversation,
    text: str,
    kind: str = "text",
    attachment: dict[str, Any] | None = None,
) -> Incoming:
    """Store a message for the advisor and tell the console: the conversation page and the inbox (queue, unread)."""
    message_id = await repo.add_message(session, **incoming_row(conversation, text, "relayed", kind, attachment))
    conversation.updated_at = utcnow()
    batch.events.append(
        (
            events.conversation_topic(conversation.id),
            {"type": "message", "message_id": message_id, "author": "user"},
        )
    )
    # the queue (while it waits) and the advisor's unread badge (once claimed) both live on the inbox page
    batch.events.append((events.QUEUE, {"type": "message", "conversation_id": conversation.id}))
    return Incoming(conversation.id, message_id, conversation.state, "relayed")
