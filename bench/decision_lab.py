"""A fast offline loop for the decision layer: train the intent model once, replay decisions on every set.

    python -m bench.decision_lab                      # the live index's model, all development sets
    python -m bench.decision_lab --retrain            # retrain from the corpus on disk (no index build)
    python -m bench.decision_lab --retrain --misses heldout-3 --sweep offtopic_min=0.4,0.5
    python -m bench.decision_lab --out-of-set --sweep emergency_min=0.6,0.65,0.7 --sweep danger_min=0.3,0.35

Why: an index build retrains everything and takes minutes on the shared machine; here the message vectors
come from the index's embedding cache, the searches run once, and the intent model (and its emergency
neighbours) are swapped in memory, so a corpus or threshold change is measured on dev, heldout, heldout-2
and heldout-3 side by side in about a minute. The frozen set (bench.FROZEN_HELDOUT_NAME) is never read.
Every scored set was imported into the intents corpus after its single score, so the live model has seen them:
`--out-of-set` retrains once per set without that set's lines (matched by text) and replays the set on that model,
which gives the out-of-sample probabilities that thresholds are chosen on (the patterns taken from a set's misses
still know it: the pattern part of its figures stays optimistic).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import numpy as np

from bench.decisions import EVAL_FILES, _data
from bot.config import get_settings
from bot.services.answers import AnswerService
from knowledge.decision import Assessment, Thresholds, decide
from knowledge.embedding_cache import embed_cached
from knowledge.intents import IntentScores
from knowledge.intents.neighbours import EmergencyNeighbours
from knowledge.intents.training import DEFAULT_SPEC, TrainingSet, fit

Row = dict[str, Any]


def _assess(service: AnswerService, rows: list[Row], patterns: bool = True) -> list[Assessment]:
    """`AnswerService.assess_many`, with the message vectors from the embedding cache. Without `patterns` the
    emergency patterns are left out, so that the classifier's own recall shows (handoff patterns stay)."""
    settings = get_settings()
    vectors = embed_cached(service.retriever.encoder, settings.index_dir, [r["text"] for r in rows])
    service.languages.refresh(service.retriever.index)
    results = service.retriever.search_many(
        [r["text"] for r in rows], today=dt.date.today(), region=service.region, vectors=vectors
    )
    out = []
    for row, result in zip(rows, results, strict=True):
        matches = [m for m in service.rules.match(row["text"]) if patterns or m.intent != "emergency"]
        lang = service.languages.choose(row["text"], result, matches, None, None)
        out.append(
            Assessment(
                row["text"],
                result,
                result.by_topic(),
                matches,
                lang,
                service.rules.greeting_rest_words(row["text"]),
                service.rules.says_danger_over(row["text"]),
            )
        )
    return out


def _with_model(assessed: list[Assessment], vectors: np.ndarray, model: Any, nb: EmergencyNeighbours) -> list:
    shares = nb.shares(vectors)
    probs = model.predict(vectors)
    out = []
    for a, p, s in zip(assessed, probs, shares, strict=True):
        scores = IntentScores({c: float(x) for c, x in zip(model.classes, p, strict=True)}, float(s))
        out.append(dataclasses.replace(a, result=dataclasses.replace(a.result, intents=scores)))
    return out


def score(rows: list[Row], assessed: list[Assessment], th: Thresholds) -> dict[str, Any]:
    """The figures of `fairbot eval` and bench/decisions.py, from replayed decisions."""
    n: defaultdict[str, int] = defaultdict(int)
    hit: defaultdict[str, int] = defaultdict(int)
    for row, a in zip(rows, assessed, strict=True):
        d = decide(a, th)
        want = row["expect"].get("action", "answer")
        topic = row["expect"].get("topic")
        n[want] += 1
        hit[want] += d.action == want
        if topic is not None:
            n["top1"] += 1
            hit["top1"] += d.action == "answer" and a.ranked[0].topic == topic
            n["top3"] += 1
            hit["top3"] += any(h.topic == topic for h in a.ranked[:3])
            n["false_em"] += 1
            hit["false_em"] += d.action == "emergency"
            n["q_danger"] += 1
            hit["q_danger"] += d.action == "emergency" or d.danger is not None
        if want == "emergency":
            n["protected"] += 1
            hit["protected"] += d.action == "emergency" or d.danger is not None
        n["lang"] += 1
        hit["lang"] += a.lang == row["lang"]
    keys = ["top1", "top3", "emergency", "protected", "handoff", "fallback", "greeting", "false_em", "q_danger"]
    return {k: round(hit[k] / n[k], 3) for k in [*keys, "lang"] if n[k]}


