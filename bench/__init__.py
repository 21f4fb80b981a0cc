"""Benchmarks. Nothing here may read the frozen held-out set except `bench.decisions --final`."""

# The newest held-out set: 840 lines written 2026-12-03 (night) by four independent writers who saw only
# topics.yaml and a brief, frozen by its hash (tests/integration/test_decisions.py) before that night's
# tuning, to be scored once at its end. tests/data/heldout.jsonl and heldout-2/3/4/5.jsonl are scored
# development data (heldout..heldout-4 also training data: indexer/import_scored_sets.py).
FROZEN_HELDOUT_NAME = "heldout-6.jsonl"
