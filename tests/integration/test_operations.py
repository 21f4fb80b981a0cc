"""Operations endpoints through the running app: /healthz, /readyz with each reason it can give, /metrics behind its token."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.storage.db import Database
from bot.storage.models import Conversation, OutboxItem, Person, utcnow
from tests.e2e.harness import answer_service, clean, make_settings, running_app
from tests.required import REDIS_URL

TOKEN = "scrape-secret-123"


@pytest.fixture(scope="module")
def answers() -> Any:
    return answer_service()


async def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://replica")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.redis])])
async def app(request: pytest.FixtureRequest, tmp_path: Path, answers: Any) -> AsyncIterator[Any]:
    if request.param == "sqlite":
        settings = make_settings(tmp_path, fairbot_metrics_token=TOKEN)
    else:
        settings = make_settings(
            tmp_path, request.getfixturevalue("pg_url"), redis_url=REDIS_URL, fairbot_metrics_token=TOKEN
        )
    async with running_app(settings, answers) as running:
        await clean(running.state.runtime.db)
        yield running


async def test_healthz_and_readyz_when_everything_answers(app: Any) -> None:
    async with await _client(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == ("ok" if app.state.settings.redis_url else "not configured")
    version = app.state.runtime.answers.retriever.index.version
    assert body["checks"]["index"] == f"ok {version}"
    assert body["checks"]["outbox"] == "ok"


async def test_readyz_names_a_missing_index(app: Any) -> None:
    app.state.runtime.answers = None
    async with await _client(app) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert "no search index loaded" in ready.json()["checks"]["index"]
    assert ready.json()["checks"]["database"] == "ok"


async def test_readyz_names_an_unreachable_database_and_redis(tmp_path: Path, answers: Any) -> None:
    # Nothing listens on port 1: both backends refuse at once, as when their container is down.
    settings = make_settings(tmp_path, redis_url="redis://127.0.0.1:1/0")
    async with running_app(settings, answers) as running:
        healthy_db = running.state.runtime.db
        running.state.runtime.db = Database("postgresql+asyncpg://fairbot:pw@127.0.0.1:1/fairbot")
        try:
            async with await _client(running) as client:
                ready = await client.get("/readyz")
                alive = await client.get("/healthz")
        finally:
            await running.state.runtime.db.dispose()
            running.state.runtime.db = healthy_db
    assert alive.status_code == 200  # alive, just not ready: no reason to restart the process
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"].startswith("database unavailable")
    assert checks["redis"].startswith("redis unavailable")
    assert "pw" not in ready.text  # reasons never carry the URL's password


async def _stuck_outbox_row(db: Database, age_seconds: float) -> None:
    """A due Telegram call whose lease another (hung) replica still holds, so nobody sends it."""
    now = utcnow()
    async with db.transaction() as session:
        person = Person(channel="telegram", external_id=f"4711{age_seconds:.0f}")
        session.add(person)
        await session.flush()
        session.add(
            OutboxItem(
                channel="telegram",
                chat_id="4711",
                payload={"chat_id": "4711", "text": "x"},
                person_id=person.id,
                status="pending",
                next_attempt_at=now - dt.timedelta(seconds=age_seconds),
                lease_until=now + dt.timedelta(hours=1),
            )
        )


async def test_readyz_reports_a_stuck_outbox(app: Any) -> None:
    db = app.state.runtime.db
    await _stuck_outbox_row(db, age_seconds=60)  # due for a minute: still within the 300 s limit
    async with await _client(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        await _stuck_outbox_row(db, age_seconds=400)
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["outbox"].startswith("outbox stuck: a Telegram call has waited 4")


async def test_metrics_need_the_token(app: Any) -> None:
    async with await _client(app) as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})).status_code == 401


async def test_metrics_are_off_without_a_token(tmp_path: Path, answers: Any) -> None:
    async with running_app(make_settings(tmp_path), answers) as running, await _client(running) as client:
        response = await client.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_show_the_shared_state(app: Any) -> None:
    db = app.state.runtime.db
    waiting_since = utcnow() - dt.timedelta(minutes=10)
    async with db.transaction() as session:
        for number in range(3):
            person = Person(channel="web", external_id=f"w{number}")
            session.add(person)
            await session.flush()
            session.add(Conversation(person_id=person.id, state="waiting", region="ni", waiting_since=waiting_since))
    await _stuck_outbox_row(db, age_seconds=30)
    async with await _client(app) as client:
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    assert samples[("fairbot_queue_length", (("region", "ni"),))] == 3
    assert 590 <= samples[("fairbot_queue_oldest_wait_seconds", ())] <= 700
    assert samples[("fairbot_outbox_pending", ())] == 1
    assert 29 <= samples[("fairbot_outbox_oldest_due_seconds", ())] <= 90
    version = app.state.runtime.answers.retriever.index.version
    assert samples[("fairbot_index_info", (("version", version),))] == 1
    assert samples[("fairbot_index_built_timestamp_seconds", ())] > dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
    assert ("process_resident_memory_bytes", ()) in samples
