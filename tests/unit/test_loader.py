"""Entry loading: every problem reported at once, each with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.config import PROJECT_ROOT
from knowledge.loader import EntryErrors, dump_entry, load_entries, load_entries_with_errors, parse_entry
from knowledge.topics import VENDORED_TOPICS, topic_ids
from tests.required import require_shared

EXAMPLE = PROJECT_ROOT / "knowledge" / "entries" / "dismissal" / "dismissal-three-week-deadline.yaml"
SHARED_TOPICS = PROJECT_ROOT.parent / "shared" / "topics.yaml"


@pytest.fixture
def entries_dir(tmp_path: Path) -> Path:
    target = tmp_path / "entries" / "dismissal"
    target.mkdir(parents=True)
    shutil.copy(EXAMPLE, target / EXAMPLE.name)
    return tmp_path / "entries"


def write(entries_dir: Path, name: str, text: str) -> Path:
    path = entries_dir / "dismissal" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def variant(**changes: object) -> str:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_the_example_entry_loads(entries_dir: Path) -> None:
    [entry] = load_entries(entries_dir)
    assert entry.id == "dismissal-three-week-deadline"
    assert set(entry.texts) == {"de", "en", "ar", "fa", "ru", "uk", "tr", "fr"}
    assert entry.sources and entry.reviewed.year >= 2026


def test_each_problem_is_reported_with_file_and_line(entries_dir: Path) -> None:
    write(entries_dir, "broken-yaml", "id: broken-yaml\ntopic: dismissal\ntexts: [unclosed\n")
    write(entries_dir, "unknown-topic", variant(id="unknown-topic", topic="astrology"))
    data = yaml.safe_load(variant(id="missing-language"))
    del data["texts"]["fa"]
    write(entries_dir, "missing-language", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    data = yaml.safe_load(variant(id="empty-answer"))
    data["texts"]["tr"]["answer"] = "   "
    write(entries_dir, "empty-answer", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    write(entries_dir, "bad-date", variant(id="bad-date", reviewed="2026-02-30"))
    other_topic = entries_dir / "zz-other"
    other_topic.mkdir()
    (other_topic / EXAMPLE.name).write_text(variant(), encoding="utf-8")  # same id as the example, in another file

    entries, errors = load_entries_with_errors(entries_dir)

    by_file = {e.path.stem if e.path.parent.name != "zz-other" else "duplicate": e for e in errors}
    assert [e.id for e in entries] == ["dismissal-three-week-deadline"]
    assert "malformed YAML" in by_file["broken-yaml"].message and by_file["broken-yaml"].line == 4
    assert "unknown topic id 'astrology'" in by_file["unknown-topic"].message
    assert by_file["unknown-topic"].line == 2
    assert "missing language(s) ['fa']" in by_file["missing-language"].message
    assert by_file["empty-answer"].message.startswith("texts.tr.answer")
    assert by_file["empty-answer"].line is not None
    assert by_file["bad-date"].message.startswith("reviewed") and by_file["bad-date"].line == 3
    assert "duplicate id" in by_file["duplicate"].message
    assert all(str(e).startswith(str(e.path)) for e in errors)


def test_html_in_an_answer_is_rejected(entries_dir: Path) -> None:
    data = yaml.safe_load(variant(id="html-answer"))
    data["texts"]["en"]["answer"] = "Click <a href='x'>here</a>"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    entry, errors = parse_entry(text, entries_dir / "dismissal" / "html-answer.yaml", topic_ids())
    assert entry is None
    assert "plain text" in errors[0].message


def test_load_entries_raises_all_errors_together(entries_dir: Path) -> None:
    write(entries_dir, "a", variant(id="a", topic="nope"))
    write(entries_dir, "b", variant(id="b", reviewed="yesterday"))
    with pytest.raises(EntryErrors) as raised:
        load_entries(entries_dir)
    assert len(raised.value.errors) == 2


def test_dump_and_parse_round_trip(entries_dir: Path) -> None:
    [entry] = load_entries(entries_dir)
    again, errors = parse_entry(dump_entry(entry), EXAMPLE, topic_ids())
    assert errors == []
    assert again == entry


def test_kb_check_exits_2_and_lists_every_error(entries_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(entries_dir, "a", variant(id="a", topic="nope"))
    write(entries_dir, "b", "id: [")
    monkeypatch.setenv("FAIRBOT_ENTRIES_DIR", str(entries_dir))
    result = CliRunner().invoke(main, ["kb", "check"])
    assert result.exit_code == 2
    assert "a.yaml:2: topic: unknown topic id 'nope'" in result.output
    assert "b.yaml:1: malformed YAML" in result.output


def test_kb_check_reports_uncovered_topics_and_long_answers(entries_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = yaml.safe_load(variant(id="too-long"))
    data["texts"]["ru"]["answer"] = "слово " * 200
    write(entries_dir, "too-long", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    monkeypatch.setenv("FAIRBOT_ENTRIES_DIR", str(entries_dir))
    result = CliRunner().invoke(main, ["kb", "check"])
    assert result.exit_code == 2
    assert "topic wage-unpaid: no entry" in result.output
    assert "too-long [ru]: answer has 1199 characters, at most 900" in result.output


def test_kb_check_lists_expiring_and_unreviewed_entries(entries_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(entries_dir, "soon", variant(id="soon", valid_until="2026-12-10"))
    write(entries_dir, "old", variant(id="old", reviewed="2025-01-10"))
    monkeypatch.setenv("FAIRBOT_ENTRIES_DIR", str(entries_dir))
    result = CliRunner().invoke(main, ["kb", "check", "--today", "2026-11-25"])
    assert "soon: expires on 2026-12-10 (in 15 days)" in result.output
    assert "old: last reviewed 2025-01-10, more than 12 months ago" in result.output


def test_vendored_topics_match_the_shared_taxonomy() -> None:
    shared = require_shared(SHARED_TOPICS)
    assert VENDORED_TOPICS.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")
