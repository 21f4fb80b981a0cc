"""The conversation core alone: CPU per incoming message, without Telegram's side of the work.

`bench/throughput.py` measures the whole bot; this isolates the part the bot's
event loop spends in `ConversationService.handle_incoming` (state, storage,
outbox), which is where most of an update's CPU went. The real app runs in this
process (its outbox delivering to the loopback emulator); 40 messages are in
flight at a time, as in the bot, from 500 people writing frequent questions that
the reply cache already holds.

Printed as JSON per database: messages/s (wall) and CPU ms per message (this
process: service plus the emulator's share of receiving the replies).

Run: `.venv/bin/python bench/conversations.py [--messages 3000] [--database-url postgresql+asyncpg://…/test]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench.throughput import fresh_database  # noqa: E402
from tests.e2e.harness import answer_service, make_settings, running_app  # noqa: E402
from tests.emulator import DEFAULT_TOKEN, Emulator  # noqa: E402

TEXTS = ("Wie hoch ist der Mindestlohn?", "Mein Chef zahlt meinen Lohn nicht", "hallo", "Wie viel Urlaub steht mir zu?")
PEOPLE = 500
IN_FLIGHT = 40


async def measure(database_url: str, messages: int, work: Path) -> dict[str, Any]:
    emulator = Emulator(record_calls=False)
    base_url = await emulator.start()
    settings = make_settings(
        work,
        database_url,
        telegram_bot_token=DEFAULT_TOKEN,
        telegram_api_url=base_url,
        throttle_messages=1_000_000,
    )
    try:
        async with running_app(settings, answer_service()) as app:
            conversations = app.state.runtime.conversations
            people = [str(emulator.add_user(f"P{i}", "de").id) for i in range(PEOPLE)]
            gate = asyncio.Semaphore(IN_FLIGHT)

            async def one(i: int) -> None:
                async with gate:
                    await conversations.handle_incoming("telegram", people[i % PEOPLE], TEXTS[i % len(TEXTS)], "de")

            await asyncio.gather(*(one(i) for i in range(PEOPLE)))  # everybody known, the cache warm
            await asyncio.sleep(1.0)
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(messages)))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            return {
                "database": database_url.split("+", 1)[0],
                "messages": messages,
                "messages_per_second": round(messages / wall, 1),
                "cpu_ms_per_message": round(1000 * cpu / messages, 2),
            }
    finally:
        await emulator.stop()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    results = []
    for server in [None, args.database_url] if args.database_url else [None]:
        work = Path(tempfile.mkdtemp(prefix="fairbot-bench-conv-"))
        async with fresh_database(server, work) as url:
            results.append(await measure(url, args.messages, work))
    return {"bench": "conversation-core", "in_flight": IN_FLIGHT, "people": PEOPLE, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--database-url", default=None, help="also measure on this PostgreSQL server")
    args = parser.parse_args()
    import uvloop  # the loop the app serves on (uvicorn picks it)

    print(json.dumps(uvloop.run(main_async(args)), indent=2))


if __name__ == "__main__":
    main()
