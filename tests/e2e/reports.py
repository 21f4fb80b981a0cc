"""Measurements that tests leave behind for docs/reliability.md (scripts/reliability_report.py).

Why files and not a hand-written page: the reliability page must say what the last run of the tests
found (updates tried, faults injected, what was lost), so each test writes its own counts as JSON
into var/reports/, and the page is generated from them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def reports_dir() -> Path:
    return Path(os.environ.get("FAIRBOT_REPORTS_DIR", ROOT / "var" / "reports"))


def write_report(name: str, data: dict[str, Any]) -> Path:
    """Write `data` (plus the time) as var/reports/<name>.json; counters and sets become plain JSON."""
    path = reports_dir() / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"name": name, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **data}
    path.write_text(json.dumps(body, indent=2, sort_keys=True, default=_plain) + "\n", encoding="utf-8")
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, dict):
        return dict(value)
    return str(value)
