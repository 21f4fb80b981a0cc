"""Leave-one-set-out: does training on the scored held-out sets generalise to a set it did not see?

    python -m bench.training_lab [--topic-c C] [--topic-weight W ...] [--left-out SET ...]
    python -m bench.training_lab --no-intents --only-left-out --knn-k 10 --knn-temp 0.02 --knn-mix 0.5 ...

Why: the scored held-out sets (heldout, heldout-2 .. -5: written by independent writers, each scored once
and development data since) are the most realistic phrasing this project has; the knowledge base's own
question variants are tidy. Before any of them trains the live models, this measures, per set, the models
trained on the other sets (plus the corpus and the entries) against the set left out: the honest estimate
of what the added data buys. `--left-out none` trains on all five, as the live index does, and measures dev.
The --knn-* flags mix the votes of the nearest topic-training vectors into the topic probabilities
(bench/topic_knn.py, built from the same vectors and labels as the topic model); each line then also holds the
grid of their settings (mix 0 is the topic model alone).

Measured 2026-12-04 (--no-intents --only-left-out, k 10/20, T 0.02/0.05, mix 0.3/0.5/0.7, topic weight
0.1/0.2; top-1 dev / heldout / -2 / -3 / -4 / -5, each heldout set left out, dev with all five in):
    topic model alone, weight 0.1:       0.947 / 0.896 / 0.891 / 0.802 / 0.762 / 0.863
    k 10, T 0.02, mix 0.3, weight 0.1:   0.950 / 0.891 / 0.893 / 0.808 / 0.771 / 0.863 (the only setting at 0.1
        with a gain: +7 of 2,404 left-out questions, 33 corrected and 26 broken, best of 24 settings)
    k 10, T 0.02, mix 0.5 (+2.1 on heldout-4, where it was first tried): 0.950 / 0.886 / 0.876 / 0.804 / 0.783 /
        0.863, a loss summed over the sets
    weight 0.2 with the neighbours: up to +1 point a set, but fallback recall falls (heldout-2 0.912 -> 0.853).
With the live index (all sets in) mix 0.3 also lost an off-topic line of heldout to an answer (bench.decisions:
fallback 1.0 -> 0.94): the votes are normalised, so a message far from every labelled line still gets a confident
vote. Not served: a vote that shrank with the neighbours' distance would be the next thing to try. Since every
scored set is in the intents corpus, only the topic figures (top-1, top-3) of a left-out set stay honest; its
intent figures are not. `--text-share` trains the character topic model (knowledge/text_topics.py) on the same
phrasings and blends it in at each share given (0: the embedding topic model alone); its figures are in
knowledge/thresholds.yaml. The frozen set (bench.FROZEN_HELDOUT_NAME)
is never read.
"""

from __future__ import annotations

import argparse
import itertools
import json
from typing import Any, cast

import numpy as np

from bench.decision_lab import _assess, _with_model, score
from bench.decisions import EVAL_FILES, _data
from bench.topic_knn import BlendedTopics, TopicNeighbours
from bot.config import get_settings
from bot.services.answers import AnswerService
from knowledge.classifier import SoftmaxClassifier, train_model
from knowledge.embedding_cache import embed_cached
from knowledge.index import rows_and_texts
from knowledge.index_models import TOPIC_MODEL_C
from knowledge.intents.neighbours import EmergencyNeighbours
from knowledge.intents.training import TrainingSet, fit
from knowledge.text_topics import train_text_topics

Row = dict[str, Any]
HELDOUT_SETS = (
    "heldout",
    "heldout-2",
    "heldout-3",
    "heldout-4",
    "heldout-5",
    "heldout-6",
    "heldout-7",
    "heldout-8",
    "heldout-9",
    "heldout-10",
    "heldout-11",
)


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
    parser.add_argument("--knn-k", type=int, action="append", default=[], help="topic neighbours consulted")
    parser.add_argument("--knn-temp", type=float, action="append", default=[], help="their similarity temperature")
    parser.add_argument("--knn-mix", type=float, action="append", default=[], help="their share of P(topic)")
    parser.add_argument("--text-share", type=float, action="append", default=[], help="character model shares to try")
    parser.add_argument("--only-left-out", action="store_true", help="measure the set left out only (none: dev)")
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
    all_texts = rows_and_texts(list(index.entries.values()))[1]  # in the index's row order (same entries, same order)
    q_texts = [all_texts[i] for i in q_rows]
    sets: dict[str, tuple[list[Row], np.ndarray]] = {}
    for name, path in EVAL_FILES.items():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sets[name] = (rows, embed_cached(encoder, settings.index_dir, [r["text"] for r in rows]))
    knn = [(0, 0.0, 0.0)] + [
        (k, t, m) for k in args.knn_k or [10] for t in args.knn_temp or [0.02] for m in args.knn_mix if m
    ]
    for left_out in args.left_out or ("baseline", *HELDOUT_SETS):
        train = [s for s in HELDOUT_SETS if s != left_out] if left_out != "baseline" else []
        measured = ["dev"] if left_out in ("none", "baseline") and args.only_left_out else [left_out]
        if not args.only_left_out:
            measured = [s for s in ("dev", *HELDOUT_SETS) if s not in train]
        t_vecs, t_labels, t_texts, i_vecs, i_labels = [q_vectors], list(q_topics), list(q_texts), [], []
        for name in train:
            rows, vecs = sets[name]
            for row, vec in zip(rows, vecs, strict=True):
                topic = row["expect"].get("topic")
                if topic:
                    t_vecs.append(vec[None, :])
                    t_labels.append(topic)
                    t_texts.append(row["text"])
                if row["expect"].get("action") == "emergency":
                    i_labels.append(_emergency_subtype(live_intents, vec))
                else:
                    i_labels.append(_intent_label(row))
                i_vecs.append(vec[None, :])
        topic_model = train_model(np.vstack(t_vecs), t_labels, c=args.topic_c)
        index.topic_model = topic_model
        index.text_topic_model = train_text_topics(t_texts, t_labels) if any(args.text_share) else None
        knn_model = TopicNeighbours(np.vstack(t_vecs), t_labels) if args.knn_mix else None
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
        retriever = service.retriever
        shares = args.text_share or [retriever.topic_text_share]
        for weight, share, (k, temp, mix) in itertools.product(
            args.topic_weight or [retriever.topic_weight], shares, knn
        ):
            retriever.topic_weight, retriever.topic_text_share = weight, share
            blended = BlendedTopics(topic_model, knn_model, k, temp, mix) if knn_model and mix else None
            index.topic_model = cast(SoftmaxClassifier, blended) if blended else topic_model
            for name in measured:
                rows, vecs = sets[name]
                assessed = _assess(service, rows)
                if intent_model is not live_intents and nb is not None:
                    assessed = _with_model(assessed, vecs, intent_model, nb)
                line[f"{name}@{weight},text={share}" + (f",k={k},T={temp},mix={mix}" if mix else "")] = score(
                    rows, assessed, th
                )
        print(left_out, json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
