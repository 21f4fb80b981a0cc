"""Building and running the Telegram side: bot, dispatcher, long polling or webhook.

The dispatcher is built from the services it needs (no globals), so tests build
the very same one and point the bot at the loopback emulator with
`TELEGRAM_API_URL`. Webhook requests are checked against `WEBHOOK_SECRET` with a
constant-time compare (webhook mode does not start without one), their bodies are
capped at 1 MB, and they are answered only after the update was handled: if
handling fails, Telegram redelivers, and the idempotency middleware makes that
safe.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand, ErrorEvent, Update
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from bot.config import Settings
from bot.locales import t
from bot.services.admission import Admission
from bot.services.conversations import ConversationService
from bot.storage.db import Database
from bot.telegram import calculators, export, handoff, language, privacy, questions, start, topics
from bot.telegram.context import sender_of
from bot.telegram.intake import Intake, Poller, age_of
from bot.telegram.middlewares import ChatOrderMiddleware, IdempotencyMiddleware, SenderMiddleware, ToastMiddleware
from bot.telegram.polling import PollingLeader, create_polling_lock, lock_kind
from bot.telegram.session import TolerantSession

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - the header's name, not a secret
COMMANDS = ("start", "topics", "advisor", "deadline", "language", "privacy", "delete", "export")


def create_bot(settings: Settings) -> Bot:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # aiogram's session, but one broken update in a getUpdates answer cannot stall polling (session.py)
    session = TolerantSession(api=TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/")))
    return Bot(
        token=settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )


def create_dispatcher(conversations: ConversationService, db: Database, bot_id: int) -> Dispatcher:
    # No aiogram FSM: the conversation's state lives in the database (it must survive restarts and be
    # shared by replicas), and the FSM middleware would read its own state store for every update.
    dp = Dispatcher(disable_fsm=True, conversations=conversations)
    dp.update.outer_middleware(ChatOrderMiddleware())
    dp.update.outer_middleware(IdempotencyMiddleware(db, source=update_source(bot_id)))
    dp.callback_query.middleware(ToastMiddleware())  # outermost of the two: a skipped press is answered too
    for observer in (dp.message, dp.callback_query):
        observer.middleware(SenderMiddleware())
    # Free text first (never a command), then the commands, the catch-alls last.
    dp.include_router(questions.create_text_router())
    dp.include_routers(
        *(m.create_router() for m in (start, language, topics, handoff, calculators, privacy, export, questions))
    )
    dp.errors.register(_on_error)
    return dp


async def _on_error(event: ErrorEvent, conversations: ConversationService) -> bool:
    """Log with ids only; tell the person something went wrong instead of leaving them without an answer."""
    update = event.update
    log.error(
        "update_failed",
        extra={"update_id": update.update_id, "error": type(event.exception).__name__},
        exc_info=event.exception,
    )
    source = update.message or update.callback_query
    if source is None:
        return True
    sender = sender_of(source)
    bot = getattr(update, "bot", None) or (source.bot if source is not None else None)
    if sender is not None and bot is not None:
        with contextlib.suppress(Exception):
            await bot.send_message(int(sender.external_id), t("error_generic", sender.lang_hint or "en"))
    return True


async def set_commands(bot: Bot) -> None:
    with contextlib.suppress(Exception):
        await bot.set_my_commands([BotCommand(command=c, description=t(f"cmd_{c}", "en")) for c in COMMANDS])
        for lang in ("de", "ar", "fa", "ru", "uk", "tr", "fr"):
            await bot.set_my_commands(
                [BotCommand(command=c, description=t(f"cmd_{c}", lang)) for c in COMMANDS], language_code=lang
            )


def update_source(bot_id: int) -> str:
    """The name under which this bot's update ids are recorded (processed_update, inbound_update)."""
    return f"telegram:{bot_id}"


