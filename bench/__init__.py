"""Benchmarks. Nothing here may read the frozen held-out set except `bench.decisions --final`."""

# Written 2026-12-03 by independent writers who saw neither the entries, the intents corpus, dev.jsonl nor
# the older held-out sets; frozen by its hash in tests/integration/test_decisions.py before any tuning.
# tests/data/heldout.jsonl and heldout-2.jsonl have been scored and are now development data.
FROZEN_HELDOUT_NAME = "heldout-3.jsonl"
