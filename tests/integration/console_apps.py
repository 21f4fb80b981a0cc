"""The console's real app on SQLite and on PostgreSQL, with logged-in console users over httpx's ASGI transport.

`tests/integration/test_console_http.py` runs the app on SQLite only; reports and canned replies group,
count and order in SQL, where the two backends differ (date functions, NULL ordering), so their tests
take `backend_app` and run on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.services import accounts
from bot.storage.db import Database
from tests.e2e.harness import answer_service, clean, make_settings, running_app
from tests.integration.conftest import BACKENDS
from tests.integration.test_console_http import PASSWORD, Advisor


@pytest.fixture(params=BACKENDS)
async def backend_app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    settings = make_settings(tmp_path, url, fairbot_secret_key="asgi-test-secret-not-for-production")
    async with running_app(settings, answer_service()) as running:
        await clean(running.state.runtime.db)  # the module's PostgreSQL database is shared by its tests
        yield running


async def console_user(app: Any, username: str, role: str, first_page: str, *, region: str = "ni") -> Advisor:
    """A logged-in console session of a new account with `role`, holding a CSRF token of `first_page`."""
    db: Database = app.state.runtime.db
    async with db.transaction() as session:
        account = await accounts.create_account(
            session, username=username, password=PASSWORD, role=role, display_name=username.title(), region=region
        )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")
    user = Advisor(client, account.id)
    await user.get("/console/login")
    response = await user.post("/console/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    await user.get(first_page)  # the session's new CSRF token
    return user
