"""Prometheus metric definitions: the one place that names what an operator can see (docs/grafana-dashboard.json).

The services increment these with one line where the event happens; the
gauges that describe shared state (queue length, oldest waiting person,
pending outbox rows, index version) are set from the database by
`bot.operations` when /metrics is scraped, so every replica reports the same
value for them (use `max`, not `sum`, across replicas). Labels are bounded
sets (actions, language codes, topics, reasons), never ids or text.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
)

REGISTRY = CollectorRegistry(auto_describe=True)
# The process's memory, CPU and open files, Python's GC: what an operator checks first when a replica is slow.
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

P = ParamSpec("P")
T = TypeVar("T")

MESSAGES = Counter(
    "fairbot_messages",
    "Incoming messages by what the bot did with them (answer, fallback, handoff, emergency, relayed, throttled, "
    "media, ...), the message's language and the topic of the answer.",
    ["action", "lang", "topic"],
    registry=REGISTRY,
)
REPLY_SECONDS = Histogram(
    "fairbot_reply_seconds",
    "From an incoming message to its reply committed for delivery, or its relay to the advisor.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
HANDOVERS = Counter(
    "fairbot_handovers",
    "Conversations queued for an advisor, by reason (request, fallback, emergency).",
    ["reason"],
    registry=REGISTRY,
)
EMERGENCIES = Counter(
    "fairbot_emergencies",
    "Messages answered with emergency numbers, by sub-type.",
    ["kind"],
    registry=REGISTRY,
)
QUEUE_WAIT_SECONDS = Histogram(
    "fairbot_queue_wait_seconds",
    "How long a person waited in the advisor queue before an advisor claimed the conversation.",
    buckets=(10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200),
    registry=REGISTRY,
)
FIRST_ADVISOR_REPLY_SECONDS = Histogram(
    "fairbot_first_advisor_reply_seconds",
    "From the hand-over request to the advisor's first message in the conversation.",
    buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200),
    registry=REGISTRY,
)
OUTBOX_RETRIES = Counter(
    "fairbot_outbox_retries",
    "Telegram calls retried (429 retry_after, 5xx, network errors).",
    registry=REGISTRY,
)
OUTBOX_FAILURES = Counter(
    "fairbot_outbox_failures",
    "Telegram calls refused for good (blocked by the person, bad request).",
    registry=REGISTRY,
)
# Admission under load (bot/services/admission.py): per replica, so sum the counters across replicas.
ADMISSION_WAIT_SECONDS = Histogram(
    "fairbot_admission_wait_seconds",
    "From an update reaching this replica to the start of its handling, by priority (urgent, ordinary).",
    ["priority"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
ADMISSION_QUEUED = Gauge(
    "fairbot_admission_queued", "Updates waiting for a handling slot on this replica.", registry=REGISTRY
)
ADMISSION_EXPECTED_WAIT = Gauge(
    "fairbot_admission_expected_wait_seconds",
    "The expected wait of the newest arrival (queue ahead x recent service time / slots, plus its time at Telegram).",
    registry=REGISTRY,
)
BUSY_PERIODS = Counter(
    "fairbot_busy_periods", "Times the expected wait passed OVERLOAD_NOTE_AFTER_SECONDS.", registry=REGISTRY
)
BUSY_NOTES = Counter(
    "fairbot_busy_notes",
    "'Many people are writing right now' notes sent (at most one per person per busy period).",
    registry=REGISTRY,
)


# Set at scrape time from the database (bot.operations.refresh_shared_gauges).
QUEUE_LENGTH = Gauge(
    "fairbot_queue_length", "Conversations waiting for an advisor, by region.", ["region"], registry=REGISTRY
)
QUEUE_OLDEST_SECONDS = Gauge(
    "fairbot_queue_oldest_wait_seconds",
    "How long the person who has waited longest for an advisor has been waiting.",
    registry=REGISTRY,
)
OUTBOX_PENDING = Gauge(
    "fairbot_outbox_pending", "Telegram calls not delivered yet (includes scheduled retries).", registry=REGISTRY
)
OUTBOX_OLDEST_DUE_SECONDS = Gauge(
    "fairbot_outbox_oldest_due_seconds",
    "Age of the oldest outbox row that is due and not delivered: grows when delivery is stuck.",
    registry=REGISTRY,
)
INDEX = Info("fairbot_index", "The search index version this replica serves.", registry=REGISTRY)
INDEX_BUILT = Gauge(
    "fairbot_index_built_timestamp_seconds",
    "When the served index version was built (Unix time); replicas that differ have not all reloaded.",
    registry=REGISTRY,
)
POLLING_LEADER = Gauge(
    "fairbot_telegram_polling_leader",
    "1 on the one replica that long-polls Telegram, 0 on the others.",
    registry=REGISTRY,
)


def count_reply(reply: Any) -> None:
    """An answered message (a `bot.services.answers.Reply`): action, language, topic; emergencies by sub-type."""
    topic = reply.topics[0].topic if reply.topics else "none"
    MESSAGES.labels(action=reply.action, lang=reply.lang or "none", topic=topic).inc()
    if reply.action == "emergency" or reply.danger:
        EMERGENCIES.labels(kind=reply.danger or "unspecified").inc()


def count_message(action: str) -> None:
    """An incoming message the bot did not answer itself (relayed to the advisor, throttled, media)."""
    MESSAGES.labels(action=action, lang="none", topic="none").inc()


def observe_first_advisor_reply(earlier_advisor_messages: int, waiting_since: dt.datetime | None) -> None:
    if earlier_advisor_messages == 0 and waiting_since is not None:
        FIRST_ADVISOR_REPLY_SECONDS.observe(seconds_since(waiting_since))


def timed(histogram: Histogram) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Decorate a coroutine function: its duration goes into `histogram` (also when it raises)."""

    def decorate(function: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(function)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - started)

        return wrapper

    return decorate


def set_index_version(version: str | None) -> None:
    """Versions are named `<UTC build time>-<content hash>` (knowledge.index)."""
    INDEX.info({"version": version or "none"})
    try:
        built = dt.datetime.strptime((version or "").split("-", 1)[0], "%Y%m%dT%H%M%S%f").replace(tzinfo=dt.UTC)
    except ValueError:
        INDEX_BUILT.set(0)
        return
    INDEX_BUILT.set(built.timestamp())


def seconds_since(moment: dt.datetime | None, now: dt.datetime | None = None) -> float:
    """Seconds from a stored (UTC) moment until now; 0 when there is none."""
    if moment is None:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, ((now or dt.datetime.now(dt.UTC)) - moment).total_seconds())
