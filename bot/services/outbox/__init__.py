"""The Telegram outbox: every reply stored with its message, then delivered in order with retries.

`store` owns the table (staging rows in the reply's transaction, recording results, taking over
expired leases), `delivery` the in-memory loop (per-chat order, backoff, `retry_after`, the sweeper),
`sender` the Bot API call and its error mapping, `split` the cutting of long HTML messages.
"""

from bot.services.outbox.delivery import TelegramOutbox
from bot.services.outbox.sender import PermanentFailure, RetryLater, SendFunc, TelegramHttpSender
from bot.services.outbox.split import TELEGRAM_TEXT_LIMIT, split_html

__all__ = [
    "TELEGRAM_TEXT_LIMIT",
    "PermanentFailure",
    "RetryLater",
    "SendFunc",
    "TelegramHttpSender",
    "TelegramOutbox",
    "split_html",
]
