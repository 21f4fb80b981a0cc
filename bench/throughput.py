"""Telegram throughput: simulated users write to the real bot through the loopback Bot API emulator.

The bot runs as it does in production — `create_app` under uvicorn, in its own
process, SQLite by default — with long polling and/or a webhook. This process
runs the emulator and the load: `--users` people each send `--messages`
messages, open loop at `--rate` updates per second overall (a person's next
message follows ~users/rate seconds after the previous one, so a slow bot shows
up as latency, not as a politely lower offered load).

Every mode runs twice: with the realistic mix (`--unique-share`, default 0.75, of
the messages are new questions; greetings, button presses and repeats the rest;
bench/message_mix.py says where the texts come from) and with all-unique
messages (every message a new question). The mix and its source are in the output.

Measured per run and printed as JSON: achieved updates/s (all updates from the
first send to the last reply), p50/p95/p99/max of update-to-reply latency (the
emulator pushes the update → the emulator receives the bot's sendMessage), also
per message kind, replies lost (no reply by the end of the drain time) and
duplicated (more than one reply to one message), the p95 latency per 5 s of
sending (a warm-up or a stall shows there), the bot process's CPU time per
update (less sensitive to other load on the machine than latency), its RSS, the
load average before and after, and what the bot reports about its micro-batches.

Overload (`--overload 2`): offers FACTOR × `--sustainable` updates per second, all new questions with
`--urgent-share` of them emergencies and requests for an advisor (half each, in the person's language,
texts below), and reports what issue 18 asks of overload: busy notes sent (and people told more than
once), the latency of emergencies and hand-over requests beside the rest's, the time until a waiting
person is told, lost and duplicated replies (busy notes and consent questions counted apart), and the
bot's admission gate (bot/services/admission.py).

Run: `.venv/bin/python bench/throughput.py [--users 1000 --messages 10 --rate 150 --modes polling,webhook]`;
add `--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test` to measure on PostgreSQL
(each run creates and drops its own database on that server).

`--replicas N` (webhook, PostgreSQL and Redis only) starts N bot processes on one database and one Redis
behind a round-robin proxy, as a deployment runs behind Caddy (bench/replicas.py); the output adds, per
replica, the updates it took, the messages it counted, its CPU per update and RSS, the bench process's
own CPU per update and how busy the machine's cores were. `--mixes realistic` runs one mix only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench.message_mix import (  # noqa: E402
    DEV_SET,
    FREQUENT,
    GREETINGS,
    KINDS,
    LANGUAGES,
    SCORED_SETS,
    Mix,
    button_to_press,
    is_consent_prompt,
    load_mix,
)
from bench.replicas import ReplicaSet, check_args  # noqa: E402
from bot.locales import t  # noqa: E402
from tests.emulator import DEFAULT_TOKEN, Emulator  # noqa: E402

SLICE_SECONDS = 5
# Overload runs: messages the admission pre-check must put first (knowledge/intents/patterns.yaml), per language.
EMERGENCIES = {
    "de": "Mein Chef hat mich geschlagen, bitte helfen Sie mir",
    "en": "My boss beat me and I am bleeding",
    "ru": "Начальник избил меня, помогите",
    "uk": "Роботодавець побив мене, допоможіть",
    "ar": "صاحب العمل ضربني، ساعدوني",
    "fa": "کارفرما منو کتک زد، کمک کنید",
    "tr": "Patronum beni dövdü, yardım edin",
    "fr": "Mon patron m'a frappé, aidez-moi",
}
HANDOFFS = {
    "de": "Ich möchte mit einem Menschen sprechen",
    "en": "I want to talk to a real person",
    "ru": "Хочу поговорить с консультантом",
    "uk": "Хочу поговорити з консультантом",
    "ar": "أريد التحدث مع مستشار",
    "fa": "میخواهم با یک مشاور صحبت کنم",
    "tr": "Gerçek bir danışmanla konuşmak istiyorum",
    "fr": "Je veux parler à un conseiller",
}
URGENT_KINDS = ("emergency", "handoff")
BUSY_NOTES = frozenset(t("busy_note", lang) for lang in LANGUAGES)


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
    app = create_app(settings)
    stats_path = os.environ.get("FAIRBOT_BENCH_STATS")
    if stats_path:  # uvicorn ends the process by re-raising SIGTERM: the figures are written as they change

        def write_stats() -> None:
            while True:
                time.sleep(0.5)
                runtime = getattr(app.state, "runtime", None)
                answers = getattr(runtime, "answers", None)
                if answers is not None and hasattr(answers, "batch_stats"):
                    figures = answers.batch_stats()
                    admission = getattr(runtime, "admission", None)
                    if admission is not None:
                        figures["admission"] = admission.summary()
                    Path(stats_path + ".tmp").write_text(json.dumps(figures))
                    os.replace(stats_path + ".tmp", stats_path)

        threading.Thread(target=write_stats, name="bench-stats", daemon=True).start()
    uvicorn.run(app, host="127.0.0.1", port=settings.fairbot_port, log_level="warning", access_log=False, lifespan="on")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_memory_mb(pid: int) -> dict[str, float]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {key: round(int(status[key].split()[0]) / 1024, 1) for key in ("VmRSS", "VmHWM") if key in status}


def uptime_load() -> str:
    """The load average as `uptime` prints it: how busy the shared machine was."""
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"


def latency_figures(latencies: list[float]) -> dict[str, float | None]:
    return {
        "p50": round(percentile(latencies, 50) * 1000, 1),
        "p95": round(percentile(latencies, 95) * 1000, 1),
        "p99": round(percentile(latencies, 99) * 1000, 1),
        "max": round(max(latencies) * 1000, 1) if latencies else None,
        "mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


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


async def run_mode(mode: str, mix: Mix, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"fairbot-bench-{mode}-"))
    async with fresh_database(args.database_url, work) as database_url:
        return await _run_mode(mode, mix, args, work, database_url)


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve-bot"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


async def _run_mode(mode: str, mix: Mix, args: argparse.Namespace, work: Path, database_url: str) -> dict[str, Any]:
    emulator = Emulator(record_calls=False)
    base_url = await emulator.start()
    ports = [free_port() for _ in range(args.replicas)]
    port = ports[0]
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": base_url,
        "DATABASE_URL": database_url,
        "FAIRBOT_PORT": str(port),
        "THROTTLE_MESSAGES": "1000",
        "FAIRBOT_SECRET_KEY": "bench-secret-key-not-for-production",  # required with PostgreSQL or Redis
        "FAIRBOT_BENCH_STATS": str(work / "stats.json"),
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
        env["REDIS_KEY_PREFIX"] = f"{work.name}:"  # every run numbers its updates from 1: share nothing across runs
    if args.note_after is not None:
        env["OVERLOAD_NOTE_AFTER_SECONDS"] = str(args.note_after)
    if mode == "webhook":
        env["WEBHOOK_URL"] = f"http://127.0.0.1:{port}/telegram/webhook"
        env["WEBHOOK_SECRET"] = "bench-secret"
    fleet = ReplicaSet(ports, work) if args.replicas > 1 else None
    if fleet is not None:
        await fleet.start(env, start_bot)
    processes = fleet.processes if fleet is not None else [start_bot(env, work / "bot.log")]
    process = processes[0]
    try:
        started = time.monotonic()
        if fleet is not None:
            await fleet.wait_ready()
        for lang in LANGUAGES:  # proves the bot is up; fills its reply cache as a running day would
            warm = emulator.add_user(f"Warmup-{lang}", lang)
            for text in [GREETINGS[lang], *FREQUENT[lang]]:
                await warm.send(text)
                await wait_reply(emulator, warm, len(warm.chat.bot_messages) + 1, timeout=600)
        startup_s = time.monotonic() - started

        rng = random.Random(42)
        users = [emulator.add_user(f"U{i}", rng.choice(LANGUAGES)) for i in range(args.users)]
        total = args.users * args.messages
        sent_at: dict[tuple[int, int], tuple[float, str]] = {}
        load_before = uptime_load()
        cpu_before = [process_cpu_seconds(p.pid) for p in processes]
        if fleet is not None:
            await fleet.mark()
        first_send = time.monotonic()

        urgent_drawn: dict[str, int] = {}

        def urgent_text(kind: str, lang: str) -> str:
            text = (EMERGENCIES if kind == "emergency" else HANDOFFS)[lang]
            times = urgent_drawn[text] = urgent_drawn.get(text, 0) + 1
            return text + "\u200b" * (times - 1)  # misses the reply cache, like every new question

        async def send(i: int) -> None:
            user = users[i % args.users]
            k = i // args.users
            lang = user.language_code or "de"
            kind = mix.kind()
            if args.overload and mix.rng.random() < args.urgent_share:
                kind = mix.rng.choice(URGENT_KINDS)
            mix.sent[kind] = mix.sent.get(kind, 0) + 1
            sent_at[(user.id, k)] = (time.monotonic(), kind)
            if kind in URGENT_KINDS:
                await user.send(urgent_text(kind, lang))
            elif kind == "question":
                await user.send(mix.question(lang))
            elif kind == "greeting":
                await user.send(GREETINGS[lang])
            elif kind == "repeat":
                await user.send(mix.rng.choice(FREQUENT[lang]))
            else:
                data = button_to_press(user.chat.bot_messages, mix.rng)
                await (user.press(data=data) if data else user.send_command("topics"))

        for i in range(total):
            target = first_send + i / args.rate
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await send(i)
        send_s = time.monotonic() - first_send

        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            if all(
                sum(not is_consent_prompt(m) and m.text not in BUSY_NOTES for m in u.chat.bot_messages) >= args.messages
                for u in users
            ):
                break
            await asyncio.sleep(0.1)
        cpu_by_process = [process_cpu_seconds(p.pid) - c for p, c in zip(processes, cpu_before, strict=True)]
        cpu_s = sum(cpu_by_process)
        memory = process_memory_mb(process.pid)
        queued_at_telegram = emulator.updates.pending_count  # not yet delivered: a backlog, not a loss by the bot
        per_process = (
            await fleet.figures(total, cpu_by_process, [process_memory_mb(p.pid) for p in processes]) if fleet else {}
        )
        await asyncio.sleep(1.0)  # late duplicates would arrive now

        latencies: list[float] = []
        by_kind: dict[str, list[float]] = {kind: [] for kind in (*KINDS, *URGENT_KINDS)}
        by_slice: dict[int, list[float]] = {}  # latency by when the update was sent: shows a warm-up or a stall
        lost = duplicated = consent_prompts = 0
        notes_sent, told_twice, to_note = 0, 0, []  # busy notes, people told more than once, send → note
        last_reply = first_send
        for user in users:
            replies = [e for e in user.chat.events if e.kind == "bot_message"]
            prompts = {m.message_id for m in user.chat.bot_messages if is_consent_prompt(m)}
            consent_prompts += len(prompts)
            notes = [e for e in replies if e.payload.get("text") in BUSY_NOTES]
            notes_sent += len(notes)
            told_twice += len(notes) > 1
            for note in notes:  # the note answers the oldest of the person's messages still unanswered
                answered_before = sum(
                    1
                    for e in replies
                    if e.at < note.at and e not in notes and e.payload.get("message_id") not in prompts
                )
                if (user.id, answered_before) in sent_at:
                    to_note.append(note.at - sent_at[(user.id, answered_before)][0])
            replies = [e for e in replies if e.payload.get("message_id") not in prompts and e not in notes]
            lost += max(0, args.messages - len(replies))
            duplicated += max(0, len(replies) - args.messages)
            for k, event in enumerate(replies[: args.messages]):
                at, kind = sent_at[(user.id, k)]
                latency = event.at - at
                latencies.append(latency)
                by_kind[kind].append(latency)
                by_slice.setdefault(int((at - first_send) // SLICE_SECONDS), []).append(latency)
                last_reply = max(last_reply, event.at)
        elapsed = last_reply - first_send
        result: dict[str, Any] = {
            "mode": mode,
            "mix": "all-unique" if mix.question_share >= 1 else "realistic",
            "new_question_share": mix.question_share,
            "users": args.users,
            "messages_per_user": args.messages,
            "updates": total,
            "offered_rate": args.rate,
            "overload": {"factor": args.overload, "sustainable_assumed": args.sustainable} if args.overload else None,
            "send_seconds": round(send_s, 2),
            "elapsed_seconds": round(elapsed, 2),
            "updates_per_second": round(total / elapsed, 1) if elapsed > 0 else None,
            "latency_ms": latency_figures(latencies),
            "latency_ms_by_kind": {kind: latency_figures(v) for kind, v in by_kind.items() if v},
            f"p95_ms_per_{SLICE_SECONDS}s_of_sending": [
                round(percentile(by_slice[s], 95) * 1000) for s in sorted(by_slice)
            ],
            "answered_per_second": round((total - lost) / elapsed, 1) if elapsed > 0 else None,
            "still_queued_at_telegram": queued_at_telegram,
            "lost": lost,  # no reply by the end of the drain (see unanswered_but_held)
            "duplicated": duplicated,
            "busy_notes": {
                "sent": notes_sent,
                "people_told": sum(1 for u in users if any(m.text in BUSY_NOTES for m in u.chat.bot_messages)),
                "people_told_more_than_once": told_twice,  # once per busy period: more than one period, or a defect
                "seconds_from_message_to_note": latency_figures(to_note),
            },
            "urgent_vs_rest_ms": {
                "urgent": latency_figures(by_kind["emergency"] + by_kind["handoff"]),
                "rest": latency_figures([v for kind in KINDS for v in by_kind[kind]]),
            },
            "consent_prompts": consent_prompts,  # hand-overs and emergencies: a second message, not a duplicate
            "sent_by_kind": dict(mix.sent),
            # All the bot's threads, from the first send to the last reply, over every update.
            "bot_cpu_ms_per_update": round(1000 * cpu_s / total, 2),
            "bot_memory_mb": memory,
            "load_before": load_before,
            "load_after": uptime_load(),
            "startup_seconds": round(startup_s, 1),
            "database": "postgresql" if args.database_url else "sqlite",
            "redis": bool(args.redis_url),
            "replicas": args.replicas,
            **per_process,
        }
    finally:
        for each in processes:
            each.terminate()
        for each in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                each.wait(20)
            if each.poll() is None:
                each.kill()
        await emulator.stop()
        if fleet is not None:  # after the emulator: no delivery is still under way through the proxy
            await fleet.stop()
    stats = work / "stats.json"
    if stats.exists():
        result["micro_batches"] = json.loads(stats.read_text())
    if fleet is not None:
        fleet.add_batch_stats(result)
    if database_url.startswith("sqlite"):  # after the bot's graceful stop: what it holds, not yet handled
        import sqlite3

        with contextlib.closing(sqlite3.connect(work / "bench.db")) as connection:
            held = connection.execute("SELECT count(*) FROM inbound_update").fetchone()[0]
            # replies the bot stored but had not yet sent when it stopped (the outbox sends them at the next
            # start); consent questions are the second message of a reply and not counted
            staged = connection.execute(
                "SELECT count(*) FROM outbox WHERE status = 'pending' AND reminder_id IS NULL"
                " AND payload NOT LIKE '%consent:%'"
            ).fetchone()[0]
        # A message without a reply at the end is either still held (stored, handled at the next start), its
        # reply stored and not yet sent, or lost for good; only the last is a loss.
        result["unanswered_but_held"] = held
        result["replies_stored_not_sent"] = staged
        result["lost_for_good"] = max(0, result["lost"] - held - staged)
    return result


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    paths = [args.dev, *SCORED_SETS]
    shares = [1.0] if args.overload else sorted({args.unique_share, 1.0})
    if args.mixes != "both":  # a short run on a shared machine: one of the two mixes
        shares = [1.0] if args.mixes == "all-unique" else [args.unique_share]
    results = []
    described = {}
    for mode in args.modes.split(","):
        for share in shares:
            mix = load_mix(share, paths)
            results.append(await run_mode(mode.strip(), mix, args))
            described["all-unique" if share >= 1 else "realistic"] = mix.describe()
    return {
        "bench": "telegram-throughput",
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "message_mix": described,
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve-bot", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--rate", type=float, default=150.0, help="offered updates per second")
    parser.add_argument(
        "--unique-share",
        type=float,
        default=0.75,
        help="share of new questions in the realistic mix (all-unique, 1.0, is always measured too)",
    )
    parser.add_argument("--dev", type=Path, default=DEV_SET, help="the dev questions (JSON lines)")
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait for the last replies")
    parser.add_argument("--modes", default="polling,webhook")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL (postgresql+asyncpg://…/db); each run gets a fresh database on it. "
        "Default: a fresh SQLite file",
    )
    parser.add_argument("--redis-url", default=None)
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="bot processes behind a round-robin proxy (webhook mode, PostgreSQL and Redis; default 1)",
    )
    parser.add_argument("--mixes", choices=["both", "realistic", "all-unique"], default="both")
    parser.add_argument(
        "--overload",
        type=float,
        default=None,
        metavar="FACTOR",
        help="offer FACTOR x --sustainable updates/s, all new questions plus --urgent-share emergencies and "
        "requests for an advisor; reports busy notes and urgent latency beside the rest (overrides --rate)",
    )
    parser.add_argument(
        "--sustainable",
        type=float,
        default=60.0,
        help="updates/s this machine answers with all-unique questions (README: 59.9/s offered 150/s)",
    )
    parser.add_argument("--urgent-share", type=float, default=0.04, help="overload runs: share of urgent messages")
    parser.add_argument("--note-after", type=float, default=None, help="OVERLOAD_NOTE_AFTER_SECONDS for the bot")
    args = parser.parse_args()
    if args.serve_bot:
        serve_bot()
        return
    if not 0 <= args.unique_share <= 1:
        parser.error("--unique-share is a share of the messages: 0 to 1")
    check_args(parser, args)
    if args.overload is not None:
        if args.overload <= 0 or not 0 <= args.urgent_share <= 1:
            parser.error("--overload needs a factor > 0 and --urgent-share between 0 and 1")
        args.rate = args.sustainable * args.overload
    print(json.dumps(asyncio.run(main_async(args)), indent=2))


if __name__ == "__main__":
    main()
