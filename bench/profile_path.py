"""Where the reply path's time goes: cProfile over `AnswerService` on real questions, summed by part.

    python -m bench.profile_path [--queries 300] [--batch 8] [--top 15]

Each question of the dev and old held-out sets (bench/message_mix.py) is answered once,
one at a time (`--batch 1`, the CLI and eval) or in batches (`respond_many`, as the bot's
micro-batches run). Printed as text: CPU ms per message, then own time per message of
each part (the encoder, the vector search, language detection, the patterns, the word
index, composition, the rest) and the functions that cost most. bench/PROFILE.md keeps
the figures before and after the lean-path work.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from types import SimpleNamespace

# (part, substrings of "file:function" that belong to it), first match wins
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("encoder: ONNX run", ("onnxruntime",)),
    ("encoder: tokenizer, embedding lookup, pooling", ("tokenizers", "encoders/onnx.py", "memmap.py")),
    ("vector search (faiss)", ("faiss", "swigfaiss", "neighbours.py", "index.py:search")),
    ("language detection", ("lingua", "language.py")),
    ("patterns (regex)", ("intents/rules.py", "re.Pattern", "'search' of 're", "'sub' of 're", "'findall' of 're")),
    ("word index (BM25)", ("lexical.py",)),
    ("ranking and decision", ("retriever.py", "decision.py", "classifier.py", "intents/")),
    ("composition", ("answers.py", "locales", "service_fields.py", "helplines.py", "schema.py", "json")),
)


def part_of(key: tuple[str, int, str]) -> str:
    name = f"{key[0]}:{key[2]}"
    for part, needles in PARTS:
        if any(needle in name for needle in needles):
            return part
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--batch", type=int, default=8, help="messages per respond_many call (1: respond)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    from bench.message_mix import DEV_SET, OLD_HELDOUT, read_questions
    from bot.config import get_settings
    from bot.services.answers import AnswerService

    questions = [SimpleNamespace(text=q["text"], lang=q["lang"]) for q in read_questions([DEV_SET, OLD_HELDOUT])]
    questions = questions[: args.queries]
    service = AnswerService.from_settings(get_settings(), build_if_missing=False)
    for q in questions[:20]:  # warm: the detector, the caches, the model's first runs
        service.respond(q.text, lang_hint=q.lang)

    def run() -> None:
        if args.batch <= 1:
            for q in questions:
                service.respond(q.text, lang_hint=q.lang)
            return
        from bot.services.answers import Question

        for start in range(0, len(questions), args.batch):
            service.respond_many([Question(q.text, q.lang) for q in questions[start : start + args.batch]])

    profiler = cProfile.Profile(time.process_time)  # CPU time: less sensitive to other load on the machine
    cpu = time.process_time()
    profiler.runcall(run)
    cpu = time.process_time() - cpu
    n = len(questions)
    stats = pstats.Stats(profiler)
    own: dict[str, float] = {}
    rows = []
    for key, (_, calls, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        own[part_of(key)] = own.get(part_of(key), 0.0) + tottime
        rows.append((tottime, calls, f"{os.path.basename(key[0])}:{key[1]}({key[2]})"))
    print(f"{n} questions, batch {args.batch}, load average {os.getloadavg()[0]:.2f} (2 cores shared)")
    print(f"CPU per message: {1000 * cpu / n:.2f} ms (all threads; the profile below counts this thread only)")
    print("\nown CPU ms per message, by part:")
    for part, seconds in sorted(own.items(), key=lambda kv: -kv[1]):
        print(f"  {1000 * seconds / n:7.3f}  {part}")
    print(f"\ntop {args.top} functions by own CPU ms per message (calls per message):")
    for tottime, calls, name in sorted(rows, reverse=True)[: args.top]:
        print(f"  {1000 * tottime / n:7.3f}  {calls / n:7.1f}  {name}")


if __name__ == "__main__":
    main()
