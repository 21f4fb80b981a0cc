"""The suite's backend switch (tests/backend.py): what the PostgreSQL pass runs, and what a test is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import backend


def test_sqlite_gives_a_file_in_the_tests_directory_and_no_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend, "BACKEND", "sqlite")
    assert backend.database_url(tmp_path) == f"sqlite+aiosqlite:///{tmp_path / 'fairbot.db'}"
    assert backend.redis_settings() == {"redis_url": None}
    assert backend.environment(tmp_path) == {"DATABASE_URL": backend.database_url(tmp_path)}


def _items(pytester: pytest.Pytester) -> dict[str, bool]:
    """Collect a small module and say which of its tests the postgres pass keeps."""
    pytester.makepyfile(
        test_mod="""
        import pytest
        from tests.e2e.harness import make_settings

        def test_app(): pass

        @pytest.mark.postgres
        def test_pinned(): pass

        @pytest.mark.first_pass_only
        def test_file(): pass

        @pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
        def test_both(db): pass
        """,
        test_pure="""
        def test_unit(): pass
        """,
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    items, _ = pytester.inline_genitems("-p", "no:cacheprovider")
    return {item.name: backend.runs_in_this_pass(item) for item in items}


def test_the_postgres_pass_keeps_what_the_backend_decides_and_nothing_twice(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend, "BACKEND", "postgres")
    kept = _items(pytester)
    assert kept == {
        "test_app": True,
        "test_pinned": False,
        "test_file": False,
        "test_both[sqlite]": False,
        "test_both[postgres]": False,
        "test_unit": False,
    }
    monkeypatch.setattr(backend, "BACKEND", "sqlite")
    assert all(_items(pytester).values())
