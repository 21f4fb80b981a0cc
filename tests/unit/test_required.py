"""A missing outside service skips its tests on a developer's machine and fails them under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.required import in_ci, missing, require_shared


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_a_missing_service_fails_under_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI=true and PostgreSQL is not reachable"):
        missing("postgres")


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_a_missing_service_skips_elsewhere(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        missing("browser")


def test_a_missing_shared_file_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CI", "true")
    assert require_shared(tmp_path) == tmp_path
    with pytest.raises(pytest.fail.Exception, match="shared folder is not beside the checkout"):
        require_shared(tmp_path / "eval" / "dev.jsonl")
