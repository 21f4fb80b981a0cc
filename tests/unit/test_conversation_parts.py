"""The small parts of the conversation core: HTML splitting, opening hours, rate limits, events, reply cache."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import uuid

import pytest

from bot.events import MemoryEventBus, RedisEventBus
from bot.services.answers import Reply
from bot.services.conversations import ReplyCache
from bot.services.handoff import BERLIN, OpeningHours, expected_wait_minutes
from bot.services.outbox import split_html
from bot.services.throttling import MemoryThrottle, RedisThrottle
from tests.required import REDIS_URL


def _visible(part: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", part))


def _balanced(part: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z]+)[^>]*>", part):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_short_html_is_one_part() -> None:
    assert split_html("<b>hi</b> &amp; bye") == ["<b>hi</b> &amp; bye"]


def test_long_html_splits_at_words_keeps_tags_and_entities() -> None:
    body = "<b>Title</b>\n" + " ".join(f"<i>word{i}</i> &amp; &lt;x&gt;" for i in range(2000))
    parts = split_html(body)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert all(_balanced(p) for p in parts)
    assert all(not re.search(r"&[a-z#0-9]*$", p) for p in parts)  # no entity cut in half
    joined = " ".join(_visible(p) for p in parts)
    assert joined.split() == _visible(body).split()


def test_one_enormous_word_is_cut() -> None:
    parts = split_html("x" * 10_000)
    assert all(len(p) <= 4096 for p in parts) and "".join(parts) == "x" * 10_000


def test_opening_hours() -> None:
    hours = OpeningHours.parse("Mo-Fr 09:00-17:00; Sa 10:00-12:00")
    wednesday_noon = dt.datetime(2026, 11, 25, 12, 0, tzinfo=BERLIN)
    assert hours.is_open(wednesday_noon)
    assert not hours.is_open(wednesday_noon.replace(hour=18))
    assert hours.next_opening(wednesday_noon.replace(hour=18)) == dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)
    friday_evening = dt.datetime(2026, 11, 27, 18, 0, tzinfo=BERLIN)
    assert hours.next_opening(friday_evening) == dt.datetime(2026, 11, 28, 10, 0, tzinfo=BERLIN)
    utc = dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC)  # 09:30 in Berlin
    assert hours.is_open(utc)
    with pytest.raises(ValueError, match="Mo-Fr"):
        OpeningHours.parse("weekdays 9 to 5")
    assert expected_wait_minutes(0, 15) == 15 and expected_wait_minutes(3, 15) == 45


async def test_memory_throttle_tells_once_per_window() -> None:
    throttle = MemoryThrottle(limit=3, window_seconds=60)
    decisions = [await throttle.hit("a") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False, False]
    assert [d.notify for d in decisions] == [False, False, False, True, False, False]
    assert (await throttle.hit("b")).allowed


@pytest.mark.redis
async def test_redis_throttle_is_shared() -> None:
    prefix = f"fairbot-test:{uuid.uuid4().hex}:"
    one = RedisThrottle(REDIS_URL, limit=2, window_seconds=60, prefix=prefix)
    two = RedisThrottle(REDIS_URL, limit=2, window_seconds=60, prefix=prefix)
    try:
        assert (await one.hit("p")).allowed and (await two.hit("p")).allowed
        third = await one.hit("p")
        assert not third.allowed and third.notify
        fourth = await two.hit("p")
        assert not fourth.allowed and not fourth.notify
    finally:
        await one.close()
        await two.close()


@pytest.mark.redis
async def test_redis_throttle_counts_concurrent_messages_exactly() -> None:
    """Concurrent hits share one round trip to Redis; each still gets its own count."""
    prefix = f"fairbot-test:{uuid.uuid4().hex}:"
    throttle = RedisThrottle(REDIS_URL, limit=3, window_seconds=60, prefix=prefix)
    try:
        decisions = await asyncio.gather(*(throttle.hit(key) for key in ["flood"] * 8 + ["calm", "other"]))
        flood = decisions[:8]
        assert sum(d.allowed for d in flood) == 3 and sum(d.notify for d in flood) == 1
        assert decisions[8].allowed and decisions[9].allowed
    finally:
        await throttle.close()


async def _collect(bus: MemoryEventBus | RedisEventBus, topic: str, count: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    async for payload in bus.subscribe(topic):
        out.append(payload)
        if len(out) == count:
            return out
    return out


async def test_memory_event_bus_fans_out() -> None:
    bus = MemoryEventBus()
    first = asyncio.create_task(_collect(bus, "queue", 2))
    second = asyncio.create_task(_collect(bus, "queue", 2))
    await asyncio.sleep(0)
    await bus.publish("queue", {"n": 1})
    await bus.publish("other", {"n": 0})
    await bus.publish("queue", {"n": 2})
    assert await first == await second == [{"n": 1}, {"n": 2}]


@pytest.mark.redis
async def test_redis_event_bus_crosses_instances() -> None:
    prefix = f"fairbot-test:{uuid.uuid4().hex}:"
    publisher, subscriber = RedisEventBus(REDIS_URL, prefix=prefix), RedisEventBus(REDIS_URL, prefix=prefix)
    try:
        task = asyncio.create_task(_collect(subscriber, "conversation:1", 1))
        for _ in range(50):  # the subscription needs a moment to reach the server
            await asyncio.sleep(0.05)
            await publisher.publish("conversation:1", {"type": "message"})
            if task.done():
                break
        assert (await asyncio.wait_for(task, 5)) == [{"type": "message"}]
    finally:
        await publisher.close()
        await subscriber.close()


@pytest.mark.redis
async def test_a_redis_subscriber_cancelled_while_it_connects_stops() -> None:
    """An app stopped right after its start cancels the index follower mid-connect; it must end, not listen
    for ever (redis-py swallows that cancel; every such shutdown hung in the PostgreSQL + Redis test pass)."""
    bus = RedisEventBus(REDIS_URL, prefix=f"fairbot-test:{uuid.uuid4().hex}:")

    async def follow() -> None:
        async for _ in bus.subscribe("index"):
            pass

    try:
        for delay in (0.0, 0.001, 0.002, 0.005, 0.01, 0.02) * 4:  # the connect takes ~1-10 ms on loopback
            task = asyncio.create_task(follow())
            await asyncio.sleep(delay)
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=5)
            assert done, f"the subscriber cancelled after {delay * 1000:.0f} ms did not stop"
    finally:
        await bus.close()


@pytest.mark.redis
async def test_events_published_together_arrive_in_order() -> None:
    prefix = f"fairbot-test:{uuid.uuid4().hex}:"
    for publisher, subscriber in (
        (bus := MemoryEventBus(), bus),
        (RedisEventBus(REDIS_URL, prefix=prefix), RedisEventBus(REDIS_URL, prefix=prefix)),
    ):
        try:
            task = asyncio.create_task(_collect(subscriber, "conversation:2", 3))
            for _ in range(50):  # a Redis subscription needs a moment to reach the server
                await asyncio.sleep(0.05)
                if not isinstance(publisher, RedisEventBus) or await publisher._redis.pubsub_numsub(
                    prefix + "conversation:2"
                ) != [(f"{prefix}conversation:2".encode(), 0)]:
                    break
            await publisher.publish_many(
                [("conversation:2", {"n": 1}), ("conversation:3", {"n": 0}), ("conversation:2", {"n": 2})]
            )
            await publisher.publish_many([("conversation:2", {"n": 3})])
            assert (await asyncio.wait_for(task, 5)) == [{"n": 1}, {"n": 2}, {"n": 3}]
        finally:
            await publisher.close()
            await subscriber.close()


def test_reply_cache_normalises_and_evicts() -> None:
    cache = ReplyCache(size=2, ttl=60)
    reply = Reply(action="greeting", lang="de", answer_lang="de", html="Hallo")
    cache.put((ReplyCache.normalise("  HALLO  "), None, None), reply)
    assert cache.get((ReplyCache.normalise("hallo"), None, None)) is reply
    cache.put(("a", None, None), reply)
    cache.put(("b", None, None), reply)
    assert cache.get(("hallo", None, None)) is None  # least recently used went first
    cache.clear()
    assert cache.get(("a", None, None)) is None
