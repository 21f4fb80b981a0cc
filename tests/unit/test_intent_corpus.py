"""The decision layer's training corpus: what counsellors edit must load, cover every core language, and say
exactly where a mistake is."""

from __future__ import annotations

from pathlib import Path

from indexer.cli import CORPUS_FLOOR
from knowledge.intents import EMERGENCY_SUBTYPES, load_corpus_with_errors
from knowledge.schema import SUPPORTED_LANGUAGES


def test_the_shipped_corpus_loads_and_meets_the_floor_in_every_core_language() -> None:
    corpus, errors = load_corpus_with_errors()
    assert errors == []
    counts = corpus.counts()
    short = {
        (kind, lang): counts.get((kind, lang), 0)
        for kind, floor in CORPUS_FLOOR.items()
        for lang in SUPPORTED_LANGUAGES
        if counts.get((kind, lang), 0) < floor
    }
    assert short == {}
    subtypes = {e.subtype for e in corpus.examples if e.intent == "emergency"}
    assert subtypes == set(EMERGENCY_SUBTYPES)


def _write(root: Path, kind: str, lang: str, body: str) -> None:
    (root / kind).mkdir(parents=True, exist_ok=True)
    (root / kind / f"{lang}.yaml").write_text(body, encoding="utf-8")


def test_errors_name_the_file_and_the_line(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "emergency",
        "de",
        'intent: emergency\nlang: de\nexamples:\n  violence:\n    - "er hat ein messer"\n  flood:\n    - "wasser"\n',
    )
    _write(tmp_path, "handoff", "de", 'intent: handoff\nlang: de\nexamples:\n  - "ruf mich an"\n  - 12\n  - ""\n')
    _write(tmp_path, "question", "de", 'intent: question\nlang: de\nexamples:\n  - "ruf mich an"\n')
    _write(tmp_path, "weather", "de", 'examples: ["regen"]\n')
    corpus, errors = load_corpus_with_errors(tmp_path)
    messages = [str(e) for e in errors]
    assert any("emergency/de.yaml:6" in m and "unknown emergency sub-type 'flood'" in m for m in messages), messages
    assert any("handoff/de.yaml:5" in m and "is not text" in m for m in messages), messages
    assert any("handoff/de.yaml:6" in m and "empty example" in m for m in messages), messages
    assert any("question/de.yaml:4" in m and "also in handoff/de.yaml as handoff" in m for m in messages), messages
    assert any("weather" in m and "unknown intent folder" in m for m in messages), messages
    assert [(e.text, e.label) for e in corpus.examples] == [
        ("er hat ein messer", "emergency:violence"),
        ("ruf mich an", "handoff"),
    ]


def test_hard_negatives_train_the_question_class_and_the_fingerprint_follows_labels(tmp_path: Path) -> None:
    _write(tmp_path, "hard_negative", "en", 'examples:\n  - "this job is killing me, how many hours are allowed"\n')
    corpus, errors = load_corpus_with_errors(tmp_path)
    assert errors == [] and corpus.examples[0].label == "question"
    before = corpus.fingerprint()
    _write(tmp_path, "hard_negative", "en", 'examples:\n  - "this job is killing me, how many hours are allowed?"\n')
    assert load_corpus_with_errors(tmp_path)[0].fingerprint() != before


def test_topic_files_group_questions_by_topic_and_train_the_question_class(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "topic",
        "de",
        'intent: topic\nlang: de\nexamples:\n  wage-unpaid:\n    - "chef zahlt nicht seit 2 monaten"\n'
        '  not-a-topic:\n    - "egal"\n',
    )
    corpus, errors = load_corpus_with_errors(tmp_path)
    assert [str(e) for e in errors] and "topic/de.yaml:6" in str(errors[0]) and "not-a-topic" in str(errors[0])
    assert [(e.text, e.label, e.topic) for e in corpus.examples] == [
        ("chef zahlt nicht seit 2 monaten", "question", "wage-unpaid")
    ]
    assert corpus.topic_examples() == [(0, "wage-unpaid")]
    before = corpus.fingerprint()  # a topic changed is a different training set, though the class is the same
    _write(tmp_path, "topic", "de", 'examples:\n  minimum-wage:\n    - "chef zahlt nicht seit 2 monaten"\n')
    assert load_corpus_with_errors(tmp_path)[0].fingerprint() != before
