"""Telegram updates generated from the Bot API spec never crash the bot (issue 13, finding 22).

Hypothesis draws updates of every kind the spec (../shared/telegram-bot-api/api.json) knows, valid and
broken (tests/e2e/update_strategies.py), and sends them through both ways updates arrive: the webhook
(HTTP POST with the secret) and long polling (the emulator's getUpdates). For every update: the webhook
answers 200 with an empty body (no stack trace to the sender; a broken update is acknowledged so
Telegram does not retry it forever), polling moves past it (one broken update must not stall the updates
behind it), no handler fails, at most one warning line is logged for it, and nothing the bot sends
shows an error. Afterwards a person still gets an answer. The run's counts go to
var/reports/update-properties.json for docs/reliability.md (tests/e2e/test_reliability_report.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
from collections import Counter
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.e2e.harness import free_port, make_settings, running_app, served_app
from tests.e2e.reports import write_report
from tests.e2e.update_strategies import any_update, message_from
from tests.emulator import DEFAULT_TOKEN, Emulator

T = TypeVar("T")
EXAMPLES = 60  # per path; each one is a real round trip through the app
SECRET = "property-secret"
LEAKS = ("Traceback", "Exception", "Error:", 'File "')


class LiveBot:
    """The emulator and fairbot on an event loop in a thread of their own.

    Why: hypothesis drives synchronous test functions, and the app must keep running between examples
    (a restart per example would take seconds).
    """

    def __init__(self, tmp_path: Path, answers: Any, *, webhook: bool) -> None:
        self.tmp_path, self.answers, self.webhook = tmp_path, answers, webhook
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stopping: asyncio.Event | None = None
        self.emulator: Emulator | None = None
        self.port = free_port()
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name="live-bot", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to the test, which is waiting on `ready`
            self.failed = exc
            self.ready.set()

    async def _serve(self) -> None:
        self.stopping = asyncio.Event()
        async with Emulator() as emulator:
            self.emulator = emulator
            extra: dict[str, Any] = {}
            if self.webhook:
                extra = {
                    "webhook_url": f"http://127.0.0.1:{self.port}/telegram/webhook",
                    "webhook_secret": SECRET,
                    "fairbot_port": self.port,
                }
            settings_ = make_settings(
                self.tmp_path,
                telegram_bot_token=DEFAULT_TOKEN,
                telegram_api_url=emulator.base_url,
                throttle_messages=100_000,
                **extra,
            )
            runner = served_app if self.webhook else running_app
            async with runner(settings_, self.answers):
                self.ready.set()
                await self.stopping.wait()

    def __enter__(self) -> LiveBot:
        self.thread.start()
        assert self.ready.wait(120), "the app did not start"
        if self.failed is not None:
            raise self.failed
        return self

    def __exit__(self, *exc: object) -> None:
        if self.stopping is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(60)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@contextlib.contextmanager
def watched_logs() -> Iterator[list[logging.LogRecord]]:
    """Every record of level WARNING and above, from any thread, while the block runs."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)


def _ours(record: logging.LogRecord) -> bool:
    """Lines about receiving and handling updates (not the outbox's "chat not found" for invented chats)."""
    return record.name.startswith(("bot.telegram", "aiogram"))


def _check_logs(records: list[logging.LogRecord], kinds: Counter[str]) -> None:
    assert not [r for r in records if r.exc_info], [r.getMessage() for r in records if r.exc_info][:3]
    failed = [r for r in records if r.getMessage() == "update_failed"]
    assert not failed, [(getattr(r, "update_id", None), getattr(r, "error", None)) for r in failed]
    kinds.update(r.getMessage() for r in records if _ours(r))


def _bot_said_no_error(emulator: Emulator) -> None:
    for call in emulator.calls_of("sendMessage"):
        text = str(call.params.get("text", ""))
        assert not any(leak in text for leak in LEAKS), text[:200]


