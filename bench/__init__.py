"""Benchmarks. Nothing here may read the frozen held-out set except `bench.decisions --final`."""

# Written 2026-12-03 by four more independent writers who saw only topics.yaml (not the entries, the intents
# corpus, dev.jsonl nor the older held-out sets); frozen by its hash in tests/integration/test_decisions.py,
# not yet scored: the next round tunes on dev and heldout 1-3 and scores this one once, at its end.
# tests/data/heldout.jsonl, heldout-2.jsonl and heldout-3.jsonl have been scored and are development data.
FROZEN_HELDOUT_NAME = "heldout-4.jsonl"
