"""The on-call alert (issue 15, blocker 3): an emergency waiting outside opening hours reaches someone.

The real app against the loopback Bot API emulator, whose supergroup stands for the on-call advisors'
Telegram group, and a real SMTP server (aiosmtpd) on loopback for the e-mail. The alert says what kind
of emergency waits and where the console is, nothing about the person, and is sent exactly once, also
when it was written by a process that stopped before it could send.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.locales import t
from bot.services.oncall import alert_text
from bot.storage.models import Handoff, OutboxItem
from tests.e2e.harness import free_port, make_settings, running_app
from tests.emulator import DEFAULT_TOKEN, Emulator

WAIT = 20.0
NEVER_OPEN = "Su 03:00-03:01"  # the profile's opening hours: closed whenever a test runs, but one minute a week
CONSOLE = "https://beratung.example.org"
GROUP = -1001234567890
EMERGENCY_FA = "کارفرما مرا کتک زد و در اتاق زندانی کرده است"


def _profile(data_dir: Path, **fields: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    body = "".join(f'{name}: "{value}"\n' for name, value in fields.items())
    (data_dir / "service-profile.yaml").write_text(body, encoding="utf-8")


async def _outbox_rows(app: Any, channel: str) -> list[OutboxItem]:
    async with app.state.runtime.db.session() as session:
        query = select(OutboxItem).where(OutboxItem.channel == channel, OutboxItem.message_id.is_(None))
        return list((await session.scalars(query)).all())


async def _web_emergency(app: Any, person: str) -> None:
    """A person in the web chat writes an emergency at night and agrees to the handover."""
    conversations = app.state.runtime.conversations
    result = await conversations.handle_incoming("web", person, EMERGENCY_FA, "fa")
    assert result.action == "emergency"
    async with app.state.runtime.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == result.conversation_id))
    assert handoff is not None
    await conversations.handle_action("web", person, f"consent:{handoff.id}:y", "fa")


async def test_a_telegram_emergency_at_night_alerts_the_oncall_group_once(
    telegram_emulator: Emulator, tmp_path: Path, answers: Any
) -> None:
    emu = telegram_emulator
    group = emu.add_group("Bereitschaft", chat_id=GROUP)
    _profile(tmp_path, oncall_telegram_chat_id=str(GROUP), opening_hours=NEVER_OPEN)
    settings = make_settings(
        tmp_path,
        telegram_bot_token=DEFAULT_TOKEN,
        telegram_api_url=emu.base_url,
        fairbot_public_url=CONSOLE,
    )
    async with running_app(settings, answers):
        user = emu.add_user("Amir", "fa")
        await user.send(EMERGENCY_FA)
        _numbers, consent = await emu.wait_for_messages(user, 2, WAIT)
        await user.press(data=consent.callback_data[0])  # yes, share
        waiting = await emu.wait_for_reply(user, WAIT)
        # in Telegram too, the waiting message ends with the numbers that reach someone now
        tail = waiting.text[waiting.text.index(t("handoff_numbers_lead", "fa")) :]
        assert "110" in tail and "112" in tail

        alert = await emu.wait_for(lambda: group.messages[0] if group.messages else None, WAIT, "the alert")
        assert alert.text == alert_text("violence", CONSOLE).text
        assert f"{CONSOLE}/console/inbox" in alert.text
        for private in ("Amir", EMERGENCY_FA, str(user.id)):
            assert private not in alert.text
        await asyncio.sleep(5)  # two sweeps later: still one alert
        assert len(group.messages) == 1
        assert [row.status for row in await _outbox_rows_of(emu, settings)] == ["sent"]


async def _outbox_rows_of(_emu: Emulator, settings: Any) -> list[OutboxItem]:
    from bot.storage.db import Database

    db = Database(settings.effective_database_url)
    try:
        async with db.session() as session:
            query = select(OutboxItem).where(OutboxItem.message_id.is_(None), OutboxItem.chat_id == str(GROUP))
            return list((await session.scalars(query)).all())
    finally:
        await db.dispose()


async def test_an_alert_written_before_a_restart_is_sent_once_after_it(
    telegram_emulator: Emulator, tmp_path: Path, answers: Any
) -> None:
    """Written by a process without the bot (or that died), the alert waits in the table for the next one."""
    emu = telegram_emulator
    group = emu.add_group("Bereitschaft", chat_id=GROUP)
    _profile(tmp_path, oncall_telegram_chat_id=str(GROUP), opening_hours=NEVER_OPEN)
    before = make_settings(tmp_path, fairbot_public_url=CONSOLE)
    async with running_app(before, answers) as app:
        await _web_emergency(app, "night-web")
        for _ in range(100):
            rows = await _outbox_rows(app, "telegram")
            if rows and rows[0].last_error:
                break
            await asyncio.sleep(0.1)
        assert [(r.status, r.chat_id) for r in rows] == [("pending", str(GROUP))]
        # an hour later the process is restarted with the bot: make the waiting row due now
        async with app.state.runtime.db.transaction() as session:
            await session.execute(update(OutboxItem).values(next_attempt_at=OutboxItem.created_at))
    after = make_settings(
        tmp_path,
        telegram_bot_token=DEFAULT_TOKEN,
        telegram_api_url=emu.base_url,
        fairbot_public_url=CONSOLE,
    )
    async with running_app(after, answers) as app:
        alert = await emu.wait_for(lambda: group.messages[0] if group.messages else None, WAIT, "the alert")
        assert alert.text == alert_text("violence", CONSOLE).text
        await asyncio.sleep(5)
        assert len(group.messages) == 1
        assert [r.status for r in await _outbox_rows(app, "telegram")] == ["sent"]


class _Inbox:
    """An aiosmtpd handler that keeps what it received."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


