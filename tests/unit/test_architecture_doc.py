"""docs/architecture.md names real rooms: every path it mentions exists, so the map cannot drift silently."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
PATH = re.compile(r"`?((?:bot|knowledge|tests|bench|indexer|docs)/[\w./-]+\.(?:py|md|yaml))`?")


def test_every_path_named_in_the_architecture_page_exists() -> None:
    named = set(PATH.findall(DOC.read_text(encoding="utf-8")))
    assert len(named) > 20, "the page should name the rooms it describes"
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_every_module_of_the_conversation_core_is_on_the_map() -> None:
    text = DOC.read_text(encoding="utf-8")
    core = sorted(p.name for p in (ROOT / "bot" / "services" / "conversations").glob("*.py"))
    assert [name for name in core if f"`{name}`" not in text] == []
