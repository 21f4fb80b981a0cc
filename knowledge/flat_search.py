"""Every faiss search of the bot goes through here, so it runs on one OpenMP thread in whatever thread calls it.

Why: OpenMP's thread count is a per-thread setting (libgomp keeps it per thread; a new thread starts
with the core count). The searches run in the answer batcher's thread, not in the one that loaded the
index. There faiss' OpenMP loop called its OpenMP OpenBLAS inside it, and on an idle machine the two spun
on each other (sched_yield in OpenBLAS inside GOMP_parallel) for good: `fairbot run` answered nothing
(py-spy on the CI machine, 2026-12-03). One query is a few milliseconds of flat search; more threads
would cost more in hand-offs than they save (bench/retrieval.py).
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np


def search(index: Any, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the k nearest rows of each vector, on one thread."""
    faiss.omp_set_num_threads(1)
    scores, ids = index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
    return scores, ids
