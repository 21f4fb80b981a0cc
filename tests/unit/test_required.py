"""A missing outside service skips its tests on a developer's machine and fails them under CI=true."""

from __future__ import annotations

import pytest

from tests.required import in_ci, missing


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
