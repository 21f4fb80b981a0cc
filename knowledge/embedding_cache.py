"""The embedding cache of an index root: vectors by (model, side, text) hash, so a build embeds only new texts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from knowledge.encoders import Encoder

CACHE_FILE = "embedding-cache.npz"


def text_key(model_id: str, query_side: bool, text: str) -> str:
    side = "q" if query_side else "p"
    return hashlib.sha1(f"{model_id}\x00{side}\x00{text}".encode(), usedforsecurity=False).hexdigest()


class EmbeddingCache:
    """Vectors by text hash, one file per index root; rewritten atomically after a build."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            try:
                with np.load(path) as data:
                    keys, matrix = data["keys"], data["vectors"]
                self._vectors = {str(k): matrix[i] for i, k in enumerate(keys)}
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache only costs a full re-embed

    def get(self, key: str) -> np.ndarray | None:
        return self._vectors.get(key)

    def require(self, key: str) -> np.ndarray:
        vector = self._vectors.get(key)
        if vector is None:
            raise KeyError(f"{key} was never embedded")
        return vector

    def put(self, key: str, vector: np.ndarray) -> None:
        self._vectors[key] = vector

    def keys(self) -> set[str]:
        return set(self._vectors)

    def save(self, keep: set[str]) -> None:
        keys = sorted(k for k in self._vectors if k in keep)
        matrix = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 1), np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=matrix)
        tmp.replace(self.path)


Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed): for a progress bar
CHUNK = 256  # texts per encoder call when progress is reported (the encoders batch inside a call)


def embed(
    encoder: Encoder,
    cache: EmbeddingCache,
    texts: Sequence[str],
    query_side: Sequence[bool],
    progress: Progress | None = None,
) -> tuple[np.ndarray, int, set[str]]:
    """(n, dim) vectors of `texts`, each embedded as a query or a passage; returns them, how many were
    not cached yet (and are now), and the cache keys used. `progress` hears after every chunk: a first
    build embeds some ten thousand texts, minutes on two cores, and a person waiting should see it move."""
    keys = [text_key(encoder.model_id, q, t) for q, t in zip(query_side, texts, strict=True)]
    missing: dict[bool, list[int]] = {True: [], False: []}
    for i, key in enumerate(keys):
        if cache.get(key) is None:
            missing[query_side[i]].append(i)
    total, done = len(missing[True]) + len(missing[False]), 0
    step = CHUNK if progress is not None else max(total, 1)
    for side, all_idx in missing.items():
        for start in range(0, len(all_idx), step):
            idx = all_idx[start : start + step]
            batch = [texts[i] for i in idx]
            vectors = encoder.encode_queries(batch) if side else encoder.encode_passages(batch)
            for i, vector in zip(idx, vectors, strict=True):
                cache.put(keys[i], np.asarray(vector, dtype=np.float32))
            done += len(idx)
            if progress is not None:
                progress(done, total)
    matrix = (
        np.stack([cache.require(k) for k in keys]).astype(np.float32)
        if keys
        else np.zeros((0, encoder.dim), np.float32)
    )
    return matrix, len(missing[True]) + len(missing[False]), set(keys)


def embed_cached(encoder: Encoder, root: Path, texts: list[str]) -> np.ndarray:
    """Query-side vectors through the index's embedding cache (benchmarks and calibration reuse the build's work)."""
    cache = EmbeddingCache(root / CACHE_FILE)
    matrix, embedded, _ = embed(encoder, cache, texts, [True] * len(texts))
    if embedded:
        cache.save(cache.keys())
    return matrix
