"""Turning the corpus and the knowledge base's questions into a trained classifier, and checking it honestly.

The knowledge base's question variants are ordinary questions by construction,
so they join the `question` class next to the corpus's questions and hard
negatives: the classifier then learns what the bot's own field looks like in
every language the entries have. Out-of-fold probabilities (`cross_validate`)
are what thresholds are chosen on: a threshold chosen on the examples the
model was fitted to would promise a recall it does not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.classifier import ModelKind, SoftmaxClassifier, train_model
from knowledge.intents.corpus import IntentCorpus

QUESTION = "question"


@dataclass(frozen=True)
class TrainingSet:
    vectors: np.ndarray
    labels: list[str]
    langs: list[str]
    sources: list[str]  # corpus file kind, or "kb" for the knowledge base's question variants
    texts: list[str]


@dataclass(frozen=True)
class ModelSpec:
    """The classifier's form and how examples are weighted; chosen by cross-validation and on the dev and old
    held-out sets (bench/decisions.py prints the figures behind each value)."""

    kind: ModelKind = "logreg"
    c: float = 10.0
    hidden: int = 256
    kb_weight: float = 0.5  # a knowledge-base question counts half: there are many, and they are keyword-rich
    hard_weight: float = 3.0  # a hard negative counts three times: idioms and past events must not raise alarms
    emergency_weight: float = 2.0  # the emergency sub-types together weigh twice another intent: recall first


DEFAULT_SPEC = ModelSpec()


def training_set(
    corpus: IntentCorpus,
    corpus_vectors: np.ndarray,
    kb_questions: Sequence[tuple[str, str]],
    kb_vectors: np.ndarray,
) -> TrainingSet:
    """The corpus's examples and the knowledge base's question variants ((lang, text) pairs), as one table."""
    labels = [e.label for e in corpus.examples] + [QUESTION] * len(kb_questions)
    langs = [e.lang for e in corpus.examples] + [lang for lang, _ in kb_questions]
    sources = [e.source for e in corpus.examples] + ["kb"] * len(kb_questions)
    texts = [e.text for e in corpus.examples] + [text for _, text in kb_questions]
    parts = [np.asarray(corpus_vectors, np.float32).reshape(len(corpus.examples), -1)]
    if len(kb_questions):
        parts.append(np.asarray(kb_vectors, np.float32))
    return TrainingSet(np.concatenate(parts), labels, langs, sources, texts)


def _weights(data: TrainingSet, spec: ModelSpec) -> np.ndarray:
    """Per-example weights: by source, then scaled so every intent weighs the same in total (emergency more).

    Balancing by intent, not by class, matters: the six emergency sub-types are six classes, and balancing
    classes would hand emergencies six times the weight of a question and flood the queue with false alarms.
    """
    by_source = {"kb": spec.kb_weight, "hard_negative": spec.hard_weight}
    weights = np.array([by_source.get(s, 1.0) for s in data.sources], dtype=np.float64)
    intents = np.array([label.split(":", 1)[0] for label in data.labels])
    share = len(weights) / len(set(intents))
    for intent in set(intents):
        mask = intents == intent
        target = share * (spec.emergency_weight if intent == "emergency" else 1.0)
        weights[mask] *= target / weights[mask].sum()
    return weights.astype(np.float32)


def fit(data: TrainingSet, spec: ModelSpec = DEFAULT_SPEC) -> SoftmaxClassifier:
    return train_model(
        data.vectors, data.labels, kind=spec.kind, c=spec.c, hidden=spec.hidden, sample_weight=_weights(data, spec)
    )


def cross_validate(
    data: TrainingSet, spec: ModelSpec = DEFAULT_SPEC, folds: int = 5, seed: int = 0
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Out-of-fold class probabilities for every example (stratified folds), and the class order."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(data.labels)
    classes = tuple(sorted(set(data.labels)))
    out = np.zeros((len(labels), len(classes)), dtype=np.float32)
    weights = _weights(data, spec)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(data.vectors, labels):
        model = train_model(
            data.vectors[train_idx],
            labels[train_idx].tolist(),
            kind=spec.kind,
            c=spec.c,
            hidden=spec.hidden,
            sample_weight=weights[train_idx],
        )
        probs = model.predict(data.vectors[test_idx])
        for j, cls in enumerate(model.classes):
            out[test_idx, classes.index(cls)] = probs[:, j]
    return out, classes
