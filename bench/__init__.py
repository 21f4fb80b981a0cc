"""Benchmarks. Nothing here may read the frozen held-out set except `bench.decisions --final`."""

# The newest held-out set: written 2026-12-03 (evening) by four independent writers who saw only topics.yaml
# and a brief, frozen by its hash before that evening's tuning and scored once at its end (README); it is
# development data since. The next round writes heldout-6, freezes it, and names it here before tuning.
# tests/data/heldout.jsonl and heldout-2/3/4.jsonl are scored development data too (and training data:
# indexer/import_scored_sets.py).
FROZEN_HELDOUT_NAME = "heldout-5.jsonl"
