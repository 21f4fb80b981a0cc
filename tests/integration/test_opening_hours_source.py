"""Opening hours have one source: the service profile (issue 14).

Why: the profile's hours are what people read in the about answer, and FAIRBOT_OPENING_HOURS drove the
queue's clock ("somebody answers from …"); two settings could tell a person two different things. Now
the profile drives both, re-read at each handover so an admin's edit applies at once, and the old
variable is only a deprecated fallback that says so in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import events
from bot.config import Settings
from bot.locales import t
from bot.services.channels import WebChatSender
from bot.services.contact import localized_hours
from bot.services.conversations import ConversationService, ReplyCache
from bot.services.service_profile import DEFAULT_HOURS, ProfileError, ServiceProfileStore
from bot.storage.db import Database
from bot.storage.models import Handoff, Message
from tests.e2e.harness import answer_service

ALWAYS = "Mo-Su 00:00-23:59"
NEVER = "Su 03:00-03:01"  # closed at any time a test runs, but for one minute a week


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.delenv("FAIRBOT_SERVICE_OPENING_HOURS", raising=False)
    monkeypatch.delenv("FAIRBOT_OPENING_HOURS", raising=False)


def _store(tmp_path: Path, legacy: str | None = None) -> ServiceProfileStore:
    settings = Settings(_env_file=None, fairbot_data_dir=tmp_path, fairbot_opening_hours=legacy)  # type: ignore[call-arg]
    return ServiceProfileStore(settings)


def _profile(tmp_path: Path, hours: str) -> None:
    (tmp_path / "service-profile.yaml").write_text(f"opening_hours: '{hours}'\n", encoding="utf-8")


def test_the_profile_wins_and_the_old_variable_is_a_logged_fallback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.services.service_profile")
    assert _store(tmp_path).opening_hours().spec == DEFAULT_HOURS
    assert "opening_hours_unset" in caplog.messages

    caplog.clear()
    store = _store(tmp_path, legacy=ALWAYS)
    assert store.opening_hours().spec == ALWAYS  # nothing in the profile: the deprecated variable
    assert "opening_hours_deprecated_setting" in caplog.messages
    caplog.clear()
    store.opening_hours()
    assert caplog.messages == []  # said once, not at every handover

    _profile(tmp_path, "Mo-Do 09:00-16:00, Fr 09:00-13:00")  # as the example profile writes it
    hours = store.opening_hours()
    assert hours.spec == "Mo-Do 09:00-16:00, Fr 09:00-13:00" and len(hours.slots) == 5
    assert "opening_hours_setting_ignored" in caplog.messages


def test_hours_the_clock_cannot_read_are_refused_in_the_console_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)
    for bad in ("Mo-Fr 9 bis 17 Uhr", "weekdays", "Mo-Fr 09:00-25:00"):
        with pytest.raises(ProfileError, match="opening_hours"):
            store.parse({"opening_hours": bad})
    assert store.parse({"opening_hours": "Mo-Fr 09:00-17:00; Sa 10:00-12:00"}).opening_hours
    monkeypatch.setenv("FAIRBOT_SERVICE_OPENING_HOURS", ALWAYS)  # the profile's own override
    _profile(tmp_path, NEVER)
    assert _store(tmp_path, legacy="Mo 08:00-09:00").opening_hours().spec == ALWAYS


async def _waiting_text(service: ConversationService, person: str) -> str:
    await service.request_advisor("web", person, "en")
    async with service.db.session() as session:
        handoff = await session.scalar(select(Handoff).order_by(Handoff.id.desc()))
        assert handoff is not None
    await service.handle_action("web", person, f"consent:{handoff.id}:y", "en")
    async with service.db.session() as session:
        text = await session.scalar(select(Message.text).where(Message.action == "handoff").order_by(Message.id.desc()))
    assert text is not None
    return text


async def test_an_admin_edit_of_the_profile_moves_the_queue_clock_at_once(db: Database, tmp_path: Path) -> None:
    store = _store(tmp_path, legacy=ALWAYS)
    _profile(tmp_path, NEVER)
    bus = events.MemoryEventBus()
    service = ConversationService(
        db,
        answer_service(),
        bus,
        {"web": WebChatSender(bus)},
        opening_hours=store.opening_hours,
        reply_cache=ReplyCache(),
    )
    closed = await _waiting_text(service, "hours-1")
    # shown as the profile writes them, the weekdays in the person's language (bot/services/contact.py)
    assert t("handoff_queued_closed", "en").split("{")[0] in closed and localized_hours(NEVER, "en") in closed
    _profile(tmp_path, ALWAYS + " ")  # edited in the console while the process runs
    opened = await _waiting_text(service, "hours-2")
    assert t("handoff_queued_open", "en").split("{")[0] in opened and localized_hours(ALWAYS, "en") in opened
