"""The storage backend the suite runs on: SQLite (default) or PostgreSQL with Redis (FAIRBOT_TEST_BACKEND=postgres).

Production runs on PostgreSQL and Redis, the zero-set-up path on SQLite and in-process events; `make test`
runs the storage-relevant tests once on each (scripts/test). Tests do not choose a URL themselves: they ask
`database_url(tmp_path)` (and `make_settings` does), which gives a SQLite file under the test's own
directory, or in the postgres pass a fresh PostgreSQL database per test (dropped after it) and a Redis key
prefix of its own, so runs sharing one server never see each other's rows, events or rate limits.
"""

from __future__ import annotations

import inspect
import os
import types
import uuid
from pathlib import Path

import pytest

from tests.required import REDIS_URL, require_postgres, require_redis

BACKENDS = ("sqlite", "postgres")
BACKEND = os.environ.get("FAIRBOT_TEST_BACKEND", "sqlite").strip().lower() or "sqlite"
if BACKEND not in BACKENDS:
    raise ValueError(f"FAIRBOT_TEST_BACKEND={BACKEND!r}: use one of {', '.join(BACKENDS)}")

# The databases this test made, by its directory (a test that builds settings twice gets the same one).
_databases: dict[Path, str] = {}


def on_postgres() -> bool:
    """True in the second pass: storage and events on the PostgreSQL and Redis servers."""
    return BACKEND == "postgres"


def database_url(tmp_path: Path, name: str = "fairbot.db") -> str:
    """The test's database: a SQLite file in `tmp_path`, or (postgres pass) its own PostgreSQL database."""
    if not on_postgres():
        return f"sqlite+aiosqlite:///{tmp_path / name}"
    key = tmp_path / name
    if key not in _databases:
        require_postgres()  # fails under CI=true: the second pass must not quietly run on nothing
        from tests.e2e.harness import create_pg_database

        _databases[key] = create_pg_database()
    return _databases[key]


def redis_settings() -> dict[str, str | None]:
    """Settings for Redis: none on SQLite; in the postgres pass the server and a prefix of this test's own."""
    if not on_postgres():
        return {"redis_url": None}
    require_redis()
    return {"redis_url": REDIS_URL, "redis_key_prefix": f"fairbot-test-{uuid.uuid4().hex[:10]}:"}


def environment(tmp_path: Path) -> dict[str, str]:
    """The same choice as environment variables, for a `fairbot` command or process: the database, and in the
    postgres pass Redis and a secret key (production's settings refuse several processes without one)."""
    env = {"DATABASE_URL": database_url(tmp_path)}
    if on_postgres():
        env.update({name.upper(): value for name, value in redis_settings().items() if value})
        env["FAIRBOT_SECRET_KEY"] = "test-secret-key-not-for-production"
    return env


def drop_databases() -> None:
    """Drop what `database_url` created for the test that just ended (WITH FORCE: lingering pools too)."""
    if not _databases:
        return
    from tests.e2e.harness import drop_pg_database

    urls = list(_databases.values())
    _databases.clear()
    for url in urls:
        drop_pg_database(url)


# A module that imports these lets the backend choose its tests' storage; so does a fixture that calls
# `make_settings` (the app fixtures `fairbot`, `site`, `make_site`, ...).
_BACKEND_NAMES = frozenset({"make_settings", "backend"})
_BACKEND_CALLS = frozenset({"make_settings"})


def _names(code: types.CodeType) -> set[str]:
    """The global names a function uses, its nested functions' included (`make_site` builds in an inner one)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def uses_backend(item: pytest.Item) -> bool:
    """Whether the backend chooses the test's storage (else it would run the same in both passes): its
    module imports `make_settings` or this module, or one of its fixtures calls them (the app fixtures)."""
    module = getattr(item, "module", None)
    if module is not None and _BACKEND_NAMES & set(vars(module)):
        return True
    fixtures = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    for definitions in fixtures.values():
        for definition in definitions:
            code = getattr(inspect.unwrap(definition.func), "__code__", None)
            if code is not None and _BACKEND_CALLS & _names(code):
                return True
    return False


def runs_in_this_pass(item: pytest.Item) -> bool:
    """Whether the test belongs to this pass. The first runs everything. The postgres pass runs what the
    backend decides (`uses_backend`), without what already ran on PostgreSQL in the first pass: tests
    marked `postgres` (pinned to it, or the postgres variant of a backend parameter) and their SQLite
    siblings (a parameter value "sqlite"); and without `first_pass_only` ones (they test the SQLite file itself, or
    their storage runs on PostgreSQL in another test and they are slow: the editor's index rebuilds)."""
    if not on_postgres():
        return True
    if item.get_closest_marker("postgres") or item.get_closest_marker("first_pass_only"):
        return False
    callspec = getattr(item, "callspec", None)
    if callspec and "sqlite" in callspec.params.values():
        return False
    return uses_backend(item)
