"""A letter uploaded in the web chat, over HTTP like the page's own form: read and explained in Turkish, its
calculator opened with the letter's date, kept only after 📎; and the upload's size and type limits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.services.conversations.letters import LETTER_KIND
from bot.services.letters import MAX_BYTES
from bot.storage.models import Message
from tests import backend
from tests.e2e.harness import answer_service, make_settings, running_app
from tests.letter_samples import FONTS, render

pytestmark = pytest.mark.tesseract
CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"|name="csrf_token" value="([^"]+)"')
BUTTON = re.compile(r'data-action="([a-z]+:[^"]*)">([^<]+)</button>')


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, fairbot_secret_key="web-chat-test-secret", throttle_messages=1000)
    async with running_app(settings, answer_service()) as running:
        yield running


def _buttons(page: str) -> dict[str, str]:
    return {label.strip(): data for data, label in BUTTON.findall(page)}


async def _letters(app: Any) -> list[Message]:
    async with app.state.runtime.db.session() as session:
        return list(await session.scalars(select(Message).where(Message.kind == LETTER_KIND)))


async def test_a_payslip_and_a_bescheid_in_the_web_chat_in_turkish(app: Any) -> None:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as visitor:
        opened = await visitor.get("/chat?lang=tr")
        assert 'data-testid="chat-letter-form"' in opened.text and "Mektup gönder" in opened.text
        found = CSRF.search(opened.text)
        assert found is not None
        form = {"csrf_token": found.group(1) or found.group(2)}

        letter = render("employment_agency", font=FONTS[3], look="phone", seed=4, fmt="JPEG")
        sent = await visitor.post(
            "/chat/letter?lang=tr", data=form, files={"file": ("brief.jpg", letter, "image/jpeg")}
        )
        assert sent.status_code == 200
        page = (await visitor.get("/chat?lang=tr")).text
        assert "Agentur für Arbeit" in page and "06.11.2026" in page and "Şimdi ne yapmalı" in page
        buttons = _buttons(page)
        assert {"📅 Ne zaman aldım?", "📎 Danışman için sakla"} <= set(buttons)
        assert [m.text for m in await _letters(app) if m.attachment] == []  # nothing kept yet

        await visitor.post("/chat/action", data={**form, "data": buttons["📅 Ne zaman aldım?"]})
        asked = _buttons((await visitor.get("/chat?lang=tr")).text)
        first = next(label for label in asked if "mektubun tarihi" in label)
        await visitor.post("/chat/action", data={**form, "data": asked[first]})
        result = (await visitor.get("/chat?lang=tr")).text
        assert "§ 84 SGG" in result and "07.12.2026" in result  # 6.12.2026 is a Sunday

        await visitor.post("/chat/action", data={**form, "data": buttons["📎 Danışman için sakla"]})
        [kept] = [m for m in await _letters(app) if m.attachment]
        assert kept.attachment is not None and kept.attachment["letter"]["kind"] == "employment_agency"
        assert "Arbeitslosengeld" in kept.text


async def test_the_upload_refuses_what_is_no_letter_and_what_is_too_large(app: Any) -> None:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.11", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as visitor:
        found = CSRF.search((await visitor.get("/chat?lang=de")).text)
        assert found is not None
        form = {"csrf_token": found.group(1) or found.group(2)}
        program = b"MZ\x90\x00" + b"\x00" * 100
        await visitor.post("/chat/letter?lang=de", data=form, files={"file": ("brief.jpg", program, "image/jpeg")})
        assert "JPEG, PNG, WebP" in (await visitor.get("/chat?lang=de")).text
        big = b"\xff\xd8\xff" + b"\x00" * (MAX_BYTES + 10)
        await visitor.post("/chat/letter?lang=de", data=form, files={"file": ("brief.jpg", big, "image/jpeg")})
        assert "höchstens 10 MB" in (await visitor.get("/chat?lang=de")).text
        no_token = await visitor.post("/chat/letter", files={"file": ("brief.jpg", b"\xff\xd8\xff", "image/jpeg")})
        assert no_token.status_code == 403
    assert await _letters(app) and not [m for m in await _letters(app) if m.attachment]


async def test_the_advisor_sees_the_kept_letter_in_the_handover_packet(app: Any) -> None:
    from bot.services import accounts
    from bot.services.conversations.buttons import Letter
    from bot.storage.models import Handoff

    core = app.state.runtime.conversations
    letter = render("immigration_office", font=FONTS[2], look="scan", seed=2)
    read = await core.read_letter("web", "letter-person", letter, "ar")
    assert read is not None
    await core.handle_action("web", "letter-person", Letter(action="keep").pack(), "ar")
    await core.handle_action("web", "letter-person", "adv:request", "ar")
    async with app.state.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == read.conversation_id))
    assert handoff is not None
    await core.handle_action("web", "letter-person", f"consent:{handoff.id}:y", "ar")

    async with app.state.runtime.db.transaction() as session:
        await accounts.create_account(
            session, username="carla", password="correct-horse-battery-staple", role="advisor", region="ni"
        )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client:
        found = CSRF.search((await client.get("/console/login")).text)
        assert found is not None
        data = {"username": "carla", "password": "correct-horse-battery-staple", "csrf_token": found.group(1) or ""}
        assert (await client.post("/console/login", data=data)).status_code == 303
        page = (await client.get(f"/console/conversations/{read.conversation_id}")).text
    assert 'data-testid="letter" data-kind="immigration_office"' in page
    assert 'src="data:image/jpeg;base64,/9j/' in page and "Ausländerbehörde" in page
    assert "Verwaltungsgericht Hannover" in page  # the text read, under the image


async def test_a_kept_letter_is_purged_with_its_conversation(app: Any) -> None:
    import datetime as dt

    from bot.services import retention
    from bot.services.conversations.buttons import Letter

    core = app.state.runtime.conversations
    read = await core.read_letter("web", "purged-person", render("payslip", font=FONTS[0]), "ru")
    assert read is not None
    await core.handle_action("web", "purged-person", Letter(action="keep").pack(), "ru")
    assert [m for m in await _letters(app) if m.attachment]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    await retention.purge(app.state.runtime.db, 180, now=later, bus=app.state.runtime.bus)
    assert await _letters(app) == []


@pytest.mark.redis
async def test_the_keep_tap_on_another_replica_finds_the_letter_and_an_erasure_anywhere_drops_it(
    tmp_path: Path,
) -> None:
    """Replicas behind a proxy: the upload reaches one, the 📎 tap another. The letter waits in the shared
    Redis (never in the database before the tap), and /delete on any replica removes a waiting one."""
    from bot.services.conversations.buttons import Letter
    from tests.required import REDIS_URL

    shared = {"database_url": backend.database_url(tmp_path, "shared.db"), "redis_url": REDIS_URL}
    one, two = (
        make_settings(tmp_path / name, fairbot_secret_key="replica-secret-key", throttle_messages=1000, **shared)
        for name in ("a", "b")
    )
    answers = answer_service()
    keep = Letter(action="keep").pack()
    async with running_app(one, answers) as a, running_app(two, answers) as b:
        on_a, on_b = a.state.runtime.conversations, b.state.runtime.conversations
        await on_a.read_letter("web", "two-replicas", render("payslip", font=FONTS[0]), "uk")
        assert not [m for m in await _letters(a) if m.attachment]  # waiting, not stored
        await on_b.handle_action("web", "two-replicas", keep, "uk")
        [kept] = [m for m in await _letters(b) if m.attachment]
        assert kept.attachment is not None and kept.attachment["letter"]["kind"] == "payslip"

        await on_a.read_letter("web", "erased-person", render("payslip", font=FONTS[1]), "uk")
        await on_b.privacy_service.erase("web", "erased-person", "uk")
        await on_a.handle_action("web", "erased-person", keep, "uk")  # the tap after the erasure, on A
        assert [m.conversation_id for m in await _letters(a) if m.attachment] == [kept.conversation_id]
