"""Leave-one-set-out: does training on the scored held-out sets generalise to a set it did not see?

    python -m bench.training_lab [--topic-c C] [--topic-weight W ...] [--left-out SET ...]

Why: the scored held-out sets (heldout, heldout-2 .. -5: written by independent writers, each scored once
and development data since) are the most realistic phrasing this project has; the knowledge base's own
question variants are tidy. Before any of them trains the live models, this measures, per set, the models
trained on the other sets (plus the corpus and the entries) against the set left out: the honest estimate
of what the added data buys. Since all five are in the intents corpus, only the topic figures (top-1,
top-3) of a left-out set stay honest; its intent figures are not. The frozen set (bench.FROZEN_HELDOUT_NAME)
is never read.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from bench.decision_lab import _assess, _with_model, score
from bench.decisions import EVAL_FILES, _data
from bot.config import get_settings
from bot.services.answers import AnswerService
from knowledge.classifier import train_model
from knowledge.embedding_cache import embed_cached
from knowledge.index_models import TOPIC_MODEL_C
from knowledge.intents.neighbours import EmergencyNeighbours
from knowledge.intents.training import TrainingSet, fit

Row = dict[str, Any]
HELDOUT_SETS = ("heldout", "heldout-2", "heldout-3", "heldout-4", "heldout-5")


def _emergency_subtype(model: Any, vector: np.ndarray) -> str:
    """The sub-type the current model gives an emergency line (the sets label only 'emergency')."""
    probs = model.predict(vector)[0]
    pairs = [(p, c) for c, p in zip(model.classes, probs, strict=True) if c.startswith("emergency:")]
    return max(pairs)[1]


def _intent_label(row: Row) -> str:
    action = row["expect"].get("action")
    return action if action in ("handoff", "greeting") else "offtopic" if action == "fallback" else "question"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topic-c", type=float, default=TOPIC_MODEL_C)
    parser.add_argument("--topic-weight", type=float, action="append", default=[], help="ranking weights to try")
    parser.add_argument("--left-out", action="append", default=[], help="only these sets left out (default: each)")
    parser.add_argument("--no-intents", action="store_true", help="add the sets to the topic model only")
    args = parser.parse_args(argv)
    settings = get_settings()
    service = AnswerService.from_settings(settings)
    index = service.retriever.index
    encoder = service.retriever.encoder
    th = service.thresholds
    base = _data(settings)
    live_intents = index.intent_model
    # the entries' question variants and their topics, as the index build trains the topic model
    q_rows = [i for i, r in enumerate(index.rows) if r.kind == "question"]
    q_vectors = np.vstack([index.index.reconstruct(i) for i in q_rows]).astype(np.float32)
    q_topics = [index.entries[index.rows[i].entry_id].topic for i in q_rows]
    sets: dict[str, tuple[list[Row], np.ndarray]] = {}
    for name, path in EVAL_FILES.items():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sets[name] = (rows, embed_cached(encoder, settings.index_dir, [r["text"] for r in rows]))
    for left_out in args.left_out or ("baseline", *HELDOUT_SETS):
        train = [s for s in HELDOUT_SETS if s != left_out] if left_out != "baseline" else []
        t_vecs, t_labels, i_vecs, i_labels = [q_vectors], list(q_topics), [], []
        for name in train:
            rows, vecs = sets[name]
            for row, vec in zip(rows, vecs, strict=True):
                topic = row["expect"].get("topic")
                if topic:
                    t_vecs.append(vec[None, :])
                    t_labels.append(topic)
                if row["expect"].get("action") == "emergency":
                    i_labels.append(_emergency_subtype(live_intents, vec))
                else:
                    i_labels.append(_intent_label(row))
                i_vecs.append(vec[None, :])
        topic_model = train_model(np.vstack(t_vecs), t_labels, c=args.topic_c)
        index.topic_model = topic_model
        intent_model, nb = live_intents, index.intent_neighbours
        if train and not args.no_intents:
            data = TrainingSet(
                np.vstack([base.vectors, *i_vecs]),
                [*base.labels, *i_labels],
                [*base.langs, *["x"] * len(i_labels)],
                [*base.sources, *["heldout"] * len(i_labels)],
                [*base.texts, *[""] * len(i_labels)],
            )
            intent_model = fit(data)
            nb = EmergencyNeighbours(data.vectors, np.array([lab.startswith("emergency") for lab in data.labels]))
        line = {}
        for weight in args.topic_weight or [service.retriever.topic_weight]:
            service.retriever.topic_weight = weight
            for name in ("dev", *HELDOUT_SETS):
                if name in train:
                    continue
                rows, vecs = sets[name]
                assessed = _assess(service, rows)
                if intent_model is not live_intents and nb is not None:
                    assessed = _with_model(assessed, vecs, intent_model, nb)
                line[f"{name}@{weight}"] = score(rows, assessed, th)
        print(left_out, json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
