"""Console login over HTTP: the password check does not stall the app, failures look alike, brakes hold the guesser."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time

from argon2 import PasswordHasher
from sqlalchemy import select, update

from bot.storage.models import Account, AuditEvent
from tests.security.conftest import PASSWORD, Site

ERROR = re.compile(r'data-testid="login-error">([^<]*)<')


async def test_password_check_does_not_block_the_web_chat(site: Site) -> None:
    """Finding 1: a login in progress must not stop a web-chat message from being answered."""
    await site.add_account("slow")
    # argon2 with many passes: checking this hash takes seconds of CPU, like many logins at once
    slow_hash = PasswordHasher(time_cost=600, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with site.runtime.db.transaction() as session:
        await session.execute(update(Account).where(Account.username == "slow").values(password_hash=slow_hash))
    visitor = site.client("198.51.100.1")
    token = await site.chat(visitor)
    login = asyncio.create_task(site.login(site.client("198.51.100.2"), "slow", "not-the-password"))
    await asyncio.sleep(0.3)  # the login page was served and the check is running
    started = time.monotonic()
    sent = await visitor.post("/chat/send", data={"text": "Wie hoch ist der Mindestlohn?", "csrf_token": token})
    took = time.monotonic() - started
    assert sent.status_code == 200
    assert not login.done(), f"the chat message waited for the password check ({took:.2f} s)"
    response = await login
    assert response.status_code == 401


async def test_unknown_locked_disabled_and_wrong_password_look_the_same(site: Site) -> None:
    """Finding 5: the answer does not reveal which names exist, nor that an account is locked."""
    for name in ("bea", "off", "held"):
        await site.add_account(name)
    async with site.runtime.db.transaction() as session:
        await session.execute(update(Account).where(Account.username == "off").values(disabled=True))
        until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        await session.execute(update(Account).where(Account.username == "held").values(locked_until=until))
    messages = {}
    timings = {}
    attempts = (("nobody", PASSWORD), ("bea", "wrong-password-1"), ("off", PASSWORD), ("held", PASSWORD))
    for n, (name, password) in enumerate(attempts):
        client = site.client(f"192.0.2.{n}")
        started = time.monotonic()
        response = await site.login(client, name, password)
        timings[name] = time.monotonic() - started
        assert response.status_code == 401, name
        found = ERROR.search(response.text)
        assert found, name
        messages[name] = found.group(1)
    assert len(set(messages.values())) == 1, messages
    # an unknown name costs a full password check too (within a factor: the machine is shared)
    assert timings["nobody"] > 0.4 * timings["bea"], timings


async def test_a_guesser_is_braked_but_the_advisor_still_gets_in_from_elsewhere(site: Site) -> None:
    """Finding 5: five wrong passwords from one address no longer lock the advisor out everywhere."""
    await site.add_account("bea")
    guesser = site.client("198.51.100.66")
    for n in range(5):
        response = await site.login(guesser, "bea", f"guess-{n}-wrong-password")
        assert response.status_code == 401
    braked = await site.login(guesser, "bea", PASSWORD)
    assert braked.status_code == 429  # from this address, not even the right password is checked
    advisor = site.client("198.51.100.10")
    arrived = await site.login(advisor, "bea", PASSWORD)
    assert arrived.status_code == 303 and arrived.headers["location"] == "/console/inbox"


async def test_an_address_is_braked_across_names(site: Site) -> None:
    """Per address: ten failures with any names, then nothing is checked from there for a while."""
    await site.add_account("bea")
    sprayer = site.client("198.51.100.77")
    for n in range(10):
        assert (await site.login(sprayer, f"name{n}", "Spring2024!")).status_code == 401
    assert (await site.login(sprayer, "bea", PASSWORD)).status_code == 429
    async with site.runtime.db.session() as session:
        unknown = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "login.unknown"))).all()
    assert len(unknown) == 10  # failures for unknown names are audited too
    assert all(event.detail["ip"] == "198.51.100.77" for event in unknown)
