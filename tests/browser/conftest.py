"""The real app under uvicorn on a free loopback port, driven by the system Chromium through Playwright.

One server and one browser for the browser tests (they are the slow parts); each test opens its
own browser contexts, so cookies and sessions never leak between tests. The server
gets a temp data dir, a SQLite database, a small set of real entries and its own index.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import PROJECT_ROOT, Settings
from tests.required import require_chromium
from tests.seeding import seed_data_dir

ENTRIES = (
    "dismissal/dismissal-written-form.yaml",
    "dismissal/dismissal-three-week-deadline.yaml",
    "wage-unpaid/wage-unpaid-claim-deadlines.yaml",
)
PASSWORD = "correct-horse-battery-staple"
ACCOUNTS = (
    ("admin", "admin", "Ada Admin"),
    ("berater1", "advisor", "Bea Berater"),
    ("berater2", "advisor", "Carl Colleague"),
    ("redaktion", "editor", "Edda Editor"),
    ("locky", "advisor", "Lou Locked"),
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
START_TIMEOUT = 900  # the first index build embeds every text of the entries; slow on a busy 2-core machine


@dataclass
class LiveServer:
    url: str
    settings: Settings
    app: Any

    def run(self, coro_factory: Any) -> Any:
        """Run a coroutine on the server's own event loop (its services are bound to that loop)."""
        loop = self.app.state.loop
        return asyncio.run_coroutine_threadsafe(coro_factory(self.app.state.runtime), loop).result(60)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _prepare(settings: Settings) -> None:
    from bot.services import accounts
    from bot.storage.db import Database
    from bot.storage.models import CannedReply

    db = Database(settings.effective_database_url)
    await db.migrate()
    async with db.transaction() as session:
        for username, role, name in ACCOUNTS:
            await accounts.create_account(
                session, username=username, password=PASSWORD, role=role, display_name=name, ui_lang="de"
            )
        session.add(CannedReply(language="de", title="Begrüßung", text="Guten Tag, hier ist die Beratung."))
        session.add(CannedReply(language="en", title="Greeting", text="Hello, this is your advisor."))
    await db.dispose()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    from bot.app import create_app

    root = tmp_path_factory.mktemp("console")
    seed_data_dir(root / "var")
    entries = root / "entries"
    for name in ENTRIES:
        target = entries / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / "knowledge" / "entries" / name, target)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        fairbot_data_dir=root / "var",
        fairbot_entries_dir=entries,
        database_url=None,
        redis_url=None,
        telegram_bot_token=None,
        fairbot_secret_key="browser-test-secret-not-for-production",  # type: ignore[arg-type]
        throttle_messages=1000,
    )
    # in a thread: the session's Playwright (sync API) may already run an event loop in this one
    preparing = threading.Thread(target=lambda: asyncio.run(_prepare(settings)))
    preparing.start()
    preparing.join()
    app = create_app(settings)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve())

    thread = threading.Thread(target=serve, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the app did not start (see the log above)")
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not start in time")
        time.sleep(0.2)
    app.state.loop = loop
    yield LiveServer(f"http://127.0.0.1:{port}", settings, app)
    server.should_exit = True
    thread.join(timeout=30)


# Module scope, not session: Playwright's sync API marks this thread's event loop as running until it
# stops, which would break every async test that pytest runs after the browser tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = require_chromium()
    from playwright.sync_api import expect, sync_playwright

    # retrieval and SSE round trips are fast, but CI machines are shared: wait up to 30 s for the UI
    expect.set_options(timeout=30_000)

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Factory for pages in fresh contexts; fails the test on any JS error or dialog (e.g. an XSS alert)."""
    contexts: list[Any] = []
    problems: list[str] = []

    def make(viewport: dict[str, int] | None = None, locale: str = "de-DE") -> Any:
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or {"width": 1280, "height": 900}, locale=locale
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        def on_dialog(dialog: Any) -> None:
            if dialog.type == "confirm":
                dialog.accept()  # our own data-confirm prompts
            else:
                problems.append(f"unexpected {dialog.type} dialog: {dialog.message}")
                dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, problems


def login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/console/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
