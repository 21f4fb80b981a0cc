"""Telegram throughput: simulated users write to the real bot through the loopback Bot API emulator.

The bot runs as it does in production — `create_app` under uvicorn, in its own
process, SQLite by default — once with long polling and once with a webhook.
This process runs the emulator and the load: `--users` people each send
`--messages` texts, open loop at `--rate` updates per second overall (a
person's next message follows ~users/rate seconds after the previous one, so a
slow bot shows up as latency, not as a politely lower offered load).

Measured per mode and printed as JSON: achieved updates/s (all updates from the
first send to the last reply), p50/p95/p99/max of update-to-reply latency (the
emulator pushes the update → the emulator receives the bot's sendMessage),
replies lost (no reply by the end of the drain time) and duplicated (more than
one reply to one message), and the p95 latency per 5 s of sending (a warm-up
or a stall shows there, not only in the overall p95).

Message mix (reported in the output): users spread over eight languages, each
sending frequent questions of its language (a greeting among them), the same
texts many people send; `--unique-share` of the messages get a random number
appended so they miss the bot's reply cache and run the full retrieval. No
hand-over or emergency texts: those open a consent dialogue with two replies.

Run: `.venv/bin/python bench/throughput.py [--users 1000 --messages 10 --rate 350 --modes polling,webhook]`;
add `--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test` to measure on PostgreSQL
(each run creates and drops its own database on that server).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.emulator import DEFAULT_TOKEN, Emulator  # noqa: E402

QUESTIONS: dict[str, list[str]] = {
    "de": [
        "hallo",
        "Mein Chef zahlt meinen Lohn nicht",
        "Wie hoch ist der Mindestlohn?",
        "Ich wurde gekündigt, was kann ich tun?",
        "Wie viele Stunden darf ich am Tag arbeiten?",
        "Bekomme ich Lohn, wenn ich krank bin?",
        "Brauche ich einen schriftlichen Arbeitsvertrag?",
        "Wie viel Urlaub steht mir zu?",
    ],
    "en": [
        "hi",
        "My employer does not pay my salary",
        "What is the minimum wage in Germany?",
        "I got fired without notice",
        "How many hours can I work per day?",
    ],
    "ru": [
        "привет",
        "Работодатель не платит зарплату",
        "Какая минимальная зарплата в Германии?",
        "Меня уволили, что делать?",
    ],
    "uk": ["привіт", "Роботодавець не платить мені зарплату", "Яка мінімальна зарплата?"],
    "ar": ["مرحبا", "صاحب العمل لا يدفع راتبي", "ما هو الحد الأدنى للأجور؟"],
    "fa": ["سلام", "کارفرما حقوق مرا نمی‌دهد", "حداقل دستمزد چقدر است؟"],
    "tr": ["merhaba", "İşverenim maaşımı ödemiyor", "Asgari ücret ne kadar?"],
    "fr": ["bonjour", "Mon employeur ne me paie pas", "Quel est le salaire minimum ?"],
}


SLICE_SECONDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def serve_bot() -> None:
    """Child process: the production app, configured by the environment like `fairbot run`."""
    import uvicorn

    from bot.app import create_app
    from bot.config import get_settings

    settings = get_settings()
    profile = os.environ.get("FAIRBOT_BENCH_PROFILE")
    if profile:  # where does the bot's time go? (`python -m pstats FILE`)
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        import atexit
        import signal

        def dump(*_: object) -> None:
            profiler.disable()
            profiler.dump_stats(profile)
            os._exit(0)

        signal.signal(signal.SIGTERM, dump)
        atexit.register(dump)
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=settings.fairbot_port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )


async def wait_reply(emulator: Emulator, user: Any, count: int, timeout: float) -> None:
    await emulator.wait_for(lambda: True if len(user.chat.bot_messages) >= count else None, timeout, "reply")


async def _pg_admin(server_url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def fresh_database(server_url: str | None, work: Path) -> AsyncIterator[str]:
    """A new, empty database per run: the emulator numbers updates from 1, and a database that
    remembers an earlier run's update ids would (rightly) ignore them as redeliveries."""
    if server_url is None:
        yield f"sqlite+aiosqlite:///{work / 'bench.db'}"
        return
    name = f"fairbot_bench_{uuid.uuid4().hex[:10]}"
    await _pg_admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await _pg_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run_mode(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"fairbot-bench-{mode}-"))
    async with fresh_database(args.database_url, work) as database_url:
        return await _run_mode(mode, args, work, database_url)