async def _post(port: int, body: str) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://127.0.0.1:{port}/telegram/webhook",
            data=body.encode("utf-8", "surrogatepass"),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        ) as response,
    ):
        return response.status, await response.read()


async def _push(emulator: Emulator, update: dict[str, Any]) -> None:
    emulator.updates.push_raw(update)  # on the emulator's own loop: its queue is not thread-safe


async def _still_answers(emulator: Emulator) -> str:
    user = emulator.add_user("After", "de")
    await user.send("Wie hoch ist der Mindestlohn?")
    return (await emulator.wait_for_reply(user, 20)).text


# Always tried, whatever hypothesis draws: the shapes that broke bots before
BROKEN = [
    {"update_id": 0, "message": {"message_id": "x"}},
    {"update_id": 0, "message": {"message_id": 1, "date": 0}},  # no chat
    {"update_id": 0, "callback_query": {"id": "1", "data": "del:y"}},  # no sender
    {"update_id": 0, "kind_from_2030": {"anything": True}},
    {"update_id": 0, "kind_from_2030": {"title": "\ud800"}},  # a lone surrogate in a kind aiogram does not know
    {"update_id": 0, "message": "not an object"},
]


def with_broken_examples(test: Any) -> Any:
    for update in BROKEN:
        test = example(json.loads(json.dumps(update)))(test)
    return test


PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same updates on every run, so a failure in CI is reproducible here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


def test_webhook_survives_every_update_the_spec_allows_and_broken_ones(tmp_path: Path, answers: Any) -> None:
    ids = itertools.count(10_000)
    statuses: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    with LiveBot(tmp_path, answers, webhook=True) as live, watched_logs() as records:
        assert live.emulator is not None
        person = live.emulator.add_user("Prop", "ru")

        @PROPERTY_SETTINGS
        @with_broken_examples
        @given(st.one_of(any_update(0), message_from(0, person.id, "ru")))
        def one(update: dict[str, Any]) -> None:
            update["update_id"] = next(ids)
            before = len(records)
            status, body = live.run(_post(live.port, json.dumps(update, ensure_ascii=True)))
            statuses[status] += 1
            assert status == 200 and body == b"", (status, body[:200])
            assert sum(1 for r in records[before:] if _ours(r)) <= 1, [r.getMessage() for r in records[before:]]

        one()
        assert live.run(_still_answers(live.emulator), 30)
        _check_logs(records, kinds)
        _bot_said_no_error(live.emulator)
    write_report(
        "update-properties-webhook", {"updates": sum(statuses.values()), "statuses": statuses, "log_lines": kinds}
    )


def test_polling_moves_past_every_update_the_spec_allows_and_broken_ones(tmp_path: Path, answers: Any) -> None:
    kinds: Counter[str] = Counter()
    sent = 0
    with LiveBot(tmp_path, answers, webhook=False) as live, watched_logs() as records:
        emulator = live.emulator
        assert emulator is not None
        person = emulator.add_user("Prop", "uk")

        async def confirmed() -> None:
            for _ in range(300):
                if emulator.updates.unconfirmed_count == 0:
                    return
                await asyncio.sleep(0.02)
            raise AssertionError("polling is stuck: an update was not confirmed within 6 s")

        @PROPERTY_SETTINGS
        @with_broken_examples
        @given(st.one_of(any_update(0), message_from(0, person.id, "uk")))
        def one(update: dict[str, Any]) -> None:
            nonlocal sent
            before = len(records)
            live.run(_push(emulator, json.loads(json.dumps(update))))
            sent += 1
            live.run(confirmed())
            assert sum(1 for r in records[before:] if _ours(r)) <= 1, [r.getMessage() for r in records[before:]]

        live.run(asyncio.sleep(0.5))  # the first getUpdates of the poller
        one()
        assert live.run(_still_answers(emulator), 30)
        _check_logs(records, kinds)
        _bot_said_no_error(emulator)
    write_report("update-properties-polling", {"updates": sent, "log_lines": kinds})
