"""Async filters for the routers.

aiogram runs a synchronous filter (a magic `F...` expression included) in a worker
thread, one thread hop per filter per update; at hundreds of updates per second
those hops cost more than the handling itself. These filters are coroutines.
"""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


class ButtonData(Filter):
    """Callback data starting with one of the prefixes (or equal to one of `exact`)."""

    def __init__(self, *prefixes: str, exact: tuple[str, ...] = ()) -> None:
        self.prefixes = prefixes
        self.exact = exact

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data or ""
        return data in self.exact or data.startswith(self.prefixes)


class PlainText(Filter):
    """Text that is not a /command."""

    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and not (message.text or "").startswith("/")


class SlashText(Filter):
    """Text that looks like a command none of the command routers knew."""

    async def __call__(self, message: Message) -> bool:
        return (message.text or "").startswith("/")
