"""Scored held-out sets become training data: the frozen set is refused, emergencies without a sub-type get one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import FROZEN_HELDOUT_NAME
from indexer.import_scored_sets import FROZEN, _guessed_subtypes, _target, main


def test_the_frozen_set_is_refused_before_it_is_read(tmp_path: Path) -> None:
    assert FROZEN == FROZEN_HELDOUT_NAME  # the indexer keeps its own copy of the name: they must agree
    with pytest.raises(SystemExit, match="frozen"):
        main([str(tmp_path / FROZEN)])  # the file does not even exist: the name alone is refused


def test_an_emergency_without_a_sub_type_gets_the_one_the_served_model_gives() -> None:
    rows = [
        {
            "id": "x-1",
            "lang": "en",
            "text": "I can't go on, I took all the pills tonight",
            "expect": {"action": "emergency"},
        },
        {
            "id": "x-2",
            "lang": "de",
            "text": "Der Vorarbeiter schlägt mich jeden Tag",
            "expect": {"action": "emergency"},
            "meta": {"subtype": "violence"},
        },
        {"id": "x-3", "lang": "en", "text": "my wage is late", "expect": {"topic": "wage-unpaid"}},
    ]
    guessed = _guessed_subtypes(rows)
    assert set(guessed) == {"x-1"}  # only the emergency the writers gave no sub-type
    assert _target(rows[0], guessed) == ("emergency", guessed["x-1"])
    assert guessed["x-1"] in {"suicide", "medical"}
    assert _target(rows[1], guessed) == ("emergency", "violence")
    assert _target(rows[2], guessed) == ("topic", "wage-unpaid")
