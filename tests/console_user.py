"""A console user over HTTP without a browser, for the ASGI-level tests: an account made in the database,
logged in through the real login form (sessions, CSRF), then driven with the page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

import httpx

from bot.services import accounts
from bot.storage.db import Database

PASSWORD = "correct-horse-battery-staple"
CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')


class ConsoleUser:
    """One logged-in browser session: its cookies (in the client) and the CSRF token of the last page."""

    def __init__(self, client: httpx.AsyncClient, account_id: int) -> None:
        self.client = client
        self.id = account_id
        self.token = ""

    async def get(self, url: str, **params: Any) -> httpx.Response:
        response = await self.client.get(url, params=params or None)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    async def post(self, url: str, data: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(url, data={**(data or {}), "csrf_token": self.token})


async def make_account(app: Any, username: str, role: str = "advisor", region: str = "ni", **fields: Any) -> int:
    """An account with the shared password; `fields` set other columns (languages, availability, disabled...)."""
    db: Database = app.state.runtime.db
    async with db.transaction() as session:
        account = await accounts.create_account(
            session, username=username, password=PASSWORD, role=role, display_name=username.title(), region=region
        )
        for name, value in fields.items():
            setattr(account, name, value)
        return account.id


async def log_in(
    app: Any, username: str, role: str = "advisor", region: str = "ni", first_page: str = "/console/me", **fields: Any
) -> ConsoleUser:
    """A new account, logged in through the login form; the token of its session is read from `first_page`
    (any page of the console shows it, an error page too)."""
    account_id = await make_account(app, username, role, region, **fields)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")
    user = ConsoleUser(client, account_id)
    await user.get("/console/login")
    response = await user.post("/console/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    await user.get(first_page)  # the session's new CSRF token
    return user
