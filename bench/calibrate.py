"""Calibrate the answer/fallback thresholds on a labelled question file.

    python -m bench.calibrate ../shared/eval/dev.jsonl

Assesses every question once with the live code (`AnswerService.assess`), then
replays `AnswerService.decide` for a grid of thresholds and prints, as JSON,
the best setting (highest top-1 while fallback recall stays at or above the
target) and the frontier behind it. Copy the chosen values into
knowledge/thresholds.yaml.
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
GRID = {
    "answer_min_score": [round(0.84 + 0.01 * i, 3) for i in range(10)],
    "answer_min_margin": [0.0, 0.005, 0.01, 0.02],
    "answer_sure_score": [0.92, 0.94, 0.96, 0.98, 1.0],
    "offtopic_margin": [-0.02, -0.01, 0.0, 0.01, 0.02, 1.0],
}


def main(path: str) -> None:
    service = AnswerService.from_settings(Settings())
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    assessed = [(row["expect"], service.assess(row["text"])) for row in rows]
    results = []
    for values in itertools.product(*GRID.values()):
        thresholds = dataclasses.replace(service.thresholds, **dict(zip(GRID, values, strict=True)))
        top1 = n_topic = hits = n_action = fb_hits = n_fb = 0
        for expect, assessment in assessed:
            action = service.decide(assessment, thresholds)
            if "topic" in expect:
                n_topic += 1
                top1 += action == "answer" and assessment.ranked[0].topic == expect["topic"]
            else:
                n_action += 1
                hits += action == expect["action"]
                if expect["action"] == "fallback":
                    n_fb += 1
                    fb_hits += action == "fallback"
        results.append(
            {
                **dict(zip(GRID, values, strict=True)),
                "top1": round(top1 / max(n_topic, 1), 4),
                "fallback": round(fb_hits / max(n_fb, 1), 4),
                "actions": round(hits / max(n_action, 1), 4),
            }
        )
    feasible = [r for r in results if r["fallback"] >= FALLBACK_TARGET] or results
    best = max(feasible, key=lambda r: (r["top1"], r["fallback"], r["answer_sure_score"], -r["answer_min_score"]))
    current = dataclasses.asdict(service.thresholds)
    frontier = sorted(results, key=lambda r: (-(r["top1"] + r["fallback"]), -r["top1"]))[:12]
    print(json.dumps({"questions": len(rows), "best": best, "current": current, "frontier": frontier}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/dev.jsonl")
