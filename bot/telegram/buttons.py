"""The one handler of every button press: each feature router registers `press` for its own button classes.

Every press does the same job, which is the core's (`ConversationService.press` decides by the button's
class), so the routers only say which buttons are theirs; the toast the core returns answers the press.
"""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.conversations import ConversationService
from bot.services.conversations.buttons import Press
from bot.telegram.context import CHANNEL, Sender


async def press(
    query: CallbackQuery,
    sender: Sender,
    conversations: ConversationService,
    callback_answer: CallbackAnswer,
    callback_data: Press | None = None,
) -> None:
    """A button press handed to the core; without `callback_data` (registered with no button filter, last)
    the data is from an old keyboard or forged, and the core answers with a polite toast, never an error."""
    callback_answer.text = await conversations.press(CHANNEL, sender.external_id, callback_data, sender.lang_hint)
