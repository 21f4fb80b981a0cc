"""What is sent and stored: every outgoing message is written and staged for its channel in one transaction.

Nothing is said that is not on record, and nothing on record is lost when a
channel is down: `say` stores the message and stages its delivery with the
channel's sender inside the caller's transaction (see `bot.services.channels`);
`finish`, after the commit, starts delivery and then publishes the events the
console follows (in that order: the console re-reads what is committed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import events
from bot.errors import InvalidInput
from bot.services.answers import Reply
from bot.services.channels import ChannelSender, Keyboard, Outgoing
from bot.services.conversations.buttons import KeyboardFor
from bot.storage import repositories as repo
from bot.storage.models import Conversation, Person

log = logging.getLogger("bot.services.conversations")
CALCULATOR_ACTION = "calculator"  # the stored action of a calculator question or result


def log_event(event: str, **fields: Any) -> None:
    """One INFO line per state change: ids and decisions only, never message text."""
    log.info(event, extra=fields)


class Batch:
    """Outgoing messages staged in one transaction, flushed after commit."""

    def __init__(self) -> None:
        self.staged: list[tuple[ChannelSender, Any]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []


class Speaker:
    """The channels' senders and the event bus: how a stored message reaches the person and the console."""

    def __init__(self, senders: Mapping[str, ChannelSender], bus: events.EventBus) -> None:
        self.senders = senders
        self.bus = bus

    def sender(self, channel: str) -> ChannelSender:
        try:
            return self.senders[channel]
        except KeyError as exc:
            raise InvalidInput(f"no sender for channel {channel!r}; configure it before sending") from exc

    async def say(
        self,
        session: AsyncSession,
        batch: Batch,
        person: Person,
        conversation: Conversation,
        html_text: str,
        buttons: Keyboard | KeyboardFor | None = None,
        *,
        author: str = "bot",
        reply: Reply | None = None,
        action: str | None = None,
        advisor_id: int | None = None,
        plain_text: str | None = None,
        store: bool = True,
        kind: str = "text",
        attachment: dict[str, Any] | None = None,
    ) -> int | None:
        """Store an outgoing message and stage its delivery in the same transaction; returns its id."""
        sender = self.sender(person.channel)
        message_id = None
        if action != CALCULATOR_ACTION and conversation.dialog is not None:
            conversation.dialog = None  # a calculator question is open only while it is the bot's last word
        if store:
            row = outgoing_row(
                sender, conversation, html_text, author, reply, action, advisor_id=advisor_id, plain_text=plain_text
            )
            row |= {"kind": kind, "attachment": attachment}
            message_id = (await repo.add_messages(session, [row]))[0]
        await self.stage(
            session, batch, person.channel, [outgoing(person, conversation, html_text, buttons, message_id)]
        )
        return message_id

    async def stage(self, session: AsyncSession, batch: Batch, channel: str, outgoings: Sequence[Outgoing]) -> None:
        """Record deliveries of messages already stored (many at once on the group-commit path); for a channel
        that shows the person the record, the buttons go on the stored rows too, in the same transaction."""
        sender = self.sender(channel)
        if sender.shows_record:
            await repo.keep_buttons(
                session, [(o.message_id, o.button_rows()) for o in outgoings if o.message_id and o.buttons]
            )
        batch.staged.extend((sender, token) for token in await sender.stage(session, outgoings))

    async def finish(self, batch: Batch) -> None:
        """After commit: deliver, then notify (order matters: the console re-reads what is committed)."""
        by_sender: dict[int, tuple[ChannelSender, list[Any]]] = {}
        for sender, token in batch.staged:
            by_sender.setdefault(id(sender), (sender, []))[1].append(token)
        for sender, tokens in by_sender.values():
            await sender.flush(tokens)
        await self.bus.publish_many(batch.events)


def outgoing_row(
    sender: ChannelSender,
    conversation: Conversation,
    html_text: str,
    author: str,
    reply: Reply | None,
    action: str | None,
    *,
    advisor_id: int | None = None,
    plain_text: str | None = None,
) -> dict[str, Any]:
    """The stored form of an outgoing message; with the entry, version and score of a retrieval reply."""
    return {
        "conversation_id": conversation.id,
        "direction": "out",
        "author": author,
        "advisor_id": advisor_id,
        "text": plain_text if plain_text is not None else html_text,
        "entry_id": reply.entry_id if reply else None,
        "entry_version": reply.entry_version if reply else None,
        "score": reply.score if reply else None,
        "action": action or (reply.action if reply else None),
        "lang": reply.answer_lang if reply else None,
        "delivery_status": "sent" if sender.delivered_on_commit else "queued",
        "kind": "text",
        "attachment": None,
    }


def outgoing(
    person: Person,
    conversation: Conversation,
    html_text: str,
    buttons: Keyboard | KeyboardFor | None,
    message_id: int | None,
) -> Outgoing:
    """What the channel's sender gets: the HTML, the buttons and the ids it reports back with."""
    return Outgoing(
        person_id=person.id,
        channel=person.channel,
        external_id=person.external_id,
        html=html_text,
        buttons=buttons(message_id or 0) if callable(buttons) else buttons or [],
        conversation_id=conversation.id,
        message_id=message_id,
    )
