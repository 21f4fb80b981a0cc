"""Telegram updates from the moment they arrive to their handling: stored, queued by urgency, handled, released.

Why not aiogram's polling loop: it handles a getUpdates batch (at most 100) and only then asks for the
next, so under load the backlog waits at Telegram, in arrival order, out of the bot's sight: an emergency
sent after a thousand questions waited for all of them (bench/throughput.py `--overload`). Here long
polling stores every fetched update (`inbound_update`) and only then confirms it to Telegram with the
next getUpdates, so the process holds the backlog (up to OVERLOAD_MAX_BACKLOG) and the admission gate
(bot/services/admission.py) serves possible emergencies and hand-over requests first. A process killed
meanwhile loses nothing: the next poller (this one restarted, or another replica that takes the lock)
handles what is left in the table, and the processed_update claim drops what had been handled already.
A row is deleted once its update was handled (in batches).

Webhook updates go through the same gate, answered to Telegram once handled as before; beyond the
replicas' connections (TELEGRAM_MAX_CONCURRENT_UPDATES each) the backlog waits at Telegram.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError

from bot.services.admission import ORDINARY, URGENT, Admission
from bot.services.conversations import ConversationService
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.telegram.context import CHANNEL, sender_of
from bot.telegram.middlewares import chat_key

log = logging.getLogger(__name__)

URGENT_COMMANDS = frozenset({"advisor"})  # /advisor asks for a person: it goes first like the button
RELEASE_EVERY = 0.2  # seconds: handled updates leave the table in one statement per interval


class Intake:
    """Every Telegram update passes here: ranked, queued at the gate, handled by the dispatcher."""

    def __init__(
        self, dp: Dispatcher, bot: Bot, conversations: ConversationService, admission: Admission, source: str
    ) -> None:
        self.dp = dp
        self.bot = bot
        self.conversations = conversations
        self.admission = admission
        self.source = source

    def rank(self, update: Update) -> int:
        """The cheap pre-check (no encoder): what may be an emergency or a request for a person goes first."""
        person = chat_key(update)
        if person is None:
            return ORDINARY
        message, query = update.message, update.callback_query
        text = None
        if message is not None:
            text = message.text or message.caption
            if text and text.startswith("/"):
                command = (text[1:].split(maxsplit=1) or [""])[0].split("@", 1)[0].lower()
                if command in URGENT_COMMANDS:
                    return URGENT
        data = query.data if query is not None else None
        return self.conversations.rank(CHANNEL, person, text=text, data=data)

    async def handle(self, update: Update, *, age: float = 0.0, may_note: bool = True) -> None:
        """Wait for a slot (urgent first), then let the dispatcher handle the update; `age`: seconds it spent
        at Telegram before it reached this process. `may_note` False: an update left by a crash (it may have
        been answered already; its handling finds out, a note could not)."""
        try:
            update.event_type  # noqa: B018 - only asking whether aiogram knows the kind
        except UpdateTypeLookupError:
            # A kind of update this aiogram does not know (a newer Bot API): no handler could take it, and the
            # dispatcher's warning about it dumps the update as JSON, which fails on a lone surrogate in its
            # text (tests/e2e/test_update_properties.py). Acknowledged as handled, with its id only.
            log.info("update_unknown_kind", extra={"update_id": update.update_id})
            return
        ticket = self.admission.queue(self.rank(update), chat_key(update), age)
        if ticket.note_due and may_note:
            self._note(update)
        async with ticket:
            await self.dp.feed_update(self.bot, update)

    def _note(self, update: Update) -> None:
        """The busy note goes now, while the update waits (its task starts with no pending update claim in
        its context: the update's own handling claims that)."""
        message = update.message
        sender = sender_of(message) if message is not None else None
        if sender is None:
            return
        claim = (self.source, update.update_id)
        self.admission.tell(lambda: self.conversations.busy_note(CHANNEL, sender.external_id, sender.lang_hint, claim))


def age_of(update: Update, now: float | None = None) -> float:
    """Seconds since Telegram received the message (its date has whole seconds); 0 for other updates."""
    message = update.message
    if message is None or message.date is None:
        return 0.0
    return max(0.0, (now if now is not None else time.time()) - message.date.timestamp())


class Poller:
    """Long polling into the table: fetch, store, confirm (by the next fetch), queue; see the module doc."""

    def __init__(
        self,
        intake: Intake,
        db: Database,
        *,
        max_backlog: int,
        allowed_updates: list[str] | None,
        polling_timeout: int = 10,
    ) -> None:
        self.intake = intake
        self.db = db
        self.max_backlog = max_backlog
        self.allowed_updates = allowed_updates
        self.polling_timeout = polling_timeout
        self.tasks: dict[int, asyncio.Task[None]] = {}  # update id -> its handling, held or running
        self._handled: list[int] = []
        self._releaser: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[Any] | None = None
        self._stopping = False

    @property
    def source(self) -> str:
        return self.intake.source

    async def run(self) -> None:
        """Until cancelled or `stop`: first what an earlier poller left, then what Telegram has."""
        self._stopping = False
        self._runner = asyncio.current_task()
        await self._resume()
        bot = self.intake.bot
        offset: int | None = None
        failures = 0
        while not self._stopping:
            room = self.max_backlog - len(self.tasks)
            if room <= 0:  # the backlog is full: the rest waits at Telegram until some are handled
                await asyncio.wait(set(self.tasks.values()), return_when=asyncio.FIRST_COMPLETED)
                continue
            method = GetUpdates(
                offset=offset,
                limit=min(100, room),
                timeout=self.polling_timeout,
                allowed_updates=self.allowed_updates,
            )
            try:
                updates = await bot(method, request_timeout=int((bot.session.timeout or 60) + self.polling_timeout))
                if updates:
                    await self._hold(updates)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Telegram or the database unreachable: wait and retry, never give up
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("polling_failed", extra={"error": type(exc).__name__, "retry_in": delay})
                await asyncio.sleep(delay)
                continue
            failures = 0
            if updates:
                offset = updates[-1].update_id + 1  # the next call confirms these: they are stored now
                now = time.time()
                for update in updates:
                    self._schedule(update, age_of(update, now))

    def stop(self) -> None:
        """Fetch no more (a getUpdates under way is abandoned: what it would return was not confirmed);
        what is held goes on being handled (see `finish`)."""
        self._stopping = True
        if self._runner is not None and self._runner is not asyncio.current_task():
            self._runner.cancel()

    async def finish(self, grace: float) -> None:
        """After `stop`: let the held updates run for `grace` seconds; what is left stays in the table."""
        pending = set(self.tasks.values())
        if pending:
            _done, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=5)
                log.warning("polling_left_held", extra={"updates": len(late)})
        await self._release_now()

    async def _hold(self, updates: list[Update]) -> None:
        rows = [(u.update_id, u.model_dump(mode="json", exclude_unset=True, by_alias=True)) for u in updates]
        async with self.db.transaction() as session:
            await repo.hold_updates(session, self.source, rows)

    async def _resume(self) -> None:
        async with self.db.session() as session:
            held = await repo.held_updates(session, self.source)
        now = time.time()
        resumed = 0
        for update_id, payload in held:
            if update_id in self.tasks:
                continue
            try:
                update = Update.model_validate(payload, context={"bot": self.intake.bot})
            except ValueError:
                update = Update(update_id=update_id)  # unreadable now: skipped by the dispatcher, released
            self._schedule(update, age_of(update, now), may_note=False)
            resumed += 1
        if resumed:
            log.info("polling_resumed_held", extra={"updates": resumed})

    def _schedule(self, update: Update, age: float, *, may_note: bool = True) -> None:
        if update.update_id in self.tasks:
            return
        task = asyncio.create_task(self._handle(update, age, may_note), name=f"update-{update.update_id}")
        self.tasks[update.update_id] = task
        task.add_done_callback(functools.partial(self._done, update.update_id))

    async def _handle(self, update: Update, age: float, may_note: bool) -> None:
        try:
            await self.intake.handle(update, age=age, may_note=may_note)
        except Exception:  # the dispatcher's error handler has answered the person; the intake goes on
            log.exception("update_unhandled", extra={"update_id": update.update_id})

    def _done(self, update_id: int, task: asyncio.Task[None]) -> None:
        self.tasks.pop(update_id, None)
        if task.cancelled():
            return  # stopped before it was handled: it stays in the table for the next poller
        self._handled.append(update_id)
        if self._releaser is None or self._releaser.done():
            self._releaser = asyncio.create_task(self._release_soon(), name="inbound-release")

    async def _release_soon(self) -> None:
        await asyncio.sleep(RELEASE_EVERY)
        await self._release_now()

    async def _release_now(self) -> None:
        handled, self._handled = self._handled, []
        if not handled:
            return
        try:
            async with self.db.transaction() as session:
                await repo.release_updates(session, self.source, handled)
        except Exception:  # left in the table: the next start drops them as already processed
            log.warning("inbound_release_failed", exc_info=True)
