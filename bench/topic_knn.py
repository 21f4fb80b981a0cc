"""The kNN topic blend, for measuring only: the topic model's P(topic) mixed with the nearest labelled phrasings' votes.

Why here and not in knowledge/: measured leave-one-set-out (bench/training_lab.py, 2026-12-04) it did not
win clearly enough to serve (see that module's docstring), so no serving version was merged. The
blend stands in for the index's topic model (`BlendedTopics.probabilities`), so the live retriever ranks with
it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import faiss
import numpy as np

from knowledge import flat_search
from knowledge.classifier import SoftmaxClassifier


class TopicNeighbours:
    """A flat inner-product index of the topic model's training vectors and the topic of each."""

    def __init__(self, vectors: np.ndarray, labels: Sequence[str]) -> None:
        # float16, as an index version would store them
        self.vectors = np.ascontiguousarray(np.asarray(vectors, dtype=np.float16), dtype=np.float32)
        self.classes = tuple(sorted(set(labels)))
        position = {c: i for i, c in enumerate(self.classes)}
        self.label_ids = np.array([position[label] for label in labels], dtype=np.int64)
        self.index = faiss.IndexFlatIP(self.vectors.shape[1])
        self.index.add(self.vectors)

    def predict(self, vectors: np.ndarray, k: int, temperature: float) -> np.ndarray:
        """Per vector, each topic's share of the weights exp((cos - 1) / temperature) of the k nearest."""
        x = np.asarray(vectors, dtype=np.float32).reshape(-1, self.vectors.shape[1])
        out = np.zeros((len(x), len(self.classes)), dtype=np.float64)
        sims, ids = flat_search.search(self.index, x, min(k, self.index.ntotal))
        weights = np.where(ids >= 0, np.exp((sims.astype(np.float64) - 1.0) / temperature), 0.0)
        rows = np.repeat(np.arange(len(x)), ids.shape[1])
        np.add.at(out, (rows, self.label_ids[np.maximum(ids, 0)].ravel()), weights.ravel())
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-300)


class BlendedTopics:
    """Stands in for the index's topic model: (1 - share) x its probabilities + share x the neighbours' votes."""

    def __init__(
        self, model: SoftmaxClassifier, neighbours: TopicNeighbours, k: int, temperature: float, share: float
    ) -> None:
        self.model, self.neighbours = model, neighbours
        self.k, self.temperature, self.share = k, temperature, share

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        model = self.model.probabilities(vector)
        votes = self.neighbours.predict(vector, self.k, self.temperature)[0]
        voted = dict(zip(self.neighbours.classes, votes.tolist(), strict=True))
        return {t: (1 - self.share) * model.get(t, 0.0) + self.share * voted.get(t, 0.0) for t in model.keys() | voted}
