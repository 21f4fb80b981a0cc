"""The ASGI app: one process holds the Telegram bot, the console and the web chat.

`create_app(settings)` is a factory (no globals): the lifespan opens and migrates
the database, loads the answer service, starts the outbox worker and, when a bot
token is set, long polling — or, with `WEBHOOK_URL`, registers the webhook.
Without a token the console and web chat still run, so a new user sees the
whole system at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot import events
from bot.config import Settings, get_settings
from bot.errors import ConfigError
from bot.operations import operations_router
from bot.services.admission import Admission
from bot.services.brakes import WebChatLimits
from bot.services.channels import ChannelSender, WebChatSender
from bot.services.conversations import Answerer, ConversationService, ReplyCache
from bot.services.editorial.canned import seed_shipped as seed_shipped_canned
from bot.services.letters.pending import create_pending_letters
from bot.services.logins import Logins
from bot.services.oncall import OnCallAlert
from bot.services.outbox import TelegramHttpSender, TelegramOutbox
from bot.services.outbox.mail import mail_outbox
from bot.services.privacy import PrivacyService
from bot.services.service_profile import ServiceProfileStore
from bot.services.throttling import create_throttle
from bot.storage.db import Database, private_dir

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything the lifespan built; routers reach it as `request.app.state.runtime`."""

    settings: Settings
    db: Database
    bus: events.EventBus
    conversations: ConversationService
    outbox: TelegramOutbox
    answers: Answerer | None
    mail_outbox: TelegramOutbox | None = None  # e-mail alerts (bot/services/outbox/mail.py)
    telegram: Any = None  # bot.telegram.runtime.TelegramRuntime when a token is set
    logins: Any = None  # bot.services.logins.Logins: the console's password checks and their brakes
    web_limits: Any = None  # bot.services.brakes.WebChatLimits: new chats and messages per client address
    admission: Admission | None = None  # under load: who goes first, and the busy note (bot/services/admission.py)


def telegram_enabled(settings: Settings) -> bool:
    """An empty TELEGRAM_BOT_TOKEN (as in .env.example) means "no Telegram", like an unset one."""
    token = settings.telegram_bot_token
    return token is not None and bool(token.get_secret_value().strip())


WEBHOOK_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def check_startup(settings: Settings) -> None:
    """Refuse settings that would run insecurely (`ConfigError`, one line naming the fix).

    A webhook URL without a secret is refused by the settings themselves (bot.config); here the
    secret must also be one Telegram accepts, or set_webhook would fail only after the start.
    """
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret is not None else None
    if telegram_enabled(settings) and settings.webhook_url and secret and not WEBHOOK_SECRET_FORMAT.fullmatch(secret):
        raise ConfigError("WEBHOOK_SECRET must be 1-256 characters from A-Z a-z 0-9 _ - (Telegram's rule)")


def load_answer_service(settings: Settings) -> Answerer | None:
    """The retrieval service; without a built index the bot still runs (console, hand-over) and says so."""
    try:
        from bot.services.answers import AnswerService

        service = AnswerService.from_settings(settings)
        # Loads the index and runs the model once now: otherwise the first person waits ~1 s for both,
        # a broken index shows only then, and what they load misses the freeze below.
        service.respond("Wie hoch ist der Mindestlohn?")
        return service
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"[:300]
        log.error("answer service unavailable: %s", detail, extra={"event": "answer_service_unavailable"})
        return None


async def _purge_periodically(db: Database, bus: events.EventBus, retention_days: int, every: float) -> None:
    """The retention promise of the privacy notice: conversations go RETENTION_DAYS after their last activity."""
    from bot.services import retention

    while True:
        try:
            await retention.purge(db, retention_days, bus=bus)
        except Exception:  # a failed purge is retried next round; it must not stop the bot
            log.exception("retention_purge_failed")
        await asyncio.sleep(every)


