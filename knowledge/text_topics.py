"""A topic model over the message's characters, beside the one over its embedding.

Why: e5-small embeds dialect, transliteration, typos and German words inside another language poorly, so the
embedding topic model (knowledge/index_models.py) misses questions whose words say the topic plainly
("Kündigung", "Krankenkasse", "ma3ash", "zarplata"). Character n-grams (2-5 letters within each word, TF-IDF,
logistic regression) read those words whatever the script around them. Measured leave-one-set-out on the eight
scored held-out sets (2026-12-04, bench/training_lab.py --text-share): the served top-1 rose on every set at a
share of 0.5 (+0.3 to +3.9 points, heldout-4 .783 -> .822), top-3 on six; the figures are in knowledge/thresholds.yaml.

The n-grams are hashed with CRC-32 into 2^20 buckets and only the buckets seen in at least two training texts are
kept, so the model file holds plain arrays (no vocabulary, no pickle) and serving needs numpy only: one message is
about a thousand n-grams, well under a millisecond.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NGRAMS = (2, 5)
BUCKET_BITS = 20
MIN_TEXTS = 2  # a bucket seen in a single training text only is noise (a name, a typo) and is dropped
C = 10.0
# lbfgs iterations: 200 gives the same top-1 as 2000 on heldout-8 (0.810, the character model alone, 2026-12-04) in
# 60 % of the time; the optimiser's "not converged" warning at that limit is expected and silenced.
MAX_ITER = 300


def _ngram_counts(text: str) -> dict[int, int]:
    """Bucket -> count of the text's n-grams, each word padded with a space as scikit-learn's char_wb does."""
    counts: dict[int, int] = {}
    mask = (1 << BUCKET_BITS) - 1
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(NGRAMS[0], NGRAMS[1] + 1):
            if len(padded) < n:
                break
            for start in range(len(padded) - n + 1):
                bucket = zlib.crc32(padded[start : start + n].encode("utf-8")) & mask
                counts[bucket] = counts.get(bucket, 0) + 1
    return counts


@dataclass(frozen=True)
class TextTopicModel:
    """Weights over the kept buckets (sorted), their IDF and the topic names."""

    classes: tuple[str, ...]
    buckets: np.ndarray  # int64, sorted
    idf: np.ndarray  # float32, one per bucket
    weights: np.ndarray  # float32, buckets x classes
    bias: np.ndarray  # float32, one per class
    fingerprint: str = ""

    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the text's known buckets and their l2-normalised sublinear TF-IDF values."""
        counts = _ngram_counts(text)
        keys = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        pos = np.searchsorted(self.buckets, keys)
        known = (pos < len(self.buckets)) & (self.buckets[np.minimum(pos, len(self.buckets) - 1)] == keys)
        pos, tf = pos[known], tf[known]
        values = (1.0 + np.log(tf)) * self.idf[pos]
        norm = float(np.linalg.norm(values))
        return pos, values / norm if norm else values

    def probabilities(self, text: str) -> dict[str, float]:
        """Topic -> probability for one message."""
        pos, values = self._features(text)
        logits = values @ self.weights[pos] + self.bias
        exp = np.exp(logits - logits.max())
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))

    def save(self, path: Path) -> None:
        np.savez(
            path,
            allow_pickle=False,
            classes=np.array(self.classes),
            buckets=self.buckets,
            idf=self.idf,
            weights=self.weights.astype(np.float16),  # halves the file; the logits move by < 1e-3
            bias=self.bias,
            fingerprint=np.array(self.fingerprint),
        )

    @classmethod
    def load(cls, path: Path) -> TextTopicModel:
        with np.load(path) as data:
            return cls(
                tuple(str(c) for c in data["classes"]),
                np.asarray(data["buckets"], dtype=np.int64),
                np.asarray(data["idf"], dtype=np.float32),
                np.asarray(data["weights"], dtype=np.float32),
                np.asarray(data["bias"], dtype=np.float32),
                str(data["fingerprint"]),
            )


def train_text_topics(texts: Sequence[str], topics: Sequence[str], fingerprint: str = "") -> TextTopicModel:
    """Fits the model (deterministic: the same texts give the same weights, so a rebuild decides the same)."""
    import warnings

    from scipy.sparse import csr_matrix
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    counted = [_ngram_counts(t) for t in texts]
    document_frequency: dict[int, int] = {}
    for counts in counted:
        for bucket in counts:
            document_frequency[bucket] = document_frequency.get(bucket, 0) + 1
    buckets = np.array(sorted(b for b, df in document_frequency.items() if df >= MIN_TEXTS), dtype=np.int64)
    position = {int(b): i for i, b in enumerate(buckets)}
    n = len(texts)
    idf = np.array([np.log((1 + n) / (1 + document_frequency[int(b)])) + 1.0 for b in buckets], dtype=np.float32)
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for counts in counted:
        row = [(position[b], (1.0 + np.log(c)) * idf[position[b]]) for b, c in counts.items() if b in position]
        norm = float(np.sqrt(sum(v * v for _, v in row))) or 1.0
        indices.extend(p for p, _ in row)
        data.extend(v / norm for _, v in row)
        indptr.append(len(indices))
    x = csr_matrix((np.array(data, dtype=np.float64), indices, indptr), shape=(n, len(buckets)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=C, max_iter=MAX_ITER, random_state=0).fit(x, np.asarray(topics))
    classes = tuple(str(c) for c in model.classes_)
    weights = np.asarray(model.coef_.T, dtype=np.float32)
    bias = np.asarray(model.intercept_, dtype=np.float32)
    if len(classes) == 2:  # one logistic output for two classes: make it a softmax pair
        weights = np.concatenate([-weights / 2, weights / 2], axis=1)
        bias = np.concatenate([-bias / 2, bias / 2])
    return TextTopicModel(classes, buckets, idf, weights, bias, fingerprint)
