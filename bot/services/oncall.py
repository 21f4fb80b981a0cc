"""The on-call alert: an emergency that waits outside opening hours is reported to the on-call advisors.

Why: at night the queue is watched by nobody, and the person has been told only that an advisor answers
in the morning. The alert goes to the Telegram group and/or the e-mail address of the service profile
(`oncall_telegram_chat_id`, `oncall_email`) and says only that an emergency of which kind waits, with
the console's address: no name, no message, no conversation number, since a group chat or a mailbox is no
place for anything about a person. Each alert is a row of the outbox written in the transaction that
queues the emergency, so it is sent once, after a restart too, and never for a rolled-back handover.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import mail
from bot.services.outbox.store import stage_call
from bot.services.service_profile import ServiceProfile

log = logging.getLogger(__name__)
SUBTYPES = frozenset({"violence", "trafficking", "medical", "suicide", "sexual", "child"})


@dataclass(frozen=True)
class Alert:
    subject: str
    text: str


def alert_text(subtype: str | None, console_url: str) -> Alert:
    """German for the centre's staff, English beside it; the sub-type is a code from a fixed list."""
    kind = subtype if subtype in SUBTYPES else "unknown"
    url = f"{console_url}/console/inbox"
    subject = f"Notfall wartet / Emergency waiting ({kind})"
    text = (
        f"Notfall wartet ({kind}), bitte die Konsole öffnen: {url}\nEmergency waiting ({kind}), open the console: {url}"
    )
    return Alert(subject, text)


class OnCallAlert:
    """Stages the alert rows; the outbox's delivery loops (Telegram, e-mail) send them."""

    def __init__(self, profile: Callable[[], ServiceProfile], console_url: str, *, mail_configured: bool) -> None:
        self.profile = profile  # read at each alert: a console edit counts from the next emergency on
        self.console_url = console_url
        self.mail_configured = mail_configured  # SMTP_HOST is set

    async def stage(self, session: AsyncSession, subtype: str | None) -> list[str]:
        """Write one row per configured target in the caller's transaction; the channels alerted."""
        profile = self.profile()
        alert = alert_text(subtype, self.console_url)
        channels = []
        if profile.oncall_telegram_chat_id:
            chat_id = profile.oncall_telegram_chat_id
            payload = {"chat_id": chat_id, "text": alert.text, "link_preview_options": {"is_disabled": True}}
            await stage_call(session, "telegram", chat_id, "sendMessage", payload)
            channels.append("telegram")
        if profile.oncall_email:
            payload = mail.mail_payload(profile.oncall_email, alert.subject, alert.text)
            await stage_call(session, mail.CHANNEL, profile.oncall_email, mail.METHOD, payload)
            channels.append(mail.CHANNEL)
            if not self.mail_configured:  # the row waits in the outbox until SMTP_HOST is set
                log.warning("oncall_email_without_smtp", extra={"setting": "SMTP_HOST"})
        if not channels:
            log.warning("oncall_not_configured", extra={"fields": "oncall_telegram_chat_id, oncall_email"})
        return channels
