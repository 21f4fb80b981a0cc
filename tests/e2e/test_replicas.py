"""Two `fairbot run` replicas on loopback ports against one PostgreSQL and one Redis, as behind the proxy.

A person hands over to an advisor through replica A; the advisor's inbox, served by replica B, learns it
from B's live stream and lists it within one second. Advisors on A and on B claim the same conversations
at the same instant: each has exactly one winner. A console session made on A is valid on B (the shared
FAIRBOT_SECRET_KEY).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from html.parser import HTMLParser

import httpx
import pytest

from bot.services import accounts
from bot.storage.db import Database
from bot.storage.models import Conversation, Handoff, Message, Person, utcnow
from tests.e2e.harness import create_pg_database, drop_pg_database
from tests.e2e.replicas import Replica, replica_env, stop_all, suite_data_dir
from tests.required import REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(600)]

PASSWORD = "correct-horse-battery-staple"
CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')


class Browser:
    """One browser: its cookies, the CSRF token of the last page, and the replica it talks to."""

    def __init__(self, base_url: str, cookies: httpx.Cookies | None = None) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=10)
        self.token = ""

    async def get(self, url: str) -> httpx.Response:
        response = await self.client.get(url)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    async def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        return await self.client.post(url, data=data, headers={"X-CSRF-Token": self.token})


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="module")
def replicas(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Replica]]:
    """Started once for the module: each replica loads the model and the index (seconds of CPU)."""
    logs = tmp_path_factory.mktemp("replicas")
    # A data directory of their own: a publish writes a new index version into it. The model is only read.
    data_dir = logs / "data"
    data_dir.mkdir()
    shutil.copytree(suite_data_dir() / "index", data_dir / "index")
    (data_dir / "models").symlink_to(suite_data_dir() / "models")
    env = replica_env(database_url, REDIS_URL, FAIRBOT_DATA_DIR=str(data_dir))
    pair = [Replica("a", env, logs), Replica("b", env, logs)]
    for replica in pair:
        replica.start()

    async def ready() -> None:
        await asyncio.gather(*(replica.wait_ready() for replica in pair))

    try:
        asyncio.run(ready())
        yield pair
    finally:
        asyncio.run(stop_all(pair))


@pytest.fixture
async def db(database_url: str, replicas: list[Replica]) -> AsyncIterator[Database]:
    database = Database(database_url)  # migrated by the replicas
    yield database
    await database.dispose()


async def _advisor(db: Database, replica: Replica, username: str, role: str = "advisor") -> Browser:
    async with db.transaction() as session:
        await accounts.create_account(session, username=username, password=PASSWORD, role=role, region="ni")
    browser = Browser(replica.url)
    await browser.get("/console/login")
    response = await browser.post("/console/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    await browser.get("/console/editor" if role == "editor" else "/console/inbox")
    return browser


async def _queue_event(client: httpx.AsyncClient, ready: asyncio.Event) -> float:
    """Follow the inbox's live stream; the monotonic time of the first queue event after `ready`."""
    async with client.stream("GET", "/console/inbox/events", timeout=httpx.Timeout(10, read=30)) as stream:
        assert stream.status_code == 200
        async for line in stream.aiter_lines():
            if not line.startswith("data:"):
                continue
            if json.loads(line.removeprefix("data:").strip()).get("type") == "ready":
                ready.set()
                continue
            return time.monotonic()
    raise AssertionError("the inbox stream ended")


async def test_handover_through_a_reaches_the_inbox_on_b_within_one_second(
    replicas: list[Replica], db: Database
) -> None:
    a, b = replicas
    advisor_on_b = await _advisor(db, b, "bea")
    assert "claim-" not in (await advisor_on_b.get("/console/inbox/queue")).text

    person = Browser(a.url)
    assert (await person.get("/chat")).status_code == 200
    sent = await person.post("/chat/send", {"text": "Ich möchte bitte mit einer Beraterin sprechen"})
    assert sent.status_code == 200, sent.text
    consent = re.search(r'data-action="(consent:\d+:y)"', (await person.get("/chat")).text)
    assert consent, "the hand-over asks for consent first"

    stream_ready = asyncio.Event()
    event = asyncio.create_task(_queue_event(advisor_on_b.client, stream_ready))
    await asyncio.wait_for(stream_ready.wait(), 10)
    started = time.monotonic()
    assert (await person.post("/chat/action", {"data": consent.group(1)})).status_code == 200
    notified = await asyncio.wait_for(event, 5)
    queue = (await advisor_on_b.get("/console/inbox/queue")).text
    listed = time.monotonic()
    assert re.search(r'data-testid="claim-\d+"', queue), queue[-1500:]
    assert notified - started < 1.0 and listed - started < 1.0, (
        f"B's stream after {notified - started:.3f} s, listed after {listed - started:.3f} s"
    )


