"""Settings: the documented example file loads as it is, and documents every setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_loads_and_means_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.telegram_bot_token is None  # "TELEGRAM_BOT_TOKEN=" is unset, not an empty token
    assert settings.telegram_max_concurrent_updates == 40
    assert settings.effective_database_url.startswith("sqlite")


def test_env_example_documents_every_setting() -> None:
    documented = {
        line.lstrip("# ").split("=", 1)[0]
        for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
        if "=" in line and line.lstrip("# ").split("=", 1)[0].isupper()
    }
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in documented)
    assert missing == [], f"add these to .env.example with a comment: {missing}"
