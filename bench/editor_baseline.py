"""How long the editor's pages wait for the YAML baseline (knowledge/entries), printed as JSON.

Every editor page (workspace, entry form, revision diff, unanswered report) needs the reviewed
baseline. Measured through the real service on a throw-away SQLite database: the first read
(cold), then the median of repeated reads, for `baseline()` alone and for the workspace rows.
It also measures how long the event loop is blocked while a page reads the baseline: a ticker
task records its largest gap.

Run: `.venv/bin/python bench/editor_baseline.py [--runs 10]`
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.services.editorial import Editorial
from bot.storage.db import Database


async def _maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _largest_gap(work: Any) -> tuple[float, float]:
    """Run `work()`; return (its duration, the longest stretch the loop could not run anything else)."""
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await work()
    took = time.perf_counter() - started
    stop.set()
    await task
    return took, max(gaps, default=0.0)


async def main(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, fairbot_data_dir=Path(tmp))  # type: ignore[call-arg]
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'fairbot.db'}")
        await db.migrate()
        editorial = Editorial(settings)
        try:
            cold, cold_block = await _largest_gap(lambda: _maybe(editorial.baseline()))
            baseline_times, workspace_times, blocks = [], [], []
            for _ in range(runs):
                took, _gap = await _largest_gap(lambda: _maybe(editorial.baseline()))
                baseline_times.append(took)

                async def page() -> None:
                    async with db.session() as session:
                        await editorial.workspace(session)

                took, gap = await _largest_gap(page)
                workspace_times.append(took)
                blocks.append(gap)
            entries = len(await _maybe(editorial.baseline()))
        finally:
            await db.dispose()
    return {
        "entries": entries,
        "baseline_cold_s": round(cold, 3),
        "baseline_cold_loop_blocked_s": round(cold_block, 3),
        "baseline_warm_median_s": round(statistics.median(baseline_times), 4),
        "workspace_page_median_s": round(statistics.median(workspace_times), 4),
        "workspace_loop_blocked_max_s": round(max(blocks), 4),
        "runs": runs,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.runs)), indent=1))
