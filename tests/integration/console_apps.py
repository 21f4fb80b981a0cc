"""The console's real app on SQLite and on PostgreSQL (its users log in with `tests.console_user.log_in`).

`tests/integration/test_console_http.py` runs the app on SQLite only; reports and canned replies group,
count and order in SQL, where the two backends differ (date functions, NULL ordering), so their tests
take `backend_app` and run on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import answer_service, clean, make_settings, running_app
from tests.integration.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
async def backend_app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    settings = make_settings(tmp_path, url, fairbot_secret_key="asgi-test-secret-not-for-production")
    async with running_app(settings, answer_service()) as running:
        await clean(running.state.runtime.db)  # the module's PostgreSQL database is shared by its tests
        yield running
