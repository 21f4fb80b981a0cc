"""How a person is reached: the conversation core hands every outgoing message to its channel's sender.

The core never knows Telegram or HTTP. It builds an `Outgoing` (HTML plus button
rows) inside its database transaction and calls `stage` there, so the delivery
record commits together with the message (the outbox pattern); after the commit
it calls `flush`, which starts the actual delivery. `stage` takes many messages
at once: a batch of updates records all its deliveries in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import EventBus, chat_topic


@dataclass(frozen=True)
class Button:
    text: str
    data: str  # callback data, at most 64 bytes (Telegram's limit)


Keyboard = list[list[Button]]


@dataclass
class Outgoing:
    person_id: int
    channel: str
    external_id: str
    html: str
    buttons: Keyboard = field(default_factory=list)
    conversation_id: int | None = None
    message_id: int | None = None  # the stored Message this delivers, if any

    def button_rows(self) -> list[list[dict[str, str]]]:
        """The buttons as plain JSON rows, as a message row keeps them (`Message.buttons`)."""
        return [[{"text": b.text, "data": b.data} for b in row] for row in self.buttons]

    def keyboard_json(self) -> dict[str, Any] | None:
        if not self.buttons:
            return None
        return {"inline_keyboard": [[{"text": b.text, "callback_data": b.data} for b in row] for row in self.buttons]}


class ChannelSender(Protocol):
    channel: str
    delivered_on_commit: bool  # True: the message counts as sent once committed (no remote API to call)
    # True: the person's screen is rendered from the stored messages (the web chat re-renders its log from the
    # database, on whichever replica serves the page), so a message row keeps the buttons shown under it.
    # Telegram keeps them in the message it was sent, and the outbox payload: nothing to store twice.
    shows_record: bool

    async def stage(self, session: AsyncSession, outgoings: Sequence[Outgoing]) -> list[Any]:
        """Record the deliveries inside the caller's transaction; returns a token per message for `flush`."""

    async def flush(self, staged: Sequence[Any]) -> None:
        """After commit: start delivering what was staged."""


class WebChatSender:
    """The web chat follows `chat:<person_id>` by SSE and re-renders the stored history, buttons included
    (`shows_record`), so the event is only a nudge: no message text travels through the event bus."""

    channel = "web"
    delivered_on_commit = True
    shows_record = True

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    async def stage(self, session: AsyncSession, outgoings: Sequence[Outgoing]) -> list[Outgoing]:
        return list(outgoings)

    async def flush(self, staged: Sequence[Any]) -> None:
        await self.bus.publish_many(
            [
                (
                    chat_topic(outgoing.person_id),
                    {
                        "type": "message",
                        "conversation_id": outgoing.conversation_id,
                        "message_id": outgoing.message_id,
                    },
                )
                for outgoing in staged
            ]
        )
