"""Every route of the app against every role: a new route without an entry in ROUTES fails this test.

The routes are enumerated from the running app, not listed by hand, so a route added without
deciding who may use it cannot slip through. Ids in paths name nothing (999999): a role that may
use the route gets past the role check (404, 422, a page), one that may not is stopped before
(403; anonymous visitors are sent to the login page).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts

from tests.security.conftest import Site, csrf_of

ADVISORS = frozenset({"advisor", "teamlead", "admin"})
EDITORS = frozenset({"editor", "admin"})
ADMINS = frozenset({"admin"})
REPORTERS = frozenset({"teamlead", "admin"})  # team leads: their own region's figures only
STAFF = frozenset({"advisor", "teamlead", "editor", "admin"})
PUBLIC = "public"

ROUTES: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # a bearer token of its own (FAIRBOT_METRICS_TOKEN), no console role
    ("GET", "/chat"): PUBLIC,
    ("POST", "/chat/send"): PUBLIC,
    ("POST", "/chat/action"): PUBLIC,
    ("GET", "/chat/events"): PUBLIC,
    ("POST", "/chat/forget"): PUBLIC,
    ("POST", "/chat/letter"): PUBLIC,  # a letter to read, by the visitor's session cookie
    ("GET", "/chat/export"): PUBLIC,  # the visitor's own data, by their session cookie
    ("GET", "/chat/calendar/{message_id}"): PUBLIC,  # the visitor's own deadline as .ics, by their session cookie
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,
    ("POST", "/console/logout"): PUBLIC,
    ("GET", "/console/lang/{code}"): PUBLIC,
    ("GET", "/console/"): STAFF,
    ("GET", "/console/inbox"): ADVISORS,
    ("GET", "/console/inbox/queue"): ADVISORS,
    ("GET", "/console/inbox/events"): ADVISORS,
    ("GET", "/console/conversations/{conversation_id}"): ADVISORS,
    ("GET", "/console/conversations/{conversation_id}/transcript"): ADVISORS,
    ("GET", "/console/conversations/{conversation_id}/events"): ADVISORS,
    ("POST", "/console/conversations/{conversation_id}/claim"): ADVISORS,
    ("POST", "/console/conversations/{conversation_id}/reply"): ADVISORS,
    ("POST", "/console/conversations/{conversation_id}/note"): ADVISORS,
    ("POST", "/console/conversations/{conversation_id}/transfer"): ADVISORS,
    ("POST", "/console/conversations/{conversation_id}/close"): ADVISORS,
    ("GET", "/console/editor"): EDITORS,
    ("GET", "/console/editor/entries/{entry_id}"): EDITORS,
    ("POST", "/console/editor/preview"): EDITORS,
    ("POST", "/console/editor/entries/{entry_id}/text/{lang}"): EDITORS,
    ("POST", "/console/editor/entries/{entry_id}/publish"): EDITORS,
    ("GET", "/console/editor/revisions/{revision_id}"): EDITORS,
    ("POST", "/console/editor/revisions/{revision_id}/rollback"): EDITORS,
    ("GET", "/console/editor/try"): EDITORS,
    ("GET", "/console/editor/unanswered"): EDITORS,
    ("POST", "/console/editor/unanswered/variant"): EDITORS,
    ("POST", "/console/editor/replies/{message_id}/draft"): EDITORS,
    ("GET", "/console/editor/canned"): EDITORS,
    ("POST", "/console/editor/canned"): EDITORS,
    ("POST", "/console/editor/canned/{reply_id}/delete"): EDITORS,
    ("GET", "/console/audit"): ADMINS,
    ("GET", "/console/people/{person_id}/export"): ADMINS,
    ("GET", "/console/profile"): ADMINS,
    ("POST", "/console/profile"): ADMINS,
    ("GET", "/console/reports"): REPORTERS,  # bot.services.reporting.REPORT_ROLES
    ("GET", "/console/reports.csv"): REPORTERS,
    ("GET", "/console/archive"): ADVISORS,  # each lists only what the account may see (bot.services.visibility)
    ("GET", "/console/me"): ADVISORS,
    ("POST", "/console/me"): ADVISORS,
    ("GET", "/console/team"): ADMINS,
    ("POST", "/console/team/{account_id}"): ADMINS,
    ("GET", "/console/canned/propose"): ADVISORS,  # advisors propose canned replies
    ("POST", "/console/canned/propose"): ADVISORS,
    ("POST", "/console/editor/canned/{reply_id}"): EDITORS,
    ("POST", "/console/editor/canned/{reply_id}/approve"): ADMINS,  # an admin approves a proposal
}
NOT_ROUTES = ("/static",)  # mounts, not routes: files anybody may fetch
PARAMS = {"code": "en", "lang": "de", "entry_id": "no-such-entry"}
STREAM_WAIT = 1.5  # an event stream that is still open after this was let in


def app_routes(app: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        methods: set[str] = getattr(context, "methods", None) or set()
        if context.path is None or context.path in NOT_ROUTES or not methods:
            continue
        for method in methods - {"HEAD"}:
            found.add((str(method), context.path))
    return found


async def test_every_route_has_a_role_decision(site: Site) -> None:
    routes = app_routes(site.app)
    assert routes - ROUTES.keys() == set(), "routes without a role decision: add them to ROUTES"
    assert ROUTES.keys() - routes == set(), "ROUTES names routes the app no longer has"


def _url(path: str) -> str:
    for name, value in PARAMS.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:  # every other parameter is an id
        start = path.index("{")
        path = path[:start] + "999999" + path[path.index("}") + 1 :]
    return path


async def _request(client: httpx.AsyncClient, method: str, url: str, token: str) -> int | None:
    """The status, or None for an event stream that stayed open (it was let in)."""
    try:
        if method == "GET":
            response = await asyncio.wait_for(client.get(url), STREAM_WAIT)
        else:
            response = await asyncio.wait_for(client.post(url, data={"csrf_token": token}), STREAM_WAIT * 4)
    except TimeoutError:
        return None
    assert response.status_code < 500, (method, url, response.status_code)
    if response.status_code == 303 and response.headers["location"].startswith("/console/login"):
        return 401
    return response.status_code


async def test_every_role_is_let_in_or_stopped_on_every_route(site: Site) -> None:
    clients: dict[str | None, tuple[httpx.AsyncClient, str | None]] = {}
    for n, role in enumerate(("advisor", "teamlead", "editor", "admin")):
        await site.add_account(f"user-{role}", role)
        client = site.client(f"192.0.2.{10 + n}")
        assert (await site.login(client, f"user-{role}")).status_code == 303
        home = await client.get("/console/login")
        clients[role] = (client, csrf_of(home.text))
    anonymous = site.client("192.0.2.20")
    clients[None] = (anonymous, csrf_of((await anonymous.get("/console/login")).text))
    wrong = []
    for (method, path), allowed in sorted(ROUTES.items()):
        if allowed == PUBLIC or path == "/console/login":
            continue
        url = _url(path)
        for who, (client, token) in clients.items():
            status = await _request(client, method, url, token or "")
            if who is None:
                expected_ok = status == 401
            elif who in allowed:
                expected_ok = status not in (401, 403)
            else:
                expected_ok = status == 403
            if not expected_ok:
                wrong.append(f"{method} {url} as {who or 'anonymous'}: {status}")
    assert not wrong, "\n".join(wrong)
