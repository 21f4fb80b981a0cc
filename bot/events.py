"""The event bus: how a change in one place (a new message, a claimed chat) reaches every open console.

In one process an in-memory fan-out is enough; with several replicas behind a
webhook the same calls go through Redis pub/sub, chosen by `REDIS_URL` alone.
Events are notifications, not the record: subscribers re-read the database, so a
missed event costs a refresh, never data.

Topics: `queue`, `conversation:<id>`, `chat:<person_id>`, `index`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

log = logging.getLogger(__name__)

QUEUE = "queue"
INDEX = "index"


def conversation_topic(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def chat_topic(person_id: int) -> str:
    return f"chat:{person_id}"


Event = tuple[str, dict[str, Any]]  # (topic, payload)


class EventBus(Protocol):
    async def publish(self, topic: str, payload: dict[str, Any]) -> None: ...

    async def publish_many(self, events: Sequence[Event]) -> None:
        """Many events at once: one round trip to Redis for a batch of deliveries, not one each."""

    def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]: ...

    async def close(self) -> None: ...


class MemoryEventBus:
    """Fan-out within this process; a slow subscriber loses old events and never blocks publishers."""

    def __init__(self, max_pending: int = 1000) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._max_pending = max_pending

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(topic, ())):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(payload)

    async def publish_many(self, events: Sequence[Event]) -> None:
        for topic, payload in events:
            await self.publish(topic, payload)

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._max_pending)
        self._subscribers.setdefault(topic, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            subscribers = self._subscribers.get(topic)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[topic]

    async def close(self) -> None:
        self._subscribers.clear()


class RedisEventBus:
    """Redis pub/sub so that every replica's consoles see every replica's events."""

    def __init__(self, url: str, prefix: str = "fairbot:") -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._prefix = prefix

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        try:
            await self._redis.publish(self._prefix + topic, json.dumps(payload, default=str))
        except Exception:  # an event is a hint; losing one must not fail the operation that caused it
            log.warning("event_publish_failed", extra={"topic": topic})

    async def publish_many(self, events: Sequence[Event]) -> None:
        if not events:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for topic, payload in events:
                    pipe.publish(self._prefix + topic, json.dumps(payload, default=str))
                await pipe.execute()
        except Exception:  # hints, as above
            log.warning("event_publish_failed", extra={"topic": events[0][0], "count": len(events)})

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._prefix + topic)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # redis-py (8.1) swallows a cancel that arrives while it connects: the subscriber then listened
            # for ever, and an app stopped right after its start hung in shutdown awaiting the index follower.
            await pubsub.aclose()
            raise asyncio.CancelledError
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    yield json.loads(message["data"])
                except (ValueError, TypeError):
                    log.warning("event_undecodable", extra={"topic": topic})
        finally:
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe(self._prefix + topic)
                await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()


def create_event_bus(redis_url: str | None, prefix: str = "fairbot:") -> EventBus:
    """Redis when configured, in-process otherwise: the only place that chooses."""
    if redis_url:
        return RedisEventBus(redis_url, prefix=prefix)
    return MemoryEventBus()
