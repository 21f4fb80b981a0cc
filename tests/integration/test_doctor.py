"""`fairbot doctor` through click against a real SQLite data dir: an empty dir fails with what to fix
and exit 1; after `fairbot db upgrade` and with the index and model in place it passes; a configured
Redis that does not answer fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import PROJECT_ROOT, Settings, get_settings
from bot.doctor import check_redis

BUILT = Path(__import__("os").environ.get("FAIRBOT_DATA_DIR", PROJECT_ROOT / "var" / "test"))


def _doctor(runner: CliRunner) -> tuple[int, str]:
    get_settings.cache_clear()
    result = runner.invoke(main, ["doctor"])
    return result.exit_code, result.output


def test_doctor_reports_what_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("FAIRBOT_SERVICE_PRIVACY_CONTROLLER", raising=False)
    monkeypatch.delenv("FAIRBOT_SERVICE_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)  # no developer's .env with a service profile
    runner = CliRunner()

    code, output = _doctor(runner)
    assert code == 1, output
    assert "[ok  ] python:" in output
    assert "[FAIL] database:" in output and "fix: run `fairbot db upgrade`" in output
    assert "[FAIL] index:" in output and "fix: run `fairbot index build`" in output
    assert "[FAIL] model:" in output
    assert "[ok  ] redis: not configured" in output

    get_settings.cache_clear()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    shutil.copytree(BUILT / "index", tmp_path / "index")
    (tmp_path / "models").symlink_to(BUILT / "models")
    code, output = _doctor(runner)
    assert code == 0, output
    assert "[ok  ] database:" in output and "migration head" in output
    assert "[ok  ] index: version" in output and "[ok  ] model:" in output
    # Chromium and Tesseract are needed by the tests, not by the bot: a warning at most
    assert "] chromium:" in output and "] tesseract:" in output
    # no privacy controller configured: a warning (GDPR Art. 13(1)(a)), not a failure
    assert "[warn] privacy controller: privacy_controller is unset" in output
    assert "FAIRBOT_SERVICE_PRIVACY_CONTROLLER" in output

    (tmp_path / "service-profile.yaml").write_text("privacy_controller: Beispiel e. V., Hannover\n", encoding="utf-8")
    code, output = _doctor(runner)
    assert code == 0 and "[ok  ] privacy controller: set in the service profile" in output, output

    # a configured Redis that does not answer (settings with Redis also need PostgreSQL, so built directly)
    dead = check_redis(Settings.model_construct(redis_url="redis://127.0.0.1:1/0"))  # nothing listens on port 1
    assert not dead.ok and dead.required and dead.fix == "start Redis or unset REDIS_URL"
