"""The held-out letters stay frozen and loadable: `python -m bench.letters --heldout` measures, nobody tunes on it."""

from __future__ import annotations

from collections import Counter

from bot.services.letters import KINDS, UNKNOWN
from tests.letter_heldout import heldout_sha256, load_heldout

# Written 2026-12-03 without seeing the reader's rules (kinds.py, facts.py, reader.py) or the SAMPLES
# texts; frozen before its first scoring. A change of this hash means the set was edited: say why in
# the commit, and treat figures from before and after as different sets.
SHA256 = "a6bcf8c8f2793304aa619426df9f7578ec58d59dbea32964dd15ef2e3c551c3b"


def test_the_held_out_letters_are_unchanged() -> None:
    assert heldout_sha256() == SHA256


def test_every_kind_has_at_least_two_held_out_letters() -> None:
    letters = load_heldout()
    counts = Counter(sample.kind for sample in letters.values())
    assert set(counts) == {*KINDS, UNKNOWN}
    assert min(counts.values()) >= 2
    assert counts[UNKNOWN] >= 3
    assert all(sample.letter_date is not None for sample in letters.values())
