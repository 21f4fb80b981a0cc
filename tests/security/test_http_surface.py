"""What any visitor's HTTP client sees: no API map, no cached personal pages, https honoured, 404 not 500."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from bot.console.security import MAX_DB_ID
from tests.security.conftest import Site, csrf_of


async def test_api_docs_are_off_unless_enabled(site: Site, make_site: Any) -> None:
    """Finding 16: /docs, /redoc and /openapi.json list every route; strangers get nothing."""
    client = site.client()
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (await client.get(path)).status_code == 404, path
    async with make_site(fairbot_api_docs=True) as documented:
        assert (await documented.client().get("/openapi.json")).status_code == 200


async def test_pages_with_personal_data_are_never_cached(site: Site) -> None:
    """Finding 17: Cache-Control: no-store on every page; static files may be cached."""
    await site.add_account("ada", "admin")
    admin = site.client()
    assert (await site.login(admin, "ada")).status_code == 303
    visitor = site.client("198.51.100.3")
    for client, path in ((admin, "/console/inbox"), (admin, "/console/audit"), (visitor, "/chat")):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    css = await visitor.get("/static/console.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")


async def test_https_behind_a_trusted_proxy_gets_secure_cookies_and_hsts(make_site: Any) -> None:
    """Finding 12: the proxy's scheme is believed from configured addresses only."""
    async with make_site(trusted_proxies="10.0.0.5") as site:
        forwarded = {"x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.44"}
        proxy = site.client("10.0.0.5")
        page = await proxy.get("/chat", headers=forwarded)
        cookies = page.headers.get_list("set-cookie")
        assert cookies and all("; Secure" in cookie for cookie in cookies), cookies
        assert page.headers["strict-transport-security"].startswith("max-age=")
        # the same headers from anybody else change nothing
        stranger = site.client("198.51.100.8")
        plain = await stranger.get("/chat", headers=forwarded)
        assert "strict-transport-security" not in plain.headers
        assert not any("Secure" in cookie for cookie in plain.headers.get_list("set-cookie"))
        # and the login brakes count the address the trusted proxy names, not the proxy's own
        relayed = site.client("10.0.0.5")  # plain http here: a Secure cookie would not come back to it
        login = await relayed.get("/console/login", headers={"x-forwarded-for": "192.0.2.44"})
        form = {"username": "nobody", "password": "x" * 14, "csrf_token": csrf_of(login.text)}
        answer = await relayed.post("/console/login", data=form, headers={"x-forwarded-for": "192.0.2.44"})
        assert answer.status_code == 401
        async with site.runtime.db.session() as session:
            from sqlalchemy import select

            from bot.storage.models import AuditEvent

            event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "login.unknown"))
        assert event is not None and event.detail["ip"] == "192.0.2.44"


async def test_unknown_and_out_of_range_ids_are_404_on_every_route(site: Site) -> None:
    """Finding 13: ids that name nothing, or cannot (too large for the database), are 404, never 500."""
    await site.add_account("ada", "admin")
    admin = site.client()
    assert (await site.login(admin, "ada")).status_code == 303
    token = csrf_of((await admin.get("/console/inbox")).text)
    huge = "9" * 20
    for number in (str(MAX_DB_ID), huge, "999999"):
        for path in (
            f"/console/conversations/{number}",
            f"/console/conversations/{number}/transcript",
            f"/console/conversations/{number}/events",
            f"/console/editor/revisions/{number}",
        ):
            response = await admin.get(path)
            assert response.status_code == 404, (path, response.status_code)
        for path in (
            f"/console/editor/revisions/{number}/rollback",
            f"/console/editor/replies/{number}/draft",
            f"/console/editor/canned/{number}/delete",
            f"/console/conversations/{number}/claim",
        ):
            response = await admin.post(path, data={"csrf_token": token})
            assert response.status_code in (303, 404), (path, response.status_code)
            assert response.status_code == 404 or "error=" in response.headers["location"], path
    for path, form in (
        ("/console/editor/entries/no-such-entry/publish", {}),
        ("/console/editor/unanswered/variant", {"entry_id": "no-such-entry", "lang": "de", "question": "?"}),
    ):
        response = await admin.post(path, data={"csrf_token": token, **form})
        assert response.status_code in (404, 409, 422), (path, response.status_code)
    assert (await admin.get("/console/editor/entries/no-such-entry")).status_code == 404


@pytest.mark.first_pass_only
async def test_the_data_dir_and_its_files_are_the_owners_only(make_site: Any, tmp_path: Path) -> None:
    """Finding 15: var/ 0700 (also when it existed wider), the database and the secret key 0600."""
    data = tmp_path / "var"
    data.mkdir()
    data.chmod(0o755)
    database = data / "fairbot.db"
    async with make_site(
        fairbot_data_dir=data, database_url=f"sqlite+aiosqlite:///{database}", fairbot_secret_key=None
    ) as site:
        await site.chat(site.client())
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in data.iterdir() if path.is_file()}
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert modes["fairbot.db"] == 0o600 and modes["secret_key"] == 0o600, modes
        assert all(mode & 0o077 == 0 for name, mode in modes.items() if name.startswith("fairbot.db")), modes


@pytest.mark.postgres
async def test_buttons_with_out_of_range_ids_get_the_polite_answer(make_site: Any, pg_url: str) -> None:
    """Finding 13: `/chat/action` with a 24-digit id was a 500 (PostgreSQL's integers end at 2**63)."""
    async with make_site(database_url=pg_url) as site:
        visitor = site.client()
        token = await site.chat(visitor)
        assert (await visitor.post("/chat/send", data={"text": "Hallo", "csrf_token": token})).status_code == 200
        for data in ("fb:" + "9" * 24 + ":1", "consent:" + "9" * 24 + ":y", "rate:" + "9" * 24 + ":3"):
            response = await visitor.post("/chat/action", data={"data": data, "csrf_token": token})
            assert response.status_code == 200 and "chat-toast" in response.text, data
