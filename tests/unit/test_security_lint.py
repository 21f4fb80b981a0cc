"""Ruff's security rules (flake8-bandit, S) stay selected and the shipped code passes them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_security_rules_are_selected() -> None:
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in lint["select"]
    assert set(lint["ignore"]) & {"S", "S1", "S6"} == set()  # no whole family switched off


def test_the_shipped_code_passes_them() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed (pip install -e .[test])")
    result = subprocess.run(
        [ruff, "check", "--output-format", "concise", "bot", "knowledge", "indexer"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
