"""Delivering to Telegram: an outbox table, per-chat order, retry with backoff and Telegram's `retry_after`.

Every outgoing Telegram call is a row written in the same transaction as the
message it delivers, so a crash or an API outage never loses a reply: the row
stays `pending` until the Bot API accepted it. Delivery itself runs in memory
right after the commit (no polling delay on the hot path); a sweeper picks up
rows whose lease expired (another replica died, or this one restarted).

Order matters in a chat (emergency numbers before the consent question), so the
items of one chat are sent one after another; different chats go in parallel.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import re
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import EventBus, conversation_topic
from bot.services.channels import Outgoing
from bot.storage.db import Database
from bot.storage.models import Message, OutboxItem, utcnow

log = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096
_TOKEN = re.compile(r"<[^>]+>|&[#a-zA-Z0-9]+;|\s+|[^<&\s]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9-]+)")


def split_html(html: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` characters without breaking tags or entities.

    Breaks at whitespace where it can; tags open at a break are closed at the end
    of one part and reopened at the start of the next, so each part parses alone.
    """
    if len(html) <= limit:
        return [html]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    open_tags: list[tuple[str, str]] = []  # (name, full opening tag)

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(open_tags))

    def flush() -> None:
        nonlocal current, size
        text = "".join(current) + closing()
        if text.strip():
            parts.append(text.strip())
        current = [tag for _, tag in open_tags]
        size = sum(len(t) for t in current)

    reserve = 64  # room for the closing tags appended at a break
    for token in _TOKEN.findall(html):
        pieces = [token]
        if len(token) > limit - reserve - 256:  # one enormous word: cut it
            step = limit - reserve - 256
            pieces = [token[i : i + step] for i in range(0, len(token), step)]
        for piece in pieces:
            if size + len(piece) + len(closing()) > limit - reserve and size > 0:
                flush()
            current.append(piece)
            size += len(piece)
            match = _TAG.match(piece) if piece.startswith("<") else None
            if match:
                closing_tag, name = match.group(1), match.group(2).lower()
                if closing_tag:
                    for i in range(len(open_tags) - 1, -1, -1):
                        if open_tags[i][0] == name:
                            del open_tags[i]
                            break
                elif not piece.endswith("/>"):
                    open_tags.append((name, piece))
    open_tags.clear()
    if current and "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


_OUTBOX = OutboxItem.__table__
# Rows are inserted with plain SQL, not the ORM: every reply passes here, and a flush costs far more.
_INSERT_OUTBOX = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)
_RESULT_COLUMNS = ("status", "attempts", "last_error", "sent_at", "lease_until", "next_attempt_at")
_RECORD_RESULT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("item_id"))
    .values(**{column: bindparam(column) for column in _RESULT_COLUMNS})
)
_RECORD_PAYLOAD = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("item_id")).values(payload=bindparam("payload"))
_MESSAGES = Message.__table__
_RECORD_DELIVERY = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("message_id"))
    .values(delivery_status=bindparam("delivery_status"), channel_message_id=bindparam("channel_message_id"))
)


