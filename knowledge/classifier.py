"""Softmax classifiers over the message embedding that retrieval computes anyway: intents and topics.

Both are trained with scikit-learn when the index is built and served with
numpy alone (one matrix product per message), so serving needs no
scikit-learn and the trained weights live in the index version they belong to.
The intent classifier (knowledge/intents) decides emergency, handoff, greeting,
off-topic or question; the topic classifier (knowledge/index_models.py) adds the
probability of an entry's topic to its retrieval score, which generalises
better to unseen phrasings than the nearest question variant alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

ModelKind = Literal["logreg", "mlp"]


@dataclass(frozen=True)
class SoftmaxClassifier:
    """Weights of a softmax classifier (logistic regression, or one hidden ReLU layer) and its class names."""

    classes: tuple[str, ...]
    weights: tuple[np.ndarray, ...]  # logreg: (W, b); mlp: (W1, b1, W2, b2)
    kind: ModelKind = "logreg"
    fingerprint: str = ""  # what it was trained on: a build reuses the model when this is unchanged

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per vector."""
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        if self.kind == "mlp":
            w1, b1, w2, b2 = self.weights
            logits = np.maximum(x @ w1 + b1, 0.0) @ w2 + b2
        else:
            w, b = self.weights
            logits = x @ w + b
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """Class -> probability for one vector."""
        row = self.predict(vector)[0]
        return {c: float(p) for c, p in zip(self.classes, row, strict=True)}

    def save(self, path: Path) -> None:
        arrays = {f"w{i}": w for i, w in enumerate(self.weights)}
        np.savez(
            path,
            allow_pickle=False,  # plain arrays only: a model file never needs pickle to load
            classes=np.array(self.classes),
            kind=np.array(self.kind),
            fingerprint=np.array(self.fingerprint),
            **arrays,
        )

    @classmethod
    def load(cls, path: Path) -> SoftmaxClassifier:
        with np.load(path) as data:
            kind = str(data["kind"])
            n = 4 if kind == "mlp" else 2
            weights = tuple(np.asarray(data[f"w{i}"], dtype=np.float32) for i in range(n))
            fingerprint = str(data["fingerprint"]) if "fingerprint" in data else ""
            return cls(tuple(str(c) for c in data["classes"]), weights, kind, fingerprint)  # type: ignore[arg-type]


def train_model(
    vectors: np.ndarray,
    labels: Sequence[str],
    *,
    kind: ModelKind = "logreg",
    c: float = 10.0,
    hidden: int = 256,
    sample_weight: np.ndarray | None = None,
    seed: int = 0,
) -> SoftmaxClassifier:
    """Fits the classifier; deterministic for the same data and seed, so a rebuild gives the same decisions."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    x = np.asarray(vectors, dtype=np.float32)
    y = np.asarray(labels)
    if kind == "mlp":
        mlp = MLPClassifier(
            hidden_layer_sizes=(hidden,), alpha=1.0 / c, max_iter=300, early_stopping=False, random_state=seed
        )
        mlp.fit(x, y, sample_weight=sample_weight)
        w1, w2 = (np.asarray(w, dtype=np.float32) for w in mlp.coefs_)
        b1, b2 = (np.asarray(b, dtype=np.float32) for b in mlp.intercepts_)
        classes = tuple(str(c_) for c_ in mlp.classes_)
        if len(classes) == 2:  # sklearn uses one logistic output for two classes; make it a softmax pair
            w2 = np.concatenate([-w2 / 2, w2 / 2], axis=1)
            b2 = np.concatenate([-b2 / 2, b2 / 2])
        return SoftmaxClassifier(classes, (w1, b1, w2, b2), "mlp")
    lr = LogisticRegression(C=c, max_iter=3000, random_state=seed)
    lr.fit(x, y, sample_weight=sample_weight)
    classes = tuple(str(c_) for c_ in lr.classes_)
    w = np.asarray(lr.coef_.T, dtype=np.float32)
    b = np.asarray(lr.intercept_, dtype=np.float32)
    if len(classes) == 2:
        w = np.concatenate([-w / 2, w / 2], axis=1)
        b = np.concatenate([-b / 2, b / 2])
    return SoftmaxClassifier(classes, (w, b), "logreg")
