"""Calibrate the answer/fallback thresholds on a labelled question file.

    python -m bench.calibrate ../shared/eval/dev.jsonl

Runs every question through the live decision code once, then replays the
decision for a grid of thresholds and prints, as JSON, the best settings
(highest top-1 while fallback recall stays at or above the target) and the
figures behind them. Write the chosen values into knowledge/thresholds.yaml.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import sys
from pathlib import Path

from bot.config import Settings
from bot.services.answers import AnswerService

FALLBACK_TARGET = 0.85


def main(path: str) -> None:
    service = AnswerService.from_settings(Settings())
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    observed = []
    for row in rows:
        reply = service.respond(row["text"])
        scores = [t.score for t in reply.topics]
        observed.append((row["expect"], reply.action, [t.topic for t in reply.topics], scores))
    grid = {
        "answer_min_score": [round(0.80 + 0.005 * i, 3) for i in range(25)],
        "answer_min_margin": [0.0, 0.002, 0.005, 0.01, 0.015, 0.02],
        "answer_sure_score": [0.88, 0.89, 0.9, 0.91, 0.92, 0.93, 0.95, 1.0],
    }
    results = []
    for min_score, margin, sure in itertools.product(*grid.values()):
        top1 = n_topic = fb_hits = n_fb = 0
        for expect, action, topics, scores in observed:
            if action not in ("answer", "fallback"):
                decided = action
            elif not scores:
                decided = "fallback"
            else:
                gap = scores[0] - scores[1] if len(scores) > 1 else 1.0
                ok = scores[0] >= sure or (scores[0] >= min_score and gap >= margin)
                decided = "answer" if ok else "fallback"
            if "topic" in expect:
                n_topic += 1
                top1 += decided == "answer" and topics[:1] == [expect["topic"]]
            elif expect.get("action") == "fallback":
                n_fb += 1
                fb_hits += decided == "fallback"
        results.append(
            {
                "answer_min_score": min_score,
                "answer_min_margin": margin,
                "answer_sure_score": sure,
                "top1": round(top1 / max(n_topic, 1), 4),
                "fallback": round(fb_hits / max(n_fb, 1), 4),
            }
        )
    feasible = [r for r in results if r["fallback"] >= FALLBACK_TARGET] or results
    best = max(feasible, key=lambda r: (r["top1"], r["fallback"], -r["answer_min_score"]))
    current = dataclasses.asdict(service.thresholds)
    print(
        json.dumps(
            {
                "questions": len(rows),
                "best": best,
                "current": current,
                "frontier": sorted(results, key=lambda r: (-r["top1"], -r["fallback"]))[:10],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/dev.jsonl")
