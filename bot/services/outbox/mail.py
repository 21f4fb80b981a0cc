"""E-mail through the outbox: rows of channel "email" sent by SMTP, with the same lease, retry and order rules.

Why the outbox and not a direct send: an on-call alert must survive a restart or a mail server that is
down for an hour, and must go out once. The row is written in the transaction that queues the
emergency; this loop (the outbox's delivery loop with its own channel) sends it and records the result.
smtplib runs in a worker thread: one alert now and then needs no async SMTP client.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from bot.config import Settings
from bot.services.outbox.delivery import TelegramOutbox
from bot.services.outbox.sender import PermanentFailure, RetryLater
from bot.storage.db import Database

CHANNEL = "email"
METHOD = "sendMail"


def mail_payload(to: str, subject: str, body: str) -> dict[str, Any]:
    """What an e-mail row stores: recipient, subject and plain text (no personal data goes into an alert)."""
    return {"to": to, "subject": subject, "body": body}


class SmtpSender:
    """One e-mail per call; SMTP replies map to the outbox's rules (5xx final, anything else retried)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.security = settings.smtp_security
        self.username = settings.smtp_username
        self.password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        self.sender = settings.smtp_from or f"fairbot@{settings.smtp_host}"
        self.timeout = settings.smtp_timeout_seconds

    async def __call__(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method != METHOD:
            raise PermanentFailure(f"unknown e-mail method {method!r}")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = payload["to"]
        message["Subject"] = payload["subject"]
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(payload["body"])
        try:
            await asyncio.to_thread(self._send, message)
        except smtplib.SMTPResponseException as exc:
            reason = f"SMTP {exc.smtp_code}"
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(reason) from exc
            raise RetryLater(None, reason) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure("SMTP recipient refused") from exc
        except (smtplib.SMTPException, OSError) as exc:  # connection refused, timeout, TLS trouble
            raise RetryLater(None, type(exc).__name__) from exc
        return {"message_id": message["Message-ID"]}

    def _send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def mail_outbox(db: Database, settings: Settings) -> TelegramOutbox:
    """The delivery loop for e-mail rows; without SMTP_HOST the rows wait (logged) until one is configured."""
    sender = SmtpSender(settings) if settings.smtp_host else None
    return TelegramOutbox(
        db,
        sender,
        channel=CHANNEL,
        lease_seconds=settings.fairbot_outbox_lease_seconds,
        max_delay=300.0,
        concurrency=4,
    )
