"""Real `fairbot run` processes on loopback ports, as the replicas of a deployment: start, wait ready, kill, read metrics;
a round-robin proxy in front of them (what deploy/Caddyfile asks of Caddy). bench/throughput.py --replicas uses both.

Each replica is the command an operator runs (`python -m bot.cli run`), configured
only by its environment, against one PostgreSQL database and one Redis. Tests
read what a replica does through its HTTP surface (/readyz, /metrics, the
console) and through the Bot API emulator, never through its internals.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "replica-metrics-token"
SECRET_KEY = "replicas-share-this-secret-key"


def suite_data_dir() -> Path:
    """Where the suite's index and converted model live (scripts/test sets FAIRBOT_DATA_DIR)."""
    configured = os.environ.get("FAIRBOT_TEST_DATA_DIR") or os.environ.get("FAIRBOT_DATA_DIR")
    return Path(configured) if configured else PROJECT_ROOT / "var"


def replica_env(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of one replica: shared database, Redis, secret key; nothing from a local .env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "FAIRBOT_", "REDIS_"))}
    env.update(
        {
            "PYTHONPATH": str(PROJECT_ROOT),
            "DATABASE_URL": database_url,
            "FAIRBOT_DATA_DIR": str(suite_data_dir()),
            "FAIRBOT_SECRET_KEY": SECRET_KEY,
            "FAIRBOT_METRICS_TOKEN": METRICS_TOKEN,
            "FAIRBOT_SERVICE_OPENING_HOURS": "Mo-Su 00:00-23:59",
            "FAIRBOT_LOG_LEVEL": "INFO",
            # Every test person writes from 127.0.0.1, and the counters live in the Redis other suites use.
            "WEB_CHAT_NEW_PER_ADDRESS": "100000",
            "WEB_CHAT_MESSAGES_PER_ADDRESS": "100000",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


@dataclass
class Replica:
    name: str
    env: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"replica-{self.name}.log"

    def start(self) -> None:
        # cwd is the log dir: a replica must not pick up a developer's .env from the project root.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                cwd=self.log_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log_path.exists() else ""

    async def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"replica {self.name} exited ({self.process.returncode}):\n{self.log_tail()}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"replica {self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: the process dies without any cleanup, as in a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    async def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM: what `docker stop` sends; the replica shuts down gracefully (the loop keeps serving meanwhile)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, timeout)

    async def metric(self, name: str) -> float | None:
        """One unlabelled sample from /metrics (None when the replica does not answer)."""
        try:
            async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
                response = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        except httpx.HTTPError:
            return None
        response.raise_for_status()
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                if sample.name == name and not sample.labels:
                    return float(sample.value)
        return None


async def stop_all(replicas: list[Replica]) -> None:
    """SIGTERM to each, then SIGKILL to any still running after 30 s. Each replica's log tail is printed:
    pytest shows it with a failing test (what the replica did is the first thing to read then)."""
    for replica in replicas:
        print(f"--- replica {replica.name}: the end of its log ---\n{replica.log_tail(4000)}")
    for replica in replicas:
        if replica.process is not None and replica.process.poll() is None:
            replica.process.send_signal(signal.SIGTERM)
    for replica in replicas:
        if replica.process is not None:
            try:
                await asyncio.to_thread(replica.process.wait, 30)
            except subprocess.TimeoutExpired:
                replica.kill()


class RoundRobinProxy:
    """POSTs go to the replicas in turn; a refused connection is retried on the next one (Caddy's lb_try_duration)."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self.port = free_port()
        self.served: Counter[str] = Counter()
        self._next = itertools.cycle(range(len(upstreams)))
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in {"host", "content-length"}}
        for _ in range(len(self.upstreams) * 20):
            if self._session.closed:  # the proxy is stopping (the bench's end): no upstream to try
                break
            upstream = self.upstreams[next(self._next)]
            try:
                async with self._session.post(upstream + request.path, data=body, headers=headers) as response:
                    self.served[upstream] += 1
                    return web.Response(status=response.status, body=await response.read())
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        return web.Response(status=502)
