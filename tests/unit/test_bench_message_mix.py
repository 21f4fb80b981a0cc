"""The throughput bench's message mix: real questions, new texts for the reply cache, never the frozen set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import FROZEN_HELDOUT_NAME
from bench.message_mix import OLD_HELDOUT, Mix, load_mix, read_questions
from bot.services.conversations import ReplyCache


def test_the_frozen_held_out_set_is_refused(tmp_path: Path) -> None:
    frozen = tmp_path / FROZEN_HELDOUT_NAME
    frozen.write_text(json.dumps({"lang": "de", "text": "x", "expect": {}}) + "\n")
    with pytest.raises(ValueError, match="frozen"):
        read_questions([frozen])


def test_questions_come_from_the_files_in_the_simulated_languages(tmp_path: Path) -> None:
    dev = tmp_path / "dev.jsonl"
    rows = [("de", "Lohn fehlt"), ("es", "no me pagan"), ("ar", "لم يدفع")]
    dev.write_text("".join(json.dumps({"lang": lang, "text": text}) + "\n" for lang, text in rows))
    mix = load_mix(0.75, [dev])
    assert mix.pools["de"] == ["Lohn fehlt"] and mix.pools["ar"] == ["لم يدفع"]
    assert "es" not in mix.pools and mix.describe()["greetings"] == pytest.approx(0.1)
    assert len(read_questions([OLD_HELDOUT])) > 300


def test_a_question_drawn_again_is_a_new_text_for_the_reply_cache() -> None:
    mix = Mix(1.0, {"de": ["Wie hoch ist der Mindestlohn?"]}, ["test"])
    texts = [mix.question("de") for _ in range(5)]
    assert len({ReplyCache.normalise(t) for t in texts}) == 5
    assert {t.replace("\u200b", "") for t in texts} == {"Wie hoch ist der Mindestlohn?"}


def test_shares_are_drawn_as_stated() -> None:
    mix = Mix(0.75, {"de": ["q"]}, ["test"])
    kinds = [mix.kind() for _ in range(4000)]
    assert kinds.count("question") / 4000 == pytest.approx(0.75, abs=0.03)
    assert kinds.count("repeat") / 4000 == pytest.approx(0.05, abs=0.015)
    assert set(kinds) == {"question", "greeting", "button", "repeat"}
