"""Console sessions: logout ends them on the server, not only in the browser that logged out."""

from __future__ import annotations

from tests.security.conftest import Site, csrf_of


async def test_a_cookie_saved_before_logout_no_longer_opens_the_inbox(site: Site) -> None:
    """Finding 4: logout revokes the session server-side."""
    await site.add_account("bea")
    browser = site.client()
    assert (await site.login(browser, "bea")).status_code == 303
    saved = dict(browser.cookies)  # e.g. copied by malware or left in a shared browser profile
    inbox = await browser.get("/console/inbox")
    assert inbox.status_code == 200
    logout = await browser.post("/console/logout", data={"csrf_token": csrf_of(inbox.text)})
    assert logout.status_code == 303
    thief = site.client("198.51.100.99")
    thief.cookies.update(saved)
    replay = await thief.get("/console/inbox")
    assert replay.status_code == 303 and replay.headers["location"].startswith("/console/login")
    # logging in again works, with a fresh session
    assert (await site.login(browser, "bea")).status_code == 303
    assert (await browser.get("/console/inbox")).status_code == 200
