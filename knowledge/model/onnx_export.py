"""ONNX export of a converted model: the transformer body as a graph, the word embeddings as a plain .npy.

Runs in its own process (`python -m knowledge.model --onnx DIR`): torch is heavy, and the process
that serves queries with ONNX Runtime must never import it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ONNX_DIR_NAME = "onnx"
ONNX_BODY_FILE = "encoder_body.onnx"
ONNX_WORD_EMBEDDINGS_FILE = "word_embeddings.npy"


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