def _result_params(result: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": result["id"], **{column: result[column] for column in _RESULT_COLUMNS}}


@dataclass
class _Item:
    id: int
    chat_id: str
    method: str
    payload: dict[str, Any]
    message_id: int | None
    conversation_id: int | None
    attempts: int = 0
    rewritten: bool = False  # the payload differs from the stored one (sent as plain text instead)


SendFunc = Callable[[str, dict[str, Any]], Awaitable[Any]]


class PermanentFailure(Exception):
    """The API refused for good (blocked by the user, bad request): retrying cannot help."""


class RetryLater(Exception):
    def __init__(self, delay: float | None, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


class TelegramOutbox:
    """The Telegram channel sender (see `bot.services.channels.ChannelSender`)."""

    channel = "telegram"
    delivered_on_commit = False

    def __init__(
        self,
        db: Database,
        send: SendFunc | None = None,
        *,
        bus: EventBus | None = None,
        max_in_memory_attempts: int = 8,
        base_delay: float = 0.25,
        max_delay: float = 30.0,
        lease_seconds: float = 120.0,
        sweep_interval: float = 2.0,
        concurrency: int = 64,
    ) -> None:
        self.db = db
        self.send = send
        self.bus = bus
        self.max_in_memory_attempts = max_in_memory_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.sweep_interval = sweep_interval
        self._semaphore = asyncio.Semaphore(concurrency)
        self._chats: dict[str, deque[_Item]] = {}
        self._known: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._results: list[dict[str, Any]] = []
        self._results_ready = asyncio.Event()
        self._waiters: dict[int, list[asyncio.Future[str]]] = {}
        self._background: list[asyncio.Task[None]] = []
        self._stopping = False

    # -- ChannelSender ---------------------------------------------------------------------------------
    async def stage(self, session: AsyncSession, outgoings: Sequence[Outgoing]) -> list[list[_Item]]:
        now = utcnow()
        rows: list[dict[str, Any]] = []
        owners: list[Outgoing] = []
        for outgoing in outgoings:
            parts = split_html(outgoing.html)
            keyboard = outgoing.keyboard_json()
            for index, part in enumerate(parts):
                payload: dict[str, Any] = {
                    "chat_id": outgoing.external_id,
                    "text": part,
                    "parse_mode": "HTML",
                    "link_preview_options": {"is_disabled": True},
                }
                if keyboard and index == len(parts) - 1:  # buttons under the last part
                    payload["reply_markup"] = keyboard
                rows.append(
                    {
                        "channel": "telegram",
                        "chat_id": outgoing.external_id,
                        "method": "sendMessage",
                        "payload": payload,
                        "message_id": outgoing.message_id,
                        "person_id": outgoing.person_id or None,
                        "lease_until": now + self.lease,
                        "next_attempt_at": now,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                    }
                )
                owners.append(outgoing)
        if not rows:
            return []
        ids = (await session.execute(_INSERT_OUTBOX, rows[0] if len(rows) == 1 else rows)).scalars().all()
        tokens: dict[int, list[_Item]] = {id(outgoing): [] for outgoing in outgoings}
        for id_, row, outgoing in zip(ids, rows, owners, strict=True):
            tokens[id(outgoing)].append(
                _Item(
                    id=id_,
                    chat_id=row["chat_id"],
                    method=row["method"],
                    payload=row["payload"],
                    message_id=row["message_id"],
                    conversation_id=outgoing.conversation_id,
                )
            )
        return list(tokens.values())

    async def flush(self, staged: Sequence[Any]) -> None:
        for items in staged:
            for item in items:
                self._enqueue(item)

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._background = [
            asyncio.create_task(self._flush_results_loop(), name="outbox-results"),
            asyncio.create_task(self._sweep_loop(), name="outbox-sweeper"),
        ]

    async def stop(self, timeout: float = 5.0) -> None:
        """Let in-flight deliveries finish briefly; whatever is left stays pending in the table."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        self._results_ready.set()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, *self._tasks, return_exceptions=True)
        try:
            await self._write_results()
        except Exception:  # the rows stay pending; the sweeper re-sends them after the next start
            log.exception(json.dumps({"event": "outbox_final_write_failed"}))
        self._background = []

    async def wait_delivered(self, message_id: int, timeout: float) -> str | None:
        """The final delivery status of a message ("sent" / "failed"), or None if still pending at timeout."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(message_id, []).append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            waiters = self._waiters.get(message_id)
            if waiters and future in waiters:
                waiters.remove(future)
                if not waiters:
                    del self._waiters[message_id]

    def idle(self) -> bool:
        return not self._chats and not self._results

    # -- delivery --------------------------------------------------------------------------------------
    def _enqueue(self, item: _Item) -> None:
        if item.id in self._known:
            return
        self._known.add(item.id)
        queue = self._chats.get(item.chat_id)
        if queue is not None:
            queue.append(item)
            return
        self._chats[item.chat_id] = deque([item])
        task = asyncio.create_task(self._drain(item.chat_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, chat_id: str) -> None:
        queue = self._chats[chat_id]
        try:
            async with self._semaphore:
                while queue:
                    item = queue[0]
                    handed_back = await self._deliver(item)
                    queue.popleft()
                    self._known.discard(item.id)
                    if handed_back:
                        # Keep the chat's order: the rest waits for the sweeper, behind this item.
                        for rest in queue:
                            self._known.discard(rest.id)
                            self._record(rest, "pending", None, release=True, delay=1.0)
                        queue.clear()
        finally:
            self._chats.pop(chat_id, None)

    async def _deliver(self, item: _Item) -> bool:
        """Send with retries; True when handed back to the table for a later attempt."""
        if self.send is None:
            self._record(item, "pending", "no bot configured", release=True, delay=60.0)
            return True
        while True:
            item.attempts += 1
            try:
                result = await self.send(item.method, item.payload)
            except PermanentFailure as exc:
                log.warning(json.dumps({"event": "outbox_failed", "item": item.id, "error": str(exc)[:120]}))
                self._record(item, "failed", str(exc))
                return False
            except RetryLater as exc:
                if exc.reason == "html":  # Telegram could not parse our HTML: send it as plain text
                    item.payload = {**item.payload, "text": _strip_tags(item.payload.get("text", ""))}
                    item.payload.pop("parse_mode", None)
                    item.rewritten = True
                    continue
                delay = exc.delay if exc.delay is not None else self._backoff(item.attempts)
                log.info(
                    json.dumps(
                        {
                            "event": "outbox_retry",
                            "item": item.id,
                            "conversation_id": item.conversation_id,
                            "attempt": item.attempts,
                            "delay": round(delay, 2),
                            "reason": exc.reason[:80],
                        }
                    )
                )
                if item.attempts >= self.max_in_memory_attempts or self._stopping:
                    self._record(item, "pending", exc.reason, release=True, delay=max(delay, 5.0))
                    return True
                await asyncio.sleep(delay)
                continue
            channel_message_id = _message_id_of(result)
            self._record(item, "sent", None, channel_message_id=channel_message_id)
            return False

    def _backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return delay * (0.75 + random.random() / 2)  # jitter: don't retry every chat in the same instant

    def _record(
        self,
        item: _Item,
        status: str,
        error: str | None,
        *,
        channel_message_id: str | None = None,
        release: bool = False,
        delay: float = 0.0,
    ) -> None:
        now = utcnow()
        self._results.append(
            {
                "id": item.id,
                "status": status,
                "attempts": item.attempts,
                "last_error": (error or None) and error[:200],
                "sent_at": now if status == "sent" else None,
                "lease_until": None,
                "next_attempt_at": now + dt.timedelta(seconds=delay) if release else now,
                "_payload": item.payload if item.rewritten else None,
                "_message_id": item.message_id,
                "_conversation_id": item.conversation_id,
                "_channel_message_id": channel_message_id,
            }
        )
        self._results_ready.set()
        if status in ("sent", "failed") and item.message_id is not None:
            for future in self._waiters.get(item.message_id, []):
                if not future.done():
                    future.set_result(status)

    async def _flush_results_loop(self) -> None:
        while True:
            await self._results_ready.wait()
            await asyncio.sleep(0.1)  # gather a batch: one transaction for many deliveries (statuses only)
            self._results_ready.clear()
            try:
                await self._write_results()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(json.dumps({"event": "outbox_write_failed"}))
                await asyncio.sleep(1.0)
                self._results_ready.set()

    async def _write_results(self) -> None:
        if not self._results:
            return
        batch, self._results = self._results, []
        try:
            async with self.db.transaction() as session:
                # Core executemany, not the ORM's bulk update: a row erased by /delete meanwhile is simply
                # not matched instead of failing the whole batch with StaleDataError.
                await session.execute(_RECORD_RESULT, [_result_params(r) for r in batch])
                rewritten = [{"item_id": r["id"], "payload": r["_payload"]} for r in batch if r["_payload"] is not None]
                if rewritten:
                    await session.execute(_RECORD_PAYLOAD, rewritten)
                messages: dict[int, dict[str, Any]] = {}
                for r in batch:
                    if r["_message_id"] is None or r["status"] == "pending":
                        continue
                    current = messages.get(r["_message_id"])
                    # A split message is "sent" only when every part is; any failure marks it failed.
                    if current is None or current["delivery_status"] == "sent":
                        messages[r["_message_id"]] = {
                            "message_id": r["_message_id"],
                            "delivery_status": r["status"],
                            "channel_message_id": r["_channel_message_id"] or (current or {}).get("channel_message_id"),
                        }
                if messages:
                    await session.execute(_RECORD_DELIVERY, list(messages.values()))
        except Exception:
            self._results = batch + self._results
            raise
        if self.bus is not None:
            await self.bus.publish_many(
                [
                    (
                        conversation_topic(r["_conversation_id"]),
                        {"type": "delivery", "message_id": r["_message_id"], "status": r["status"]},
                    )
                    for r in batch
                    if r["_conversation_id"] is not None and r["status"] != "pending"
                ]
            )

    async def _sweep_loop(self) -> None:
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(json.dumps({"event": "outbox_sweep_failed"}))
            await asyncio.sleep(self.sweep_interval)

    async def sweep(self, limit: int = 500) -> int:
        """Take over due rows whose lease expired (restart, another replica died, handed-back retries)."""
        now = utcnow()
        due = and_(
            OutboxItem.status == "pending",
            OutboxItem.channel == "telegram",
            OutboxItem.next_attempt_at <= now,
            or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
        )
        async with self.db.session() as session:
            rows = (
                (await session.execute(select(OutboxItem).where(due).order_by(OutboxItem.id).limit(limit)))
                .scalars()
                .all()
            )
        taken = 0
        if not rows:
            return 0
        async with self.db.transaction() as session:
            for row in rows:
                if row.id in self._known:
                    continue
                claimed = await session.execute(
                    update(OutboxItem)
                    .where(OutboxItem.id == row.id, due)
                    .values(lease_until=now + self.lease)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    taken += 1
                    conversation_id = None
                    if row.message_id is not None:
                        conversation_id = await session.scalar(
                            select(Message.conversation_id).where(Message.id == row.message_id)
                        )
                    row_item = _Item(
                        id=row.id,
                        chat_id=row.chat_id,
                        method=row.method,
                        payload=dict(row.payload),
                        message_id=row.message_id,
                        conversation_id=conversation_id,
                        attempts=row.attempts,
                    )
                    session.info.setdefault("taken", []).append(row_item)
            taken_items = session.info.pop("taken", [])
        for row_item in taken_items:
            self._enqueue(row_item)
        return taken


def _strip_tags(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def _message_id_of(result: Any) -> str | None:
    message_id = getattr(result, "message_id", None)
    if message_id is None and isinstance(result, dict):
        message_id = result.get("message_id")
    return None if message_id is None else str(message_id)


class TelegramHttpSender:
    """The outbox's sender: one JSON POST per call on a shared keep-alive session.

    aiogram's client builds a pydantic method object and multipart form data for
    every call and validates the full `Message` it gets back; the outbox needs none
    of that (its payload is already plain JSON and it keeps only the message id),
    and at hundreds of messages per second that overhead is most of the sending
    cost. Errors map to the same retry rules: 429 with `retry_after`, 5xx and
    network errors back off, 4xx is final (HTML that Telegram cannot parse is
    re-sent as plain text).
    """

    def __init__(self, api_base: str, token: str, *, timeout: float = 30.0) -> None:
        from aiogram.client.telegram import TelegramAPIServer

        self._server = TelegramAPIServer.from_base(api_base.rstrip("/"))
        self._token = token
        self._timeout = timeout
        self._session: Any = None

    async def __call__(self, method: str, payload: dict[str, Any]) -> Any:
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                connector=aiohttp.TCPConnector(limit=100, ttl_dns_cache=3600),
                json_serialize=lambda value: json.dumps(value, ensure_ascii=False),
            )
        url = self._server.api_url(self._token, method)
        try:
            async with self._session.post(url, json=payload) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = {}
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise RetryLater(None, type(exc).__name__) from exc
        if isinstance(body, dict) and body.get("ok"):
            return body.get("result")
        description = str(body.get("description", "")) if isinstance(body, dict) else ""
        parameters = body.get("parameters") or {} if isinstance(body, dict) else {}
        if status == 429 or "retry_after" in parameters:
            raise RetryLater(float(parameters.get("retry_after", 1)), "429 retry_after")
        if status >= 500 or status == 0:
            raise RetryLater(None, f"HTTP {status}")
        if status == 400 and "parse entities" in description.lower() and payload.get("parse_mode"):
            raise RetryLater(0, "html")
        raise PermanentFailure(f"HTTP {status}: {description}"[:200])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