async def _run_mode(mode: str, args: argparse.Namespace, work: Path, database_url: str) -> dict[str, Any]:
    emulator = Emulator(record_calls=False)
    base_url = await emulator.start()
    port = free_port()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": base_url,
        "DATABASE_URL": database_url,
        "FAIRBOT_PORT": str(port),
        "THROTTLE_MESSAGES": "1000",
        "FAIRBOT_SECRET_KEY": "bench-secret-key-not-for-production",  # required with PostgreSQL or Redis
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    if mode == "webhook":
        env["WEBHOOK_URL"] = f"http://127.0.0.1:{port}/telegram/webhook"
        env["WEBHOOK_SECRET"] = "bench-secret"
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve-bot"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "bot.log", "wb"),  # noqa: SIM115
    )
    try:
        started = time.monotonic()
        for lang, texts in QUESTIONS.items():  # proves the bot is up; fills its reply cache as a running day would
            warm = emulator.add_user(f"Warmup-{lang}", lang)
            for text in texts:
                await warm.send(text)
                await wait_reply(emulator, warm, len(warm.chat.bot_messages) + 1, timeout=600)
        startup_s = time.monotonic() - started

        rng = random.Random(42)
        users = [
            emulator.add_user(f"U{i}", rng.choice(["de", "en", "ru", "uk", "ar", "fa", "tr", "fr"]))
            for i in range(args.users)
        ]
        total = args.users * args.messages
        sent_at: dict[tuple[int, int], float] = {}
        unique = 0
        first_send = time.monotonic()

        async def send(i: int) -> None:
            nonlocal unique
            user = users[i % args.users]
            k = i // args.users
            text = rng.choice(QUESTIONS[user.language_code or "de"])
            if rng.random() < args.unique_share:
                text = f"{text} ({rng.randint(1, 10**9)})"
                unique += 1
            sent_at[(user.id, k)] = time.monotonic()
            await user.send(text)

        for i in range(total):
            target = first_send + i / args.rate
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await send(i)
        send_s = time.monotonic() - first_send

        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            if all(len(u.chat.bot_messages) >= args.messages for u in users):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # late duplicates would arrive now

        latencies: list[float] = []
        by_slice: dict[int, list[float]] = {}  # latency by when the update was sent: shows a warm-up or a stall
        lost = duplicated = 0
        last_reply = first_send
        for user in users:
            replies = [e for e in user.chat.events if e.kind == "bot_message"]
            lost += max(0, args.messages - len(replies))
            duplicated += max(0, len(replies) - args.messages)
            for k, event in enumerate(replies[: args.messages]):
                latency = event.at - sent_at[(user.id, k)]
                latencies.append(latency)
                by_slice.setdefault(int((sent_at[(user.id, k)] - first_send) // SLICE_SECONDS), []).append(latency)
                last_reply = max(last_reply, event.at)
        elapsed = last_reply - first_send
        return {
            "mode": mode,
            "users": args.users,
            "messages_per_user": args.messages,
            "updates": total,
            "offered_rate": args.rate,
            "send_seconds": round(send_s, 2),
            "elapsed_seconds": round(elapsed, 2),
            "updates_per_second": round(total / elapsed, 1) if elapsed > 0 else None,
            "latency_ms": {
                "p50": round(percentile(latencies, 50) * 1000, 1),
                "p95": round(percentile(latencies, 95) * 1000, 1),
                "p99": round(percentile(latencies, 99) * 1000, 1),
                "max": round(max(latencies) * 1000, 1) if latencies else None,
                "mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
            },
            f"p95_ms_per_{SLICE_SECONDS}s_of_sending": [
                round(percentile(by_slice[s], 95) * 1000) for s in sorted(by_slice)
            ],
            "lost": lost,
            "duplicated": duplicated,
            "unique_texts_sent": unique,
            "startup_seconds": round(startup_s, 1),
            "database": "postgresql" if args.database_url else "sqlite",
            "redis": bool(args.redis_url),
        }
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(20)
        if process.poll() is None:
            process.kill()
        await emulator.stop()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    results = []
    for mode in args.modes.split(","):
        results.append(await run_mode(mode.strip(), args))
    return {
        "bench": "telegram-throughput",
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "message_mix": {
            "distinct_texts": sum(len(v) for v in QUESTIONS.values()),
            "languages": len(QUESTIONS),
            "greetings_share": round(1 / statistics.fmean(len(v) for v in QUESTIONS.values()), 2),
            "unique_share": args.unique_share,
            "note": (
                "users spread evenly over 8 languages, each writes texts of its language drawn uniformly "
                "(a greeting is one of them); unique texts carry a random number and miss the reply cache"
            ),
        },
        "targets": {"updates_per_second": 300, "p95_ms": 250, "lost": 0, "duplicated": 0},
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve-bot", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--rate", type=float, default=350.0, help="offered updates per second")
    parser.add_argument("--unique-share", type=float, default=0.05)
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait for the last replies")
    parser.add_argument("--modes", default="polling,webhook")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL (postgresql+asyncpg://…/db); each run gets a fresh database on it. "
        "Default: a fresh SQLite file",
    )
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    if args.serve_bot:
        serve_bot()
        return
    print(json.dumps(asyncio.run(main_async(args)), indent=2))


if __name__ == "__main__":
    main()
