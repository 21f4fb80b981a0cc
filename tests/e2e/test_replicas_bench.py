"""`bench/throughput.py --replicas 2` at small scale: the multi-replica path of the benchmark measures what it claims.

Real parts, as the bench runs them: two bot processes on one fresh PostgreSQL database and Redis, the
round-robin proxy of tests/e2e/replicas.py, the loopback Bot API emulator. 20 updates at 10/s: the
figures in the README are only worth something if this path loses and duplicates nothing and really
spreads the updates over both processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.required import PG_ADMIN_URL, REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(900)]

BENCH = Path(__file__).resolve().parents[2] / "bench" / "throughput.py"


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=840, env=dict(os.environ)
    )


def test_two_replicas_answer_every_update_once_and_share_them() -> None:
    done = run_bench(
        *("--replicas", "2", "--modes", "webhook", "--users", "10", "--messages", "2", "--rate", "10"),
        *("--unique-share", "1", "--drain", "60", "--database-url", PG_ADMIN_URL, "--redis-url", REDIS_URL),
    )
    assert done.returncode == 0, done.stderr[-4000:]
    [result] = json.loads(done.stdout)["results"]
    assert (result["replicas"], result["updates"], result["lost"], result["duplicated"]) == (2, 20, 0, 0), result
    taken = [replica["webhook_updates_taken"] for replica in result["per_replica"]]
    assert sum(taken) >= 20 and min(taken) >= 5, taken  # round robin: each process took its share
    assert all(replica["messages_counted"] >= 5 for replica in result["per_replica"]), result["per_replica"]
    assert result["bot_cpu_ms_per_update"] > 0 and 0 < result["machine_cpu_busy_share"] <= 1
    assert result["load_before"].startswith("load average: ")


def test_replicas_refuse_what_they_cannot_share() -> None:
    """Several processes need webhook mode, PostgreSQL and Redis: the bench says so instead of measuring nonsense."""
    polling = run_bench(
        "--replicas", "2", "--modes", "polling", "--database-url", PG_ADMIN_URL, "--redis-url", REDIS_URL
    )
    assert polling.returncode == 2 and "--modes webhook" in polling.stderr
    sqlite = run_bench("--replicas", "2", "--modes", "webhook", "--redis-url", REDIS_URL)
    assert sqlite.returncode == 2 and "--database-url postgresql" in sqlite.stderr
    no_redis = run_bench("--replicas", "2", "--modes", "webhook", "--database-url", PG_ADMIN_URL)
    assert no_redis.returncode == 2 and "--redis-url" in no_redis.stderr
