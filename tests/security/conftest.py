"""The running app (lifespan, real answer service, SQLite or PostgreSQL) driven over HTTP in-process.

httpx's ASGI transport speaks to the very app `fairbot run` serves, including its
middlewares, so a test sees what a browser or an attacker would: status codes,
headers, cookies. Each client has its own cookie jar and client address.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import Runtime
from bot.services import accounts
from tests.e2e.harness import answer_service, create_pg_database, drop_pg_database, make_settings
from tests.e2e.harness import running_app as _running_app
from tests.required import require_postgres

PASSWORD = "a-long-enough-password-42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"|"X-CSRF-Token": "([^"]+)"')


@pytest.fixture(scope="session")
def answers() -> Any:
    return answer_service()


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@dataclass
class Site:
    """The running app and a factory of HTTP clients (one cookie jar and client address each)."""

    app: Any
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def client(self, address: str = "203.0.113.7", base_url: str = "http://testserver") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url=base_url)
        self.clients.append(client)
        return client

    async def add_account(self, username: str, role: str = "advisor", password: str = PASSWORD) -> int:
        async with self.runtime.db.transaction() as session:
            account = await accounts.create_account(session, username=username, password=password, role=role)
            return account.id

    async def login(self, client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
        page = await client.get("/console/login")
        form = {"username": username, "password": password, "csrf_token": csrf_of(page.text)}
        return await client.post("/console/login", data=form)

    async def chat(self, client: httpx.AsyncClient) -> str:
        """Opens the web chat; returns the page's CSRF token."""
        page = await client.get("/chat")
        assert page.status_code == 200
        return csrf_of(page.text)


@contextlib.asynccontextmanager
async def _site(settings: Any, answers: Any) -> AsyncIterator[Site]:
    async with _running_app(settings, answers) as app:
        site = Site(app)
        try:
            yield site
        finally:
            for client in site.clients:
                await client.aclose()


@pytest.fixture
async def site(tmp_path: Path, answers: Any) -> AsyncIterator[Site]:
    """The app on SQLite, with a fixed secret key and the message throttle out of the way."""
    settings = make_settings(tmp_path, fairbot_secret_key="security-test-secret", throttle_messages=1000)
    async with _site(settings, answers) as running:
        yield running


@pytest.fixture
def make_site(tmp_path: Path, answers: Any) -> Any:
    """`async with make_site(**settings) as site:` for tests that need other settings."""

    def build(**overrides: Any) -> Any:
        values = {"fairbot_secret_key": "security-test-secret", "throttle_messages": 1000, **overrides}
        settings = make_settings(tmp_path, values.pop("database_url", None), **values)
        return _site(settings, answers)

    return build


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database per test module."""
    require_postgres()
    url = create_pg_database()
    yield url
    drop_pg_database(url)


# --- the security checks' results for docs/reliability.md (scripts/reliability_report.py) -------------

_RESULTS: dict[str, dict[str, str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Each security test's outcome, named by its docstring's first line (or its name)."""
    if not report.nodeid.startswith("tests/security/") or (report.when != "call" and report.passed):
        return
    entry = _RESULTS.setdefault(report.nodeid, {"outcome": "passed"})
    if report.failed or report.skipped:
        entry["outcome"] = "skipped" if report.skipped else "failed"


_TITLES: dict[str, str] = {}
_FINDING = re.compile(r"Findings? [0-9][0-9, and]*")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The check's name: the test's name in words, and the finding of issue 13 its docstring names."""
    for item in items:
        if item.nodeid.startswith("tests/security/"):
            name = item.name.replace("test_", "", 1).replace("_", " ")
            found = _FINDING.search(getattr(getattr(item, "obj", None), "__doc__", None) or "")
            _TITLES[item.nodeid] = f"{name} ({found.group(0).strip(' ,')})" if found else name


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _RESULTS:
        return
    from tests.e2e.reports import write_report

    checks = [
        {"test": nodeid, "check": _TITLES.get(nodeid, nodeid), "outcome": entry["outcome"]}
        for nodeid, entry in sorted(_RESULTS.items())
    ]
    write_report("security-checks", {"checks": checks})
