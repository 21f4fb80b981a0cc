"""The throughput bench's message mix: real questions, new texts for the reply cache, never the frozen set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import FROZEN_HELDOUT_NAME
from bench.message_mix import OLD_HELDOUT, REPEAT_MARK, SCORED_SETS, Mix, load_mix, read_questions
from bot.services.conversations import ReplyCache
from bot.storage.models import clean_text


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


def test_a_question_drawn_again_is_a_new_text_for_the_reply_cache_after_the_bots_inbound_cleaning() -> None:
    mix = Mix(1.0, {"de": ["Wie hoch ist der Mindestlohn?"]}, ["test"])
    texts = [mix.question("de") for _ in range(5)]
    assert len({ReplyCache.normalise(clean_text(t)) for t in texts}) == 5  # the cleaning once ate the old mark
    assert {t.replace(REPEAT_MARK, "") for t in texts} == {"Wie hoch ist der Mindestlohn?"}
    assert mix.drawn_again == 4


def test_questions_are_drawn_without_replacement_until_the_pool_is_used_up() -> None:
    pool = [f"Frage {n}" for n in range(50)]
    mix = Mix(1.0, {"de": pool}, ["test"])
    assert sorted(mix.question("de") for _ in range(50)) == sorted(pool)
    assert mix.drawn_again == 0
    assert mix.question("de").endswith(REPEAT_MARK) and mix.drawn_again == 1


def test_the_scored_sets_give_every_language_enough_new_questions_for_a_default_run() -> None:
    pools = load_mix(1.0, SCORED_SETS).pools
    assert min(len(texts) for texts in pools.values()) >= 3000 // 8  # --users 600 --messages 5, all unique


def test_shares_are_drawn_as_stated() -> None:
    mix = Mix(0.75, {"de": ["q"]}, ["test"])
    kinds = [mix.kind() for _ in range(4000)]
    assert kinds.count("question") / 4000 == pytest.approx(0.75, abs=0.03)
    assert kinds.count("repeat") / 4000 == pytest.approx(0.05, abs=0.015)
    assert set(kinds) == {"question", "greeting", "button", "repeat"}
