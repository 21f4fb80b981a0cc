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

    def keyboard_json(self) -> dict[str, Any] | None:
        if not self.buttons:
            return None
        return {"inline_keyboard": [[{"text": b.text, "callback_data": b.data} for b in row] for row in self.buttons]}


class ChannelSender(Protocol):
    channel: str
    delivered_on_commit: bool  # True: the message counts as sent once committed (no remote API to call)

    async def stage(self, session: AsyncSession, outgoings: Sequence[Outgoing]) -> list[Any]:
        """Record the deliveries inside the caller's transaction; returns a token per message for `flush`."""

    async def flush(self, staged: Sequence[Any]) -> None:
        """After commit: start delivering what was staged."""


class WebChatSender:
    """The web chat follows `chat:<person_id>` by SSE and reloads the stored history."""

    channel = "web"
    delivered_on_commit = True

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
                        "html": outgoing.html,
                        "buttons": [[{"text": b.text, "data": b.data} for b in row] for row in outgoing.buttons],
                    },
                )
                for outgoing in staged
            ]
        )
