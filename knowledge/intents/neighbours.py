"""The second opinion on danger: how much of a message's neighbourhood in the training data is emergencies.

Why beside the softmax: a linear model draws one boundary for every language
and register; the nearest examples carry the local detail (a dialect phrase, a
euphemism) the boundary smooths away. Cross-validated on the corpus (bench/decisions.py),
blending them raised emergency recall at 3 % false alarms from 0.956 to 0.974.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from knowledge import flat_search

K = 15  # neighbours consulted
TEMPERATURE = 0.05  # similarity weighting: exp((cos - 1) / T), so near-identical examples dominate
# Share of the neighbours in the blended emergency probability. Cross-validation on the corpus favoured 0.7,
# but on 1,134 unseen questions and 154 emergencies (dev, heldout, heldout-2; 2026-12-03) the neighbours of
# a dialect or transliterated message were mostly emergencies, whatever it said: at recall 0.99, 0.7 gave
# 4.4 % false emergencies on questions, 0.5 gave 2.8 %, 0.3 gave 1.9 %.
NEIGHBOUR_WEIGHT = 0.3


def _shares(similarities: np.ndarray, neighbour_ids: np.ndarray, is_emergency: np.ndarray) -> np.ndarray:
    weights = np.exp((similarities - 1.0) / TEMPERATURE)
    hits = is_emergency[neighbour_ids].astype(np.float32)
    return (weights * hits).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-12)


class EmergencyNeighbours:
    """A flat inner-product index of the training vectors and which of them are emergencies."""

    def __init__(self, vectors: np.ndarray, is_emergency: np.ndarray) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.is_emergency = np.asarray(is_emergency, dtype=bool)
        self.index = faiss.IndexFlatIP(self.vectors.shape[1])
        self.index.add(self.vectors)

    def share(self, vector: np.ndarray) -> float:
        return float(self.shares(np.asarray(vector).reshape(1, -1))[0])

    def shares(self, vectors: np.ndarray) -> np.ndarray:
        """One share per vector, from one search for all of them."""
        sims, ids = flat_search.search(self.index, vectors, min(K, self.index.ntotal))
        return _shares(sims, ids, self.is_emergency)

    def save(self, path: Path) -> None:
        np.savez(path, vectors=self.vectors.astype(np.float16), is_emergency=self.is_emergency)

    @classmethod
    def load(cls, path: Path) -> EmergencyNeighbours:
        with np.load(path) as data:
            return cls(data["vectors"].astype(np.float32), data["is_emergency"])


def leave_one_out_shares(vectors: np.ndarray, is_emergency: np.ndarray) -> np.ndarray:
    """Every example's share among its neighbours without itself: the honest figure for calibration."""
    neighbours = EmergencyNeighbours(vectors, is_emergency)
    sims, ids = flat_search.search(neighbours.index, neighbours.vectors, K + 1)
    keep = ids != np.arange(len(ids))[:, None]
    sims = np.where(keep, sims, -np.inf)[:, :]  # drop the example itself wherever it sits among the hits
    order = np.argsort(-sims, axis=1)[:, :K]
    return _shares(np.take_along_axis(sims, order, 1), np.take_along_axis(ids, order, 1), neighbours.is_emergency)


def blend(softmax_emergency: np.ndarray | float, neighbour_share: np.ndarray | float) -> np.ndarray | float:
    return (1 - NEIGHBOUR_WEIGHT) * softmax_emergency + NEIGHBOUR_WEIGHT * neighbour_share