async def _follow_index(
    bus: events.EventBus, conversations: ConversationService, answers: Answerer | None, retry: float = 5.0
) -> None:
    """A published index invalidates cached replies in every replica and is loaded at once, so the first
    person after a publish does not wait for the load (and /readyz, /metrics name the version served).
    After a Redis outage it subscribes again."""
    load = getattr(answers, "load_current_index", None)
    while True:
        try:
            async for _payload in bus.subscribe(events.INDEX):
                if load is not None:
                    try:
                        await asyncio.to_thread(load)
                    except Exception as exc:  # a broken version: keep serving the loaded one, say why
                        log.error("index_load_failed", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
                # After the load: a reply computed meanwhile from the old index must not stay cached.
                conversations.index_changed()
        except Exception as exc:  # Redis down or restarted: this replica must not stop following for good
            log.warning("index_follow_failed", extra={"error": type(exc).__name__})
        conversations.index_changed()  # a publish may have gone by while disconnected
        await asyncio.sleep(retry)


def create_app(settings: Settings | None = None, *, answers: Answerer | None = None) -> FastAPI:
    """Build the app. `answers` lets tests and benches share one loaded answer service."""
    settings = settings or get_settings()
    check_startup(settings)
    private_dir(settings.fairbot_data_dir)  # 0700: the database, the secret key and the index live there

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.effective_database_url)
        await db.migrate()
        async with db.transaction() as session:  # a fresh install starts with the shipped canned replies
            await seed_shipped_canned(session)
        profile = ServiceProfileStore(settings)
        profile.opening_hours()  # the source (and an unreadable deprecated setting) is known at start
        bus = events.create_event_bus(settings.redis_url, settings.redis_key_prefix)
        service = answers if answers is not None else await asyncio.to_thread(load_answer_service, settings)
        outbox = TelegramOutbox(db, bus=bus, lease_seconds=settings.fairbot_outbox_lease_seconds)
        mail = mail_outbox(db, settings)
        senders: dict[str, ChannelSender] = {"telegram": outbox, "web": WebChatSender(bus)}
        oncall = OnCallAlert(profile.profile, settings.console_url, mail_configured=bool(settings.smtp_host))
        privacy = PrivacyService(db, bus, senders)
        conversations = ConversationService(
            db,
            service,
            bus,
            senders,
            region=settings.fairbot_region,
            opening_hours=profile.opening_hours,
            minutes_per_person=settings.handoff_minutes_per_person,
            throttle=create_throttle(
                settings.redis_url,
                settings.throttle_messages,
                settings.throttle_window_seconds,
                prefix=settings.redis_key_prefix,
            ),
            reply_cache=ReplyCache(),
            privacy=privacy,
            retention_days=settings.retention_days,
            oncall=oncall,
            pending_letters=create_pending_letters(settings.redis_url, settings.redis_key_prefix),
        )
        web_limits = WebChatLimits.create(
            settings.redis_url,
            settings.web_chat_new_per_address,
            settings.web_chat_messages_per_address,
            prefix=settings.redis_key_prefix,
        )
        runtime = Runtime(
            settings,
            db,
            bus,
            conversations,
            outbox,
            service,
            logins=Logins.from_settings(db, settings),
            web_limits=web_limits,
            mail_outbox=mail,
            admission=Admission(settings.telegram_max_concurrent_updates, settings.overload_note_after_seconds),
        )
        app.state.runtime = runtime
        http_sender: TelegramHttpSender | None = None
        follower = asyncio.create_task(_follow_index(bus, conversations, service), name="index-follower")
        purger = asyncio.create_task(
            _purge_periodically(db, bus, settings.retention_days, every=3600.0), name="retention-purge"
        )
        if telegram_enabled(settings):
            from bot.telegram.runtime import TelegramRuntime, create_bot, create_dispatcher

            bot = create_bot(settings)
            assert settings.telegram_bot_token is not None
            http_sender = TelegramHttpSender(settings.telegram_api_url, settings.telegram_bot_token.get_secret_value())
            outbox.send = http_sender
            dp = create_dispatcher(conversations, db, bot.id)
            runtime.telegram = TelegramRuntime(settings, bot, dp, conversations, db, runtime.admission)
        await outbox.start()
        await mail.start()
        if runtime.telegram is not None:
            await runtime.telegram.start()
        log.info("started", extra={"telegram": runtime.telegram is not None})
        # What is loaded by now (index, model, locales) lives as long as the process: out of the cycle
        # collector's way. Its full passes over all of it took ~250 ms each under load, stalling every
        # update in flight (bench/throughput.py). Most later objects die young by reference counting:
        # the collector can run far less often.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        try:
            yield
        finally:
            if runtime.telegram is not None:
                await runtime.telegram.stop()
            await outbox.stop()
            await mail.stop()
            if http_sender is not None:
                await http_sender.close()
            for task in (follower, purger):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if conversations.throttle is not None:
                await conversations.throttle.close()
            await conversations.letters.pending.close()
            await runtime.logins.close()
            await web_limits.close()
            await bus.close()
            await db.dispose()

    docs = settings.fairbot_api_docs  # a map of every route is for development, not for strangers
    app = FastAPI(
        title="fairbot",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings

    if telegram_enabled(settings) and settings.webhook_url:
        from bot.telegram.runtime import webhook_router

        app.include_router(webhook_router(lambda: getattr(app.state.runtime, "telegram", None), settings))

    app.include_router(operations_router())  # /healthz, /readyz, /metrics (bot/operations.py)

    # ---- console and web chat (bot/console, added by the console colleague) --------------------------
    # One call adds the advisor console, the editor and the web chat at /chat; they reach the services
    # through `request.app.state.runtime` (conversations, db, bus, settings).
    include_console(app)
    # Outermost: the client address and scheme every part below sees are the proxy's word only when
    # the proxy is trusted (uvicorn's own proxy handling is off in `fairbot run`, so this is the one place).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def include_console(app: FastAPI) -> None:
    """Mount bot/console's routers when that package provides them (see the marked place above)."""
    try:
        from bot.console import include_console as include
    except ImportError:
        return
    include(app)


def serve(settings: Settings | None = None, *, host: str | None = None, port: int | None = None) -> None:
    """`fairbot run`: logging configured once (JSON lines, uvicorn's too), then the app under uvicorn."""
    import uvicorn

    from bot.logs import configure_logging

    settings = settings or get_settings()
    log_config = configure_logging(settings.fairbot_log_level)
    if sys.stderr.isatty():  # a person started it (`make run`): where to go, before the JSON log lines
        base = f"http://{host or settings.fairbot_host}:{port or settings.fairbot_port}"
        print(
            f"fairbot starting (the first start builds the search index, a few minutes).\n"
            f"  web chat: {base}/chat\n  console:  {base}/console\n"
            f"  no console account yet? .venv/bin/fairbot user add NAME --role admin\n"
            f"  something wrong? .venv/bin/fairbot doctor",
            file=sys.stderr,
            flush=True,
        )
    uvicorn.run(
        create_app(settings),
        host=host or settings.fairbot_host,
        port=port or settings.fairbot_port,
        log_config=log_config,
        log_level=settings.fairbot_log_level.lower(),
        proxy_headers=False,  # the app's own ProxyHeadersMiddleware trusts TRUSTED_PROXIES only
    )
