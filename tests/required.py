"""The outside services the suite needs: a missing one skips its tests locally and fails them under CI=true.

A green CI must prove what it says, so in CI (`CI=true`) a missing Chromium, PostgreSQL, Redis or Tesseract (or the
../shared folder that CI lays beside the clone) is an error, not a skip. On a developer's machine the tests skip with the reason, which `-ra` (pyproject
addopts) lists at the end of every run. Tests marked `postgres`, `redis`, `browser` or `tesseract` are checked by
tests/conftest.py before they run; fixtures that reach a service call these helpers directly too.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

PG_ADMIN_URL = os.environ.get("FAIRBOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("FAIRBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _address(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


PG_ADDRESS = _address(PG_ADMIN_URL, 5432)
REDIS_ADDRESS = _address(REDIS_URL, 6379)
_HINTS = {
    "postgres": "PostgreSQL is not reachable at {}:{} (start it, or point FAIRBOT_TEST_PG at one)".format(*PG_ADDRESS),
    "redis": "Redis is not reachable at {}:{} (start it, or point FAIRBOT_TEST_REDIS at one)".format(*REDIS_ADDRESS),
    "browser": "the Debian package chromium is not installed (apt-get install -y chromium)",
    "tesseract": "Tesseract is not installed (apt-get install -y tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng, "
    "or scripts/install --test)",
    "shared": "the project's shared folder is not beside the checkout (../shared: eval sets, topics, api.json)",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(service: str) -> NoReturn:
    """Skip the test that needs `service`, or fail it under CI=true."""
    reason = _HINTS[service]
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def _reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


@functools.cache
def pg_available() -> bool:
    return _reachable(PG_ADDRESS)


@functools.cache
def redis_available() -> bool:
    return _reachable(REDIS_ADDRESS)


def require_postgres() -> None:
    if not pg_available():
        missing("postgres")


def require_redis() -> None:
    if not redis_available():
        missing("redis")


def require_chromium() -> str:
    """The path of the system Chromium that the browser tests drive."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("browser")
    return executable


def require_tesseract() -> None:
    """Debian's Tesseract with the German model, which the letter reader runs (bot/services/letters/ocr.py)."""
    if shutil.which("tesseract") is None or not any(Path(p, "deu.traineddata").exists() for p in _TESSDATA):
        missing("tesseract")


_TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")


def require_shared(path: Path) -> Path:
    """A file of the read-only ../shared folder, which CI lays beside every clone."""
    if not path.exists():
        missing("shared")
    return path


REQUIREMENTS = {
    "postgres": require_postgres,
    "redis": require_redis,
    "browser": require_chromium,
    "tesseract": require_tesseract,
}


def require_marked(item: pytest.Item) -> None:
    """Check every service that the test's markers name (called before its fixtures are set up)."""
    for name, require in REQUIREMENTS.items():
        if item.get_closest_marker(name) is not None:
            require()
