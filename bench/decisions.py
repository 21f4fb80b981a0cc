"""How well the decision layer tells emergency, handoff, greeting, off-topic and question apart.

    python -m bench.decisions                 # cross-validation on the corpus + dev and old held-out
    python -m bench.decisions --calibrate     # also print the thresholds that meet the safety policy
    python -m bench.decisions --final         # also score the frozen held-out set (once, at the end)

Prints JSON. Cross-validation (stratified 5-fold over the corpus and the knowledge base's questions)
gives out-of-fold probabilities: thresholds are chosen on those, never on the evaluation files, and
never on the frozen held-out set (bench.FROZEN_HELDOUT_NAME). The evaluation files go through `AnswerService.respond`, the
live code path, so recall there is what people get.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench import FROZEN_HELDOUT_NAME
from bot.config import Settings, get_settings
from knowledge.embedding_cache import embed_cached
from knowledge.encoders import load_encoder
from knowledge.intents import load_corpus
from knowledge.intents.neighbours import blend, leave_one_out_shares
from knowledge.intents.training import DEFAULT_SPEC, ModelSpec, TrainingSet, cross_validate, training_set
from knowledge.loader import load_entries

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILES = {
    "dev": ROOT.parent / "shared" / "eval" / "dev.jsonl",
    "heldout": ROOT / "tests" / "data" / "heldout.jsonl",
    "heldout-2": ROOT / "tests" / "data" / "heldout-2.jsonl",  # frozen 2026-12-02, scored; now development data
    "heldout-3": ROOT / "tests" / "data" / "heldout-3.jsonl",  # frozen and scored 2026-12-03; development data
    "heldout-4": ROOT / "tests" / "data" / "heldout-4.jsonl",  # frozen and scored 2026-12-03; development data
    "heldout-5": ROOT / "tests" / "data" / "heldout-5.jsonl",  # frozen and scored 2026-12-03; development data
    "heldout-6": ROOT / "tests" / "data" / "heldout-6.jsonl",  # frozen 2026-12-03, scored 2026-12-04; development data
    "heldout-7": ROOT / "tests" / "data" / "heldout-7.jsonl",  # frozen and scored 2026-12-04; development data
    "heldout-8": ROOT / "tests" / "data" / "heldout-8.jsonl",  # frozen and scored 2026-12-04; development data
    "heldout-9": ROOT / "tests" / "data" / "heldout-9.jsonl",  # frozen and scored 2026-12-04; development data
    "heldout-10": ROOT / "tests" / "data" / "heldout-10.jsonl",  # frozen 2026-12-04, scored 2026-12-05; development
    "heldout-11": ROOT / "tests" / "data" / "heldout-11.jsonl",  # frozen and scored 2026-12-05; development data
}
FROZEN = ROOT / "tests" / "data" / FROZEN_HELDOUT_NAME
TARGET_RECALL = 0.99
MAX_FALSE_EMERGENCY = 0.03
SPECS = {
    "logreg C=1": ModelSpec("logreg", 1.0),
    "logreg C=10": ModelSpec("logreg", 10.0),
    "logreg C=100": ModelSpec("logreg", 100.0),
    "mlp 256": ModelSpec("mlp", 10.0, 256),
}


def _data(settings: Settings) -> TrainingSet:
    corpus = load_corpus()
    entries = load_entries(settings.fairbot_entries_dir, settings.fairbot_topics_file)
    kb = [(lang, q) for e in entries for lang, text in e.texts.items() for q in text.questions]
    encoder = load_encoder(settings.knowledge, settings.fairbot_index_encoder)
    vectors = embed_cached(encoder, settings.index_dir, [e.text for e in corpus.examples] + [q for _, q in kb])
    n = len(corpus.examples)
    return training_set(corpus, vectors[:n], kb, vectors[n:])


def _served_emergency(probs: np.ndarray, classes: tuple[str, ...], data: TrainingSet) -> np.ndarray:
    """The emergency score as served: the softmax blended with the neighbours' share, both out of sample
    (out-of-fold softmax, leave-one-out neighbours)."""
    is_em = np.array([lab.startswith("emergency") for lab in data.labels])
    softmax = probs[:, [i for i, c in enumerate(classes) if c.startswith("emergency")]].sum(axis=1)
    return np.asarray(blend(softmax, leave_one_out_shares(data.vectors, is_em)))


def _emergency_curve(probs: np.ndarray, classes: tuple[str, ...], data: TrainingSet) -> dict:
    is_em = np.array([lab.startswith("emergency") for lab in data.labels])
    p_em = _served_emergency(probs, classes, data)
    is_q = np.array([lab == "question" for lab in data.labels])
    is_hard = np.array([s == "hard_negative" for s in data.sources])
    out = {}
    for t in sorted({*np.round(np.linspace(0.01, 0.9, 90), 3)}):
        out[float(t)] = {
            "recall": round(float((p_em[is_em] >= t).mean()), 4),
            "false_emergency_questions": round(float((p_em[is_q] >= t).mean()), 4),
            "false_emergency_hard_negatives": round(float((p_em[is_hard] >= t).mean()), 4),
        }
    return out


def _per_class(probs: np.ndarray, classes: tuple[str, ...], data: TrainingSet, thresholds: dict[str, float]) -> dict:
    """Recall and precision per intent and per language when each class fires at its threshold."""
    labels = np.array([lab.split(":")[0] for lab in data.labels])
    score = {c: probs[:, i] for i, c in enumerate(classes)}
    score["emergency"] = _served_emergency(probs, classes, data)
    out: dict = {}
    for intent, t in thresholds.items():
        fired = score[intent] >= t
        truth = labels == intent
        by_lang: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        for lang, hit, real in zip(data.langs, fired, truth, strict=True):
            if real:
                by_lang[lang][0] += 1
                by_lang[lang][1] += bool(hit)
        out[intent] = {
            "threshold": t,
            "recall": round(float(fired[truth].mean()), 4) if truth.any() else None,
            "precision": round(float(truth[fired].mean()), 4) if fired.any() else None,
            "recall_by_lang": {k: round(v[1] / v[0], 3) for k, v in sorted(by_lang.items())},
        }
    return out


def calibrate(curve: dict) -> dict:
    """emergency_min: the lowest threshold whose false alarms on questions stay within the limit;
    danger_min (the middle band): the highest threshold whose recall reaches the target."""
    within = [t for t, row in curve.items() if row["false_emergency_questions"] <= MAX_FALSE_EMERGENCY]
    meeting = [t for t, row in curve.items() if row["recall"] >= TARGET_RECALL]
    emergency_min = min(within) if within else max(curve)
    danger_min = max(meeting) if meeting else min(curve)
    return {
        "emergency_min": emergency_min,
        "at_emergency_min": curve[emergency_min],
        "danger_min": danger_min,
        "at_danger_min": curve[danger_min],
    }


def evaluate(path: Path) -> dict:
    """Recall and precision per expected action and language, through the live code path."""
    from bot.services.answers import AnswerService

    service = AnswerService.from_settings(get_settings())
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    got: defaultdict[str, defaultdict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )  # action -> lang -> [n, hits]
    predicted: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])  # action -> [fired, correct]
    danger_band = [0, 0]
    false_alarms = 0
    for row in rows:
        reply = service.respond(row["text"])
        false_alarms += row["expect"].get("topic") is not None and reply.action == "emergency"
        want = row["expect"].get("action", "answer")
        cell = got[want][row["lang"]]
        cell[0] += 1
        cell[1] += reply.action == want
        predicted[reply.action][0] += 1
        predicted[reply.action][1] += reply.action == want
        if want == "emergency":
            danger_band[0] += 1
            danger_band[1] += reply.action == "emergency" or reply.danger is not None
    hard = [r for r in rows if r.get("meta", {}).get("kind") == "hard_negative"]
    false_on_hard = sum(service.respond(r["text"]).action == "emergency" for r in hard)
    return {
        "rows": len(rows),
        "recall": {
            a: round(sum(v[1] for v in by.values()) / sum(v[0] for v in by.values()), 4) for a, by in got.items()
        },
        "recall_by_lang": {a: {k: f"{v[1]}/{v[0]}" for k, v in sorted(by.items())} for a, by in got.items()},
        "precision": {a: round(v[1] / v[0], 4) for a, v in predicted.items() if v[0]},
        "emergency_or_danger_band": round(danger_band[1] / danger_band[0], 4) if danger_band[0] else None,
        "false_emergency_on_questions": f"{false_alarms}/{sum(v[0] for v in got['answer'].values())}",
        "false_emergency_hard_negatives": f"{false_on_hard}/{len(hard)}" if hard else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calibrate", action="store_true", help="print thresholds that meet the policy")
    parser.add_argument("--final", action="store_true", help="also score the frozen held-out set")
    parser.add_argument("--specs", default="all", help="comma-separated model specs to cross-validate, or 'none'")
    args = parser.parse_args(argv)
    settings = get_settings()
    report: dict = {}
    if args.specs != "none":
        data = _data(settings)
        report["training_rows"] = {lab: data.labels.count(lab) for lab in sorted(set(data.labels))}
        names = list(SPECS) if args.specs == "all" else args.specs.split(",")
        for name in names:
            probs, classes = cross_validate(data, SPECS[name])
            curve = _emergency_curve(probs, classes, data)
            entry = {"emergency_at_policy": calibrate(curve)}
            if args.calibrate:
                entry["curve"] = curve
            th = {
                "emergency": entry["emergency_at_policy"]["emergency_min"],
                "handoff": 0.5,
                "greeting": 0.5,
                "offtopic": 0.5,
            }
            entry["per_class"] = _per_class(probs, classes, data, th)
            report[name] = entry
            print(json.dumps({name: entry["emergency_at_policy"]}), file=sys.stderr)
    for name, path in EVAL_FILES.items():
        if path.exists():
            report[name] = evaluate(path)
    if args.final:
        if not FROZEN.exists():
            sys.exit(
                f"{FROZEN} does not exist yet: have independent writers write it, freeze it by its hash, then score it"
            )
        report[FROZEN.stem] = evaluate(FROZEN)
    report["default_spec"] = DEFAULT_SPEC.__dict__
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
