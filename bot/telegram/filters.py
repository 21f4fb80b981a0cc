"""Async filters for the routers.

aiogram runs a synchronous filter (a magic `F...` expression included) in a worker
thread, one thread hop per filter per update; at hundreds of updates per second
those hops cost more than the handling itself. These filters are coroutines (and so are
the `CallbackData.filter()` filters of the buttons).
"""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message


class PlainText(Filter):
    """Text that is not a /command."""

    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and not (message.text or "").startswith("/")


class SlashText(Filter):
    """Text that looks like a command none of the command routers knew."""

    async def __call__(self, message: Message) -> bool:
        return (message.text or "").startswith("/")
