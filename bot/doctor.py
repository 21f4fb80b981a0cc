"""`fairbot doctor`: checks the environment a fresh install needs (Python, database and its migration
head, Redis if configured, the index, the model files, the service profile's privacy controller;
Chromium and Tesseract for the tests) and says what to fix for each failure, so a first start does
not end in a traceback two minutes later."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings

MIN_PYTHON = (3, 11)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report; `required` failures make the command exit 1."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    return Check("python", ok, version, "" if ok else f"install Python {'.'.join(map(str, MIN_PYTHON))} or newer")


async def _database_state(url: str) -> tuple[str | None, set[str]]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.storage.db import alembic_config, create_engine

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()
    return current, heads


def check_database(settings: Settings) -> Check:
    url = settings.effective_database_url
    shown = url.split("@")[-1]  # never print a password
    try:
        current, heads = asyncio.run(_database_state(url))
    except Exception as error:  # any driver error means the same thing to the operator
        return Check(
            "database",
            False,
            f"{shown}: {type(error).__name__}: {error}",
            "check DATABASE_URL and that the server runs",
        )
    if current in heads:
        return Check("database", True, f"{shown} at migration head {current}")
    return Check(
        "database",
        False,
        f"{shown} at migration {current or 'none'}, head is {', '.join(sorted(heads))}",
        "run `fairbot db upgrade`",
    )


def check_redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", True, "not configured (in-process event bus and rate limits)", required=False)
    import redis

    shown = settings.redis_url.split("@")[-1]
    try:
        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3)
        client.ping()
        client.close()
    except Exception as error:
        return Check("redis", False, f"{shown}: {error}", "start Redis or unset REDIS_URL")
    return Check("redis", True, f"{shown} answers PING")


def check_index(settings: Settings) -> Check:
    index_dir = settings.index_dir
    current = index_dir / "CURRENT"
    if not current.is_file():
        return Check("index", False, f"no index in {index_dir}", "run `fairbot index build` (or `make run` builds it)")
    version = current.read_text(encoding="utf-8").strip()
    manifest = index_dir / "versions" / version / "manifest.json"
    if not manifest.is_file():
        return Check("index", False, f"CURRENT names {version}, which has no manifest", "run `fairbot index build`")
    return Check("index", True, f"version {version}")


def check_model(settings: Settings) -> Check:
    knowledge = settings.knowledge
    folder = knowledge.model_path or knowledge.bundled_model_dir
    weights = [*folder.glob("*.safetensors"), *folder.glob("onnx/*.onnx")] if folder.is_dir() else []
    if weights:
        return Check("model", True, f"{folder} ({len(weights)} weight files)")
    return Check(
        "model",
        False,
        f"no model files in {folder}",
        "run `fairbot index build` once (it converts the bundled model) or set the model path",
    )


def check_privacy_controller(settings: Settings) -> Check:
    """Warns while the service profile names no privacy controller.

    Why: GDPR Art. 13(1)(a) requires telling people who is responsible for their data. Without the
    field the privacy answer can only say "the organisation running this service; ask in the chat",
    which is a fallback, not an answer fit for production. Not required: a development install runs
    without it.
    """
    from bot.services.service_profile import ServiceProfileStore

    if ServiceProfileStore(settings).values().get("privacy_controller"):
        return Check("privacy controller", True, "set in the service profile", required=False)
    return Check(
        "privacy controller",
        False,
        "privacy_controller is unset: the privacy answer cannot name who is responsible for people's data "
        "(GDPR Art. 13(1)(a)); it only says the organisation running the service is, and to ask in the chat",
        "before production, set it (name and postal address) in the console (Admin -> Service profile) "
        "or with FAIRBOT_SERVICE_PRIVACY_CONTROLLER",
        required=False,
    )


def check_program(name: str, program: str, why: str, fix: str) -> Check:
    path = shutil.which(program)
    return Check(name, path is not None, path or f"{program} not on PATH ({why})", "" if path else fix, required=False)


def run_checks(settings: Settings) -> list[Check]:
    """Every check in report order; a check that crashes is reported as failed, never aborts the rest."""
    checks: list[Callable[[], Check]] = [
        check_python,
        lambda: check_database(settings),
        lambda: check_redis(settings),
        lambda: check_index(settings),
        lambda: check_model(settings),
        lambda: check_privacy_controller(settings),
        lambda: check_program("chromium", "chromium", "browser tests", "apt-get install chromium"),
        lambda: check_program("tesseract", "tesseract", "reading letters, OCR tests", "apt-get install tesseract-ocr"),
    ]
    results = []
    for check in checks:
        try:
            results.append(check())
        except Exception as error:
            results.append(Check(getattr(check, "__name__", "check"), False, f"{type(error).__name__}: {error}"))
    return results


def report_lines(results: list[Check]) -> list[str]:
    lines = []
    for check in results:
        mark = "ok  " if check.ok else ("FAIL" if check.required else "warn")
        lines.append(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"       fix: {check.fix}")
    return lines
