"""The bot's update stream: global update ids, getUpdates long polling and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .errors import conflict
from .files import Upload, resolve_attachments

DEFAULT_ALLOWED = frozenset(
    {"message_reaction", "message_reaction_count", "chat_member"}
)  # excluded unless asked for, as in Telegram


_WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
_TERMINATED = "terminated by other getUpdates request; make sure that only one bot instance is running"


@dataclass(slots=True)
class _Pending:
    update: dict[str, Any]
    kind: str
    delivered: bool = False


@dataclass(slots=True)
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0
    failures: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class UpdateQueue:
    def __init__(self, run_method: Callable[[str, dict[str, Any]], Awaitable[Any]]) -> None:
        self._ids = itertools.count(1)
        self._pending: deque[_Pending] = deque()
        self.history: dict[int, dict[str, Any]] = {}
        self.allowed_updates: list[str] | None = None
        self.webhook: Webhook | None = None
        self._arrived = asyncio.Event()
        self._poller: asyncio.Future[None] | None = None
        self._run_method = run_method
        self._session: aiohttp.ClientSession | None = None
        self.retry_delays = (0.05, 0.2, 0.5, 1.0)

    # --- producing ------------------------------------------------------------------------------

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update_id = next(self._ids)
        update: dict[str, Any] = {"update_id": update_id, kind: payload}
        self.history[update_id] = update
        self._append(_Pending(update, kind))
        return update

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue `update` as given (broken payloads, unknown kinds), with the next update_id.

        For property tests: Telegram itself only sends well-formed updates, but a newer Bot API sends
        fields and kinds this bot's aiogram does not know, and the bot must survive them.
        """
        update = {**update, "update_id": next(self._ids)}
        self.history[update["update_id"]] = update
        kind = next((k for k in update if k != "update_id"), "unknown")
        self._append(_Pending(update, kind))
        return update

    def redeliver(self, update_id: int) -> dict[str, Any]:
        update = self.history[update_id]
        kind = next(k for k in update if k != "update_id")
        self._append(_Pending(update, kind))
        return update

    def _append(self, pending: _Pending) -> None:
        self._pending.append(pending)
        self._arrived.set()

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def unconfirmed_count(self) -> int:
        """Updates of the kinds the bot asked for that it has not yet confirmed (getUpdates offset past them)."""
        return sum(1 for p in self._pending if self._allowed(p.kind))

    def drop_pending(self) -> None:
        self._pending.clear()

    # --- getUpdates ------------------------------------------------------------------------------

    def _allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in DEFAULT_ALLOWED

    def _take(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        if offset is not None and offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()
        elif offset is not None:
            self._pending = deque(p for p in self._pending if not (p.delivered and p.update["update_id"] < offset))
        out: list[dict[str, Any]] = []
        for pending in self._pending:
            if len(out) >= limit:
                break
            if not self._allowed(pending.kind):
                continue
            pending.delivered = True
            out.append(pending.update)
        return out

    async def get_updates(
        self, offset: int | None, limit: int, timeout: float, allowed_updates: list[str] | None
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise conflict(_WEBHOOK_ACTIVE)
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates
        limit = max(1, min(limit, 100))
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)  # the older request ends with 409, like Telegram
        me: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poller = me
        deadline = time.monotonic() + max(0.0, timeout)
        try:
            while True:
                if me.done():
                    raise conflict(_TERMINATED)
                if self.webhook is not None:
                    raise conflict(_WEBHOOK_ACTIVE)
                self._arrived.clear()
                updates = self._take(offset, limit)
                if updates:
                    return updates
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                waiter: asyncio.Future[Any] = asyncio.ensure_future(self._arrived.wait())
                done, _ = await asyncio.wait({waiter, me}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                if waiter not in done:
                    waiter.cancel()
        finally:
            if self._poller is me:
                self._poller = None

    # --- webhook ---------------------------------------------------------------------------------

    async def set_webhook(self, hook: Webhook, drop_pending: bool) -> None:
        await self.delete_webhook(drop_pending)
        self.webhook = hook
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)
        hook.task = asyncio.create_task(self._deliver_forever(hook))

    async def delete_webhook(self, drop_pending: bool) -> None:
        hook, self.webhook = self.webhook, None
        if hook is not None and hook.task is not None:
            hook.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hook.task
        if drop_pending:
            self.drop_pending()

    async def close(self) -> None:
        await self.delete_webhook(False)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver_forever(self, hook: Webhook) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while True:
                while self._pending and len(in_flight) < hook.max_connections:
                    pending = self._pending.popleft()
                    if hook.allowed_updates and pending.kind not in hook.allowed_updates:
                        continue
                    task = asyncio.create_task(self._deliver(hook, pending))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                self._arrived.clear()
                if self._pending and in_flight:
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                else:
                    await self._arrived.wait()
        finally:
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _deliver(self, hook: Webhook, pending: _Pending) -> None:
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        body = json.dumps(pending.update)
        try:
            await self._post_until_accepted(hook, pending, body, headers)
        except asyncio.CancelledError:
            self._pending.appendleft(pending)  # webhook changed mid-delivery: deliver it again later
            self._arrived.set()
            raise

    async def _post_until_accepted(self, hook: Webhook, pending: _Pending, body: str, headers: dict[str, str]) -> None:
        assert self._session is not None
        attempt = 0
        while True:
            try:
                async with self._session.post(hook.url, data=body, headers=headers) as response:
                    if 200 <= response.status < 300:
                        hook.deliveries += 1
                        answer = await _method_in_response(response)
                        if answer is not None:
                            await self._run_method(*answer)
                        return
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
            hook.failures += 1
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            await asyncio.sleep(self.retry_delays[min(attempt, len(self.retry_delays) - 1)])
            attempt += 1


async def _method_in_response(response: aiohttp.ClientResponse) -> tuple[str, dict[str, Any]] | None:
    """Telegram runs a method returned in the webhook response body; aiogram sends it as a multipart
    form (or JSON from other frameworks)."""
    params: dict[str, Any] = {}
    if response.content_type == "multipart/form-data":
        reader = aiohttp.MultipartReader.from_response(response)
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename:
                data = bytes(await part.read())
                params[part.name] = Upload(part.filename, part.headers.get("Content-Type", ""), data)
            else:
                params[part.name] = await part.text()
        resolve_attachments(params)
    else:
        text = await response.text()
        if not text.strip():
            return None
        try:
            payload = json.loads(text)
        except ValueError:
            return None
        if not isinstance(payload, dict):
            return None
        params = payload
    method = params.pop("method", None)
    return (method, params) if isinstance(method, str) else None
