"""An emergency outside opening hours must reach someone (issue 15, blocker 3).

The person reads the numbers again under "an advisor will answer from …", in their language; in the
web chat every number is a tel: link a phone dials with one tap.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import events
from bot.console.sanitizer import sanitize_telegram_html
from bot.locales import t
from bot.services.channels import WebChatSender
from bot.services.conversations import ConversationService, ReplyCache
from bot.services.handoff import OpeningHours
from bot.services.helplines import danger_note, dialable
from bot.storage.db import Database
from bot.storage.models import Handoff, Message
from tests.e2e.harness import answer_service

NEVER_OPEN = "Su 03:00-03:01"  # closed at any time a test runs, but for one minute a week

EMERGENCIES = {
    "de": "Mein Chef hat mich geschlagen und in einem Zimmer eingesperrt",
    "en": "My boss hits me and locked me in the room",
    "ar": "صاحب العمل ضربني وحبسني في غرفة",
    "fa": "کارفرما مرا کتک زد و در اتاق زندانی کرده است",
    "ru": "Начальник избил меня и запер в комнате",
    "uk": "Начальник побив мене і замкнув у кімнаті",
    "tr": "Patronum beni dövdü ve bir odaya kilitledi",
    "fr": "Mon patron m'a frappé et m'a enfermé dans une pièce",
}


def closed_service(db: Database) -> ConversationService:
    bus = events.MemoryEventBus()
    return ConversationService(
        db,
        answer_service(),
        bus,
        {"web": WebChatSender(bus)},
        opening_hours=OpeningHours.parse(NEVER_OPEN),
        reply_cache=ReplyCache(),
    )


async def _emergency_queued(service: ConversationService, person: str, text: str, lang: str) -> tuple[int, str]:
    """The person writes `text`, says yes to the handover; the conversation id and the waiting message."""
    result = await service.handle_incoming("web", person, text, lang)
    assert result.action == "emergency", (lang, result.action)
    async with service.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == result.conversation_id))
        assert handoff is not None
    await service.handle_action("web", person, f"consent:{handoff.id}:y", lang)
    async with service.db.session() as session:
        waiting = await session.scalar(
            select(Message.text)
            .where(Message.conversation_id == result.conversation_id, Message.action == "handoff")
            .order_by(Message.id.desc())
        )
    assert waiting is not None
    return result.conversation_id, waiting


@pytest.mark.parametrize("lang", list(EMERGENCIES))
async def test_the_waiting_message_repeats_the_numbers_in_every_language(db: Database, lang: str) -> None:
    service = closed_service(db)
    _conversation_id, waiting = await _emergency_queued(service, f"night-{lang}", EMERGENCIES[lang], lang)
    assert t("handoff_queued_closed", lang).split("{")[0] in waiting  # "… will answer from <next opening>"
    assert t("handoff_numbers_lead", lang) in waiting
    tail = waiting[waiting.index(t("handoff_numbers_lead", lang)) :]
    assert "110" in tail and "112" in tail  # the last thing the person reads reaches someone now
    shown = str(sanitize_telegram_html(dialable(waiting)))  # as the web chat shows it
    assert 'href="tel:110"' in shown and 'href="tel:112"' in shown


async def test_suicidal_thoughts_repeat_the_telefonseelsorge_numbers(db: Database) -> None:
    service = closed_service(db)
    text = "ich will nicht mehr leben, es hat alles keinen sinn mehr"
    _conversation_id, waiting = await _emergency_queued(service, "night-suicide", text, "de")
    tail = waiting[waiting.index(t("handoff_numbers_lead", "de")) :]
    assert "0800 111 0 111" in tail and "0800 111 0 222" in tail
    shown = str(sanitize_telegram_html(dialable(waiting)))
    assert 'href="tel:08001110111"' in shown and 'href="tel:08001110222"' in shown


def test_only_the_help_line_phrases_become_links() -> None:
    """ "§ 112" or "112 €" in an answer is no phone number; the numbers of the help-line phrases are."""
    answer = "Nach § 112 SGB sind 110 € zu zahlen."
    assert dialable(answer) == answer
    for lang in EMERGENCIES:
        linked = dialable(danger_note(None, lang))  # as it stands above an answer in the middle band
        assert '<a href="tel:110">110</a>' in linked and '<a href="tel:112">112</a>' in linked, lang


def test_tel_links_survive_the_sanitizer_and_open_in_place() -> None:
    shown = str(sanitize_telegram_html(dialable("• " + t("emergency_women", "ar"))))
    assert '<a href="tel:116016"' in shown and "target" not in shown