def misses(rows: list[Row], assessed: list[Assessment], th: Thresholds) -> list[str]:
    out = []
    for row, a in zip(rows, assessed, strict=True):
        d = decide(a, th)
        want = row["expect"].get("action", "answer")
        s = a.intents
        probs = "" if s is None else f"em={s.emergency:.2f} ho={s['handoff']:.2f} off={s['offtopic']:.2f}"
        if want != "answer" and d.action != want:
            out.append(f"{row['lang']} want={want} got={d.action}/{d.danger} {probs} | {row['text']}")
        elif want == "answer" and d.action in ("emergency", "fallback", "handoff"):
            out.append(f"{row['lang']} want=answer got={d.action}/{d.danger} {probs} | {row['text']}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--retrain", action="store_true", help="train the intent model from the corpus on disk")
    parser.add_argument("--misses", default="", help="comma-separated set names whose misses to print")
    parser.add_argument(
        "--spec", action="append", default=[], help="ModelSpec field=value for --retrain and --out-of-set"
    )
    parser.add_argument("--out-of-set", action="store_true", help="replay each set on a model trained without it")
    parser.add_argument("--no-patterns", action="store_true", help="leave the emergency patterns out")
    parser.add_argument(
        "--extra", action="append", default=[], type=Path, help="a further JSONL set to score (e.g. new corpus lines)"
    )
    parser.add_argument(
        "--sweep", action="append", default=[], help="FIELD=V1,V2,...: replay every combination of these thresholds"
    )
    args = parser.parse_args(argv)
    service = AnswerService.from_settings(get_settings())
    th = service.thresholds
    sets = {}
    for name, path in {**EVAL_FILES, **{p.stem: p for p in args.extra}}.items():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sets[name] = (rows, _assess(service, rows, patterns=not args.no_patterns))
    spec = dataclasses.replace(
        DEFAULT_SPEC, **{k: type(getattr(DEFAULT_SPEC, k))(v) for k, v in (x.split("=") for x in args.spec)}
    )
    if args.spec:
        print("spec", spec)
    if args.retrain:
        data = _data(get_settings())
        model = fit(data, spec)
        nb = EmergencyNeighbours(data.vectors, np.array([lab.startswith("emergency") for lab in data.labels]))
        encoder, root = service.retriever.encoder, get_settings().index_dir
        for name, (rows, assessed) in sets.items():
            vectors = embed_cached(encoder, root, [r["text"] for r in rows])
            sets[name] = (rows, _with_model(assessed, vectors, model, nb))
    if args.out_of_set:
        data = _data(get_settings())
        encoder, root = service.retriever.encoder, get_settings().index_dir
        for name, (rows, assessed) in sets.items():
            seen = {r["text"].strip() for r in rows}
            keep = [i for i, t in enumerate(data.texts) if t.strip() not in seen]
            if len(keep) == len(data.texts):
                continue  # not training data (dev): the live model is already out of sample
            part = TrainingSet(
                data.vectors[keep],
                *([getattr(data, f)[i] for i in keep] for f in ("labels", "langs", "sources", "texts")),
            )
            model = fit(part, spec)
            nb = EmergencyNeighbours(part.vectors, np.array([lab.startswith("emergency") for lab in part.labels]))
            vectors = embed_cached(encoder, root, [r["text"] for r in rows])
            sets[name] = (rows, _with_model(assessed, vectors, model, nb))
            print(f"{name}: trained without its {len(data.texts) - len(keep)} lines", flush=True)
    for name, (rows, assessed) in sets.items():
        print(name, json.dumps(score(rows, assessed, th)))
    for name in filter(None, args.misses.split(",")):
        rows, assessed = sets[name]
        print(f"--- misses {name}")
        print("\n".join(misses(rows, assessed, th)))
    if args.sweep:
        fields = {k: [float(x) for x in v.split(",")] for k, v in (a.split("=", 1) for a in args.sweep)}
        for values in itertools.product(*fields.values()):
            t = dataclasses.replace(th, **cast(dict[str, Any], dict(zip(fields, values, strict=True))))
            totals: defaultdict[str, list[float]] = defaultdict(list)
            line = {}
            for k, (rows, assessed) in sets.items():
                line[k] = sc = score(rows, assessed, t)
                for key, value in sc.items():
                    totals[key].append(value)
            mean = {k: round(float(np.mean(v)), 4) for k, v in totals.items()}
            print(json.dumps({**dict(zip(fields, values, strict=True)), "mean": mean, **line}))


if __name__ == "__main__":
    main()
