"""docs/reliability.md is generated from the tests' own counts, and says nothing was lost (issue 13, finding 24).

Why: a reliability page written by hand drifts from what the code does. The page is rendered by
scripts/reliability_report.py from docs/reliability/*.json, which the tests wrote (tests/e2e/reports.py);
this test fails when the page was edited by hand or its data changed without regenerating it, and when
the data itself reports a lost update, a stalled path or a failed security check.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reliability_report", ROOT / "scripts" / "reliability_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_page_is_exactly_what_its_data_renders() -> None:
    script = _script()
    assert script.main(["--check"]) == 0, "run: python scripts/reliability_report.py (never edit the page by hand)"


def test_the_data_covers_each_path_and_reports_nothing_lost() -> None:
    reports = _script().load()
    for name in ("update-properties-webhook", "update-properties-polling", "kill-polling-sqlite", "security-checks"):
        assert name in reports, f"docs/reliability/{name}.json is missing: run the test and --collect"
    assert all(report.get("lost", 0) == 0 for report in reports.values())
    assert set(reports["update-properties-webhook"]["statuses"]) == {"200"}
    assert reports["update-properties-polling"]["updates"] >= 50
    for name in ("kill-polling-sqlite", "kill-polling-postgres"):
        if name in reports:
            assert reports[name]["questions_stored"] >= reports[name]["questions"]
    assert {c["outcome"] for c in reports["security-checks"]["checks"]} == {"passed"}
