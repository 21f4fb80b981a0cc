"""The Grafana dashboard in docs/ shows every fairbot metric, and queries only metrics that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot import metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "info": ("_info",), "gauge": ("",)}


def _exposed() -> dict[str, str]:
    """Sample name -> family name, for every family in the registry."""
    names: dict[str, str] = {}
    for family in metrics.REGISTRY.collect():
        for suffix in SUFFIXES.get(family.type, ("",)):
            names[family.name + suffix] = family.name
    return names


def _queried() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return {name for expr in expressions for name in re.findall(r"\b((?:fairbot|process)_[a-z_]+)\b", expr)}


def test_dashboard_queries_only_metrics_that_exist() -> None:
    unknown = sorted(_queried() - set(_exposed()))
    assert unknown == [], f"the dashboard queries metrics that bot/metrics.py does not define: {unknown}"


def test_every_fairbot_metric_has_a_panel() -> None:
    exposed = _exposed()
    shown = {exposed[name] for name in _queried()}
    defined = {family for family in exposed.values() if family.startswith("fairbot_")}
    assert sorted(defined - shown) == []


def test_index_version_gauge_reads_the_build_time_from_the_version_name() -> None:
    metrics.set_index_version("20261203T064512123456-ab12cd34")
    assert metrics.INDEX_BUILT._value.get() == 1796280312.123456  # 2026-12-03 06:45:12.123456 UTC
    metrics.set_index_version("hand-made")
    assert metrics.INDEX_BUILT._value.get() == 0