async def _waiting(db: Database, count: int) -> list[int]:
    ids = []
    async with db.transaction() as session:
        for number in range(count):
            person = Person(channel="web", external_id=f"race-{number}", region="ni", chosen_lang="de")
            session.add(person)
            await session.flush()
            conversation = Conversation(person_id=person.id, region="ni", state="waiting", language="de", urgency=1)
            conversation.waiting_since = conversation.consent_given_at = utcnow()
            session.add(conversation)
            await session.flush()
            session.add(Message(conversation_id=conversation.id, direction="in", author="user", text="Hilfe"))
            session.add(Handoff(conversation_id=conversation.id, reason="request", status="queued", queued_at=utcnow()))
            ids.append(conversation.id)
    return ids


async def test_claim_race_across_replicas_has_exactly_one_winner(replicas: list[Replica], db: Database) -> None:
    a, b = replicas
    carl_on_a, dana_on_b = await _advisor(db, a, "carl"), await _advisor(db, b, "dana")
    advisor_ids = {}
    async with db.session() as session:
        for name in ("carl", "dana"):
            account = await accounts.get_by_username(session, name)
            assert account is not None
            advisor_ids[name] = account.id

    for conversation_id in await _waiting(db, 8):
        page = f"/console/conversations/{conversation_id}"
        first, second = await asyncio.gather(carl_on_a.post(f"{page}/claim", {}), dana_on_b.post(f"{page}/claim", {}))
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [303, 409], (first.status_code, second.status_code)
        winner = "carl" if first.status_code == 303 else "dana"
        async with db.session() as session:
            conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        assert (conversation.state, conversation.advisor_id) == ("human", advisor_ids[winner])


async def test_a_console_session_made_on_a_is_valid_on_b(replicas: list[Replica], db: Database) -> None:
    a, b = replicas
    on_a = await _advisor(db, a, "erik")
    on_b = Browser(b.url, cookies=on_a.client.cookies)
    inbox = await on_b.get("/console/inbox")
    assert inbox.status_code == 200 and "/console/login" not in str(inbox.url)


class _EntryForm(HTMLParser):
    """The values of the editor's entry form (id="entry-form"), as a browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = attr.get("id") == "entry-form"
        elif self._in_form and tag == "input" and attr.get("name"):
            self.values[attr["name"]] = attr.get("value", "")
        elif self._in_form and tag == "textarea":
            self._textarea = attr["name"]
            self.values[self._textarea] = ""
        elif self._in_form and tag == "select":
            self._select = attr["name"]
        elif self._select and tag == "option" and "selected" in attr:
            self.values[self._select] = attr["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


async def _ask(replica: Replica, question: str) -> str:
    person = Browser(replica.url)
    await person.get("/chat")
    assert (await person.post("/chat/send", {"text": question})).status_code == 200
    return (await person.get("/chat")).text


async def test_a_publish_on_a_makes_b_answer_from_the_new_index(replicas: list[Replica], db: Database) -> None:
    a, b = replicas
    question = "Mein Chef hat mir per WhatsApp gekündigt, ist das gültig?"
    marker = "Geprüft über zwei Replikate:"
    assert marker not in await _ask(b, question)
    async with httpx.AsyncClient(base_url=b.url) as client:
        before = (await client.get("/readyz")).json()["checks"]["index"]

    editor = await _advisor(db, a, "redaktion", role="editor")
    entry = "/console/editor/entries/dismissal-written-form"
    form = _EntryForm()
    form.feed((await editor.get(entry)).text)
    assert form.values.get("title") and form.values.get("answer"), form.values
    form.values["answer"] = f"{marker} {form.values['answer']}"
    saved = await editor.post(f"{entry}/text/de", form.values)
    assert saved.status_code == 303, saved.text[-2000:]
    published = await editor.client.post(
        f"{entry}/publish", data={"csrf_token": editor.token, "lang": "de"}, timeout=300
    )
    assert published.status_code == 303, published.text[-2000:]

    # B was not asked to do anything: it follows the published index (shared index directory, Redis event),
    # within moments (the event and the load race the first question).
    published_at = time.monotonic()
    while marker not in await _ask(b, question):
        assert time.monotonic() - published_at < 10, "B still answers from the old index after 10 s"
        await asyncio.sleep(0.2)
    async with httpx.AsyncClient(base_url=b.url) as client:
        after = (await client.get("/readyz")).json()["checks"]["index"]
    async with httpx.AsyncClient(base_url=a.url) as client:
        on_a = (await client.get("/readyz")).json()["checks"]["index"]
    assert after != before and after == on_a