async def test_an_emergency_at_night_is_mailed_to_the_oncall_address_once(
    tmp_path: Path, answers: Any, smtp_server: tuple[int, _Inbox]
) -> None:
    port, inbox = smtp_server
    _profile(tmp_path, oncall_email="bereitschaft@example.org", opening_hours=NEVER_OPEN)
    settings = make_settings(
        tmp_path,
        fairbot_public_url=CONSOLE,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_from="fairbot@example.org",
    )
    async with running_app(settings, answers) as app:
        await _web_emergency(app, "night-mail")
        for _ in range(200):
            if inbox.messages:
                break
            await asyncio.sleep(0.05)
        assert len(inbox.messages) == 1, "no e-mail arrived"
        mail = inbox.messages[0]
        expected = alert_text("violence", CONSOLE)
        assert inbox.recipients == [["bereitschaft@example.org"]]
        assert mail["Subject"] == expected.subject and mail["From"] == "fairbot@example.org"
        body = mail.get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends
        assert body.strip() == expected.text and EMERGENCY_FA not in body and "night-mail" not in body
        await asyncio.sleep(5)
        assert len(inbox.messages) == 1
        assert [r.status for r in await _outbox_rows(app, "email")] == ["sent"]


async def test_no_alert_while_the_centre_is_open(tmp_path: Path, answers: Any, smtp_server: tuple[int, _Inbox]) -> None:
    """During opening hours the advisors watch the live queue: nobody is woken up."""
    port, inbox = smtp_server
    _profile(tmp_path, oncall_email="bereitschaft@example.org", oncall_telegram_chat_id=str(GROUP))
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    async with running_app(settings, answers) as app:  # the harness is open around the clock
        await _web_emergency(app, "day-web")
        await asyncio.sleep(3)
        assert await _outbox_rows(app, "telegram") == [] and await _outbox_rows(app, "email") == []
        assert inbox.messages == []


async def test_an_alert_nobody_can_receive_is_logged(
    tmp_path: Path, answers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """An e-mail target without SMTP_HOST waits in the outbox, and the log names the missing setting."""
    _profile(tmp_path, oncall_email="bereitschaft@example.org", opening_hours=NEVER_OPEN)
    async with running_app(make_settings(tmp_path), answers) as app:
        with caplog.at_level(logging.WARNING, logger="bot.services.oncall"):
            await _web_emergency(app, "night-nosmtp")
        assert [r.status for r in await _outbox_rows(app, "email")] == ["pending"]
    assert "oncall_email_without_smtp" in [r.getMessage() for r in caplog.records]
