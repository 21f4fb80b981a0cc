"""Several bot processes for bench/throughput.py `--replicas N`: one PostgreSQL, one Redis, a round-robin proxy.

A deployment runs its replicas behind Caddy, which Telegram's webhook points at; here the proxy is the
one the replica tests use (tests/e2e/replicas.py), in the bench's own process. What only several
processes can show is measured here: how the updates spread, each process's CPU and memory, and
whether the machine's cores (shared by the replicas, the database, Redis and the bench itself) were
saturated, which is where the limit of one 2-core machine lies.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "bench-metrics-token"


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Several processes share only what PostgreSQL and Redis share, and only a webhook spreads updates."""
    if args.replicas < 1:
        parser.error("--replicas is a number of processes: 1 or more")
    if args.replicas == 1:
        return
    if {m.strip() for m in args.modes.split(",")} != {"webhook"}:
        parser.error("--replicas above 1 needs --modes webhook (several pollers would take turns at one lock)")
    if not (args.database_url or "").startswith("postgresql"):
        parser.error("--replicas above 1 needs --database-url postgresql+asyncpg://…: replicas share one database")
    if not args.redis_url:
        parser.error("--replicas above 1 needs --redis-url redis://…: replicas share events and rate limits")


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores from /proc/stat: were the cores saturated during the run?"""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


async def messages_counted(url: str) -> int | None:
    """The replica's fairbot_messages_total summed over labels: the messages it handled (None if unreadable)."""
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    samples = (s for family in text_string_to_metric_families(response.text) for s in family.samples)
    return round(sum(s.value for s in samples if s.name == "fairbot_messages_total"))


class ReplicaSet:
    """N bot processes started by `start_bot(env, log)`, each on its own port, behind one proxy."""

    def __init__(self, ports: list[int], work: Path) -> None:
        from tests.e2e.replicas import Replica, RoundRobinProxy  # the bot's own modules: only when asked for

        self.work = work
        self.proxy = RoundRobinProxy([f"http://127.0.0.1:{p}" for p in ports])
        self.replicas = [Replica(str(n), {}, work, port=p) for n, p in enumerate(ports)]
        self._taken: dict[str, int] = {}
        self._counted: list[int | None] = []
        self._machine = (0, 0)
        self._bench_cpu = 0.0

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [r.process for r in self.replicas if r.process is not None]

    async def start(self, env: dict[str, str], start_bot: Callable[[dict[str, str], Path], Any]) -> None:
        await self.proxy.start()
        for n, replica in enumerate(self.replicas):
            replica.env = {
                **env,
                "WEBHOOK_URL": f"{self.proxy.url}/telegram/webhook",
                "FAIRBOT_METRICS_TOKEN": METRICS_TOKEN,
                "FAIRBOT_PORT": str(replica.port),
                "FAIRBOT_BENCH_STATS": str(self.work / f"stats-{n}.json"),
            }
            replica.process = start_bot(replica.env, replica.log_path)

    async def wait_ready(self) -> None:
        """Every replica serves (and has set the webhook) before the first update: none takes the warm-up alone."""
        for replica in self.replicas:
            await replica.wait_ready(timeout=600)

    async def mark(self) -> None:
        """The run starts here: the warm-up's updates are not part of the per-replica figures."""
        self._taken = {r.url: self.proxy.served[r.url] for r in self.replicas}
        self._counted = [await messages_counted(r.url) for r in self.replicas]
        self._machine = machine_cpu_ticks()
        self._bench_cpu = time.process_time()

    async def figures(self, total: int, cpu_seconds: list[float], memory: list[dict[str, float]]) -> dict[str, Any]:
        bench_cpu = time.process_time() - self._bench_cpu
        busy, all_ticks = (after - before for after, before in zip(machine_cpu_ticks(), self._machine, strict=True))
        per_replica = []
        for n, replica in enumerate(self.replicas):
            counted, before = await messages_counted(replica.url), self._counted[n]
            entry: dict[str, Any] = {
                "webhook_updates_taken": self.proxy.served[replica.url] - self._taken[replica.url],
                # fairbot_messages_total: messages, not button presses
                "messages_counted": None if counted is None or before is None else counted - before,
                "cpu_ms_per_update": round(1000 * cpu_seconds[n] / total, 2),
                "memory_mb": memory[n],
            }
            per_replica.append(entry)
        return {
            "per_replica": per_replica,
            # The emulator, the simulated people and the proxy: on 2 cores they compete with the replicas.
            "bench_process_cpu_ms_per_update": round(1000 * bench_cpu / total, 2),
            "machine_cpu_busy_share": round(busy / max(1, all_ticks), 3),
        }

    def add_batch_stats(self, result: dict[str, Any]) -> None:
        for n, entry in enumerate(result.get("per_replica", [])):
            stats = self.work / f"stats-{n}.json"
            if stats.exists():
                entry["micro_batches"] = json.loads(stats.read_text())

    async def stop(self) -> None:
        await self.proxy.stop()
