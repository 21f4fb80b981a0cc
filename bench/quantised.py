"""int8 beside fp32: onnxruntime's dynamic quantisation of the ONNX encoder body, measured and scored.

    python -m bench.quantised [--variants int8,int8-per-channel,int8-ffn-down-fp32] [--queries 300]

Each variant is written next to the fp32 body (`encoder_body.<variant>.onnx`, the word embeddings stay
fp32) and swapped into the loaded answer service as its query encoder; the index stays the fp32 one.
Printed as JSON per variant: CPU ms per query alone and in batches of 8, the cosine of its query vectors
to fp32's, and `fairbot eval`'s output on the dev set and the old held-out set scored by
/work/shared/eval/score.py (top-1, emergency recall). The frozen held-out set is never read.
Needs the `onnx` package, which the bot does not: `pip install onnx ml_dtypes` into a separate target
and put it on PYTHONPATH. bench/PROFILE.md has the figures and why int8 is not adopted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.message_mix import DEV_SET, OLD_HELDOUT, read_questions

SCORER = Path("/work/shared/eval/score.py")


def quantise(body: Path, variant: str) -> Path:
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise SystemExit(f"bench.quantised needs the onnx package ({exc}): pip install onnx ml_dtypes") from exc
    out = body.with_name(f"encoder_body.{variant}.onnx")
    if out.exists():
        return out
    options: dict[str, Any] = {"per_channel": variant != "int8", "extra_options": {"MatMulConstBOnly": True}}
    if variant == "int8-ffn-down-fp32":  # the feed-forward down-projection sees the widest activations
        graph = onnx.load(str(body), load_external_data=False).graph
        options["nodes_to_exclude"] = [
            n.name
            for n in graph.node
            if n.op_type == "MatMul" and n.name.endswith("/output/dense/MatMul") and "attention" not in n.name
        ]
    quantize_dynamic(str(body), str(out), weight_type=QuantType.QInt8, **options)
    return out


def session(path: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_cpu_mem_arena = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def cpu_per_query(encode: Any, texts: list[str], batch: int) -> float:
    started = time.process_time()
    for i in range(0, len(texts), batch):
        encode(texts[i : i + batch])
    return round(1000 * (time.process_time() - started) / len(texts), 2)


def scored(service: Any, path: Path) -> dict[str, Any]:
    """`fairbot eval --json` on the file with this service, scored."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as out:
        for line in path.read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            reply = service.respond(q["text"])
            row = {"id": q["id"], "action": reply.action, "topics": [t.topic for t in reply.topics], "lang": reply.lang}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    result = subprocess.run(
        [sys.executable, str(SCORER), str(path), out.name, "--json"], capture_output=True, text=True, check=True
    )
    score = json.loads(result.stdout)
    return {"top1": score["top1"], "emergency_recall": score["action"].get("emergency")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="int8,int8-per-channel,int8-ffn-down-fp32")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    from bot.config import get_settings
    from bot.services.answers import AnswerService
    from knowledge import model

    settings = get_settings()
    service = AnswerService.from_settings(settings, build_if_missing=False)
    encoder: Any = service.retriever.encoder  # its ONNX session is swapped per variant
    texts = [q["text"] for q in read_questions([DEV_SET, OLD_HELDOUT])][: args.queries]
    body = model.onnx_body_path(Path(settings.knowledge.bundled_model_dir))
    results = []
    reference = None
    for variant in ["fp32", *args.variants.split(",")]:
        encoder._session = session(body if variant == "fp32" else quantise(body, variant))
        encoder.encode_queries(texts[:8])
        vectors = encoder.encode_queries(texts)
        reference = vectors if reference is None else reference
        cosine = (vectors * reference).sum(axis=1)
        results.append(
            {
                "variant": variant,
                "cpu_ms_per_query_alone": cpu_per_query(encoder.encode_queries, texts, 1),
                "cpu_ms_per_query_batches_of_8": cpu_per_query(encoder.encode_queries, texts, 8),
                "cosine_to_fp32_min": round(float(np.min(cosine)), 4),
                "cosine_to_fp32_mean": round(float(np.mean(cosine)), 4),
                "dev": scored(service, DEV_SET),
                "old_heldout": scored(service, OLD_HELDOUT),
            }
        )
    print(json.dumps({"bench": "quantised-encoder", "results": results}, indent=2))


if __name__ == "__main__":
    main()