class TelegramRuntime:
    """Owns the bot session, the intake (bot/telegram/intake.py) and, in polling mode, the polling leader."""

    # How long a graceful stop waits for the updates in flight after polling ended; the rest stays stored.
    IN_FLIGHT_GRACE = 10.0

    def __init__(
        self,
        settings: Settings,
        bot: Bot,
        dp: Dispatcher,
        conversations: ConversationService,
        db: Database,
        admission: Admission | None = None,
    ) -> None:
        self.settings = settings
        self.bot = bot
        self.dp = dp
        self.leader: PollingLeader | None = None
        self.admission = admission or Admission(
            settings.telegram_max_concurrent_updates, settings.overload_note_after_seconds
        )
        self.intake = Intake(dp, bot, conversations, self.admission, update_source(bot.id))
        self.poller = Poller(
            self.intake,
            db,
            max_backlog=settings.overload_max_backlog,
            allowed_updates=dp.resolve_used_update_types(),
        )

    @property
    def webhook_mode(self) -> bool:
        return bool(self.settings.webhook_url)

    async def start(self) -> None:
        await set_commands(self.bot)
        if self.webhook_mode:
            if self.settings.webhook_secret is None:  # the settings refuse this already; never register without
                raise ValueError("webhook mode needs WEBHOOK_SECRET")
            await self.bot.set_webhook(
                url=self.settings.webhook_url or "",
                secret_token=self.settings.webhook_secret.get_secret_value(),
                allowed_updates=self.dp.resolve_used_update_types(),
                max_connections=self.settings.telegram_max_concurrent_updates,
            )
            log.info("webhook_set")
        else:
            await self.bot.delete_webhook(drop_pending_updates=False)
            # Every replica runs a leader; only the one holding the lock polls.
            self.leader = PollingLeader(
                create_polling_lock(self.settings, self.bot.id),
                self._poll,
                self._finish_polling,
                interval=self.settings.telegram_polling_lock_ttl / 3,
            )
            self.leader.start()
            log.info("polling_started", extra={"lock": lock_kind(self.settings)})

    async def _poll(self) -> None:
        # Updates are stored, then confirmed, then handled TELEGRAM_MAX_CONCURRENT_UPDATES at a time, urgent
        # first (bot/telegram/intake.py): the backlog waits here, not as thousands of tasks at the SQLite writer.
        await self.poller.run()

    async def _finish_polling(self) -> None:
        """Stop asking for updates, then let those held finish (their replies reach the outbox); what is
        left after the grace stays stored for the next poller."""
        self.poller.stop()
        await self.poller.finish(self.IN_FLIGHT_GRACE)

    async def stop(self) -> None:
        if self.leader is not None:
            await self.leader.stop()
            self.leader = None
        await self.bot.session.close()

    async def feed_webhook(self, body: Any) -> None:
        update = Update.model_validate(body, context={"bot": self.bot})
        await self.intake.handle(update, age=age_of(update))


MAX_UPDATE_BYTES = 1 << 20  # Telegram's updates are a few KB; 1 MB is plenty, and caps what a stranger can send


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is (or says it is) larger than `limit`; chunked bodies are counted as read."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def webhook_router(get_runtime: Any, settings: Settings) -> APIRouter:
    """POST endpoint for Telegram's webhook; `get_runtime()` returns the running TelegramRuntime.

    Only requests carrying WEBHOOK_SECRET are read (create_app refuses webhook mode without one).
    """
    router = APIRouter()
    if settings.webhook_secret is None or not settings.webhook_secret.get_secret_value():
        raise ValueError("webhook mode needs WEBHOOK_SECRET")
    expected = settings.webhook_secret.get_secret_value().encode()

    @router.post(settings.telegram_webhook_path, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook_bad_secret")
            return Response(status_code=401)
        runtime = get_runtime()
        if runtime is None:
            return Response(status_code=503)
        raw = await _read_capped(request, MAX_UPDATE_BYTES)
        if raw is None:
            log.warning("webhook_update_too_large")
            return Response(status_code=413)
        try:
            await runtime.feed_webhook(json.loads(raw))
        except (ValueError, ValidationError) as exc:
            # A broken update can never succeed: acknowledge it so Telegram does not retry it forever.
            # One line, with the error's type only: the update may carry a person's text.
            log.warning("webhook_bad_update", extra={"error": type(exc).__name__})
            return Response(status_code=200)
        return Response(status_code=200)

    return router
