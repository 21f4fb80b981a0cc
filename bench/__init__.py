"""Benchmarks. Nothing here may read the frozen held-out set except `bench.decisions --final`."""

# The next held-out set: 840 lines by four independent writers who see only topics.yaml and a brief, frozen
# by its hash (tests/integration/test_decisions.py) before the next round's tuning and scored once at its end.
# tests/data/heldout.jsonl and heldout-2..11.jsonl are scored development data and, through
# indexer/import_scored_sets.py, training data (heldout-6 to -9 since their single scorings on 2026-12-04,
# heldout-10 and -11 since 2026-12-05).
FROZEN_HELDOUT_NAME = "heldout-12.jsonl"
