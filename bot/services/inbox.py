"""The advisor inbox's use cases: who may see which conversation, the queue, the conversation page
(transcript, notes, packet, deadlines, history, canned replies, colleagues), and the audited actions
claim, reply, note, transfer and close, each checked against the advisor's visibility first.

Visibility (`bot.services.visibility`): an advisor sees the waiting queue of their own region
(conversations handed over to the team) and the conversations assigned to them; a team lead also
reads, never writes in, the colleagues' conversations of the region; admins see what the person
agreed to hand over. Every opening of a transcript is written to the audit log before it is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.errors import FairbotError, InvalidInput, NotFound
from bot.services import accounts, reminders, team
from bot.services.deadlines import BERLIN, deadlines_for
from bot.services.editorial.canned import canned_for_conversation
from bot.services.packet_view import topic_lines, trigger_message
from bot.services.redaction import redact
from bot.services.unread import unread_counts
from bot.services.visibility import ReadOnly, can_act, can_see, read_only
from bot.storage.db import Database
from bot.storage.models import STATE_HUMAN, Account, Conversation, Message

if TYPE_CHECKING:
    from bot.services.conversations import ConversationService

OUTCOMES = ("answered", "referred", "appointment", "no_response", "not_our_mandate", "other")


class NotVisible(NotFound):
    """The conversation does not exist or is not this advisor's to see; both look the same from outside."""

    code = "not_visible"


class ReasonRequired(FairbotError):
    """An admin opens a conversation that was never handed over: only with a reason, written to the audit log."""

    code = "reason_required"


MIN_REASON = 10  # characters: "check" is not a reason
MAX_TRANSFER_NOTE = 1000  # characters: a hand-over note, not a second transcript

__all__ = ["MIN_REASON", "OUTCOMES", "Inbox", "NotVisible", "ReasonRequired", "can_see", "letter_view"]


@dataclass
class Inbox:
    """One advisor's view of the conversation core; built per request from the app's services."""

    conversations: ConversationService
    db: Database
    # the service profile's values for the canned replies' fields ({service.phone}); none: lines left out
    service_values: Callable[[], dict[str, str]] | None = None

    # ------------------------------------------------------------------ reading
    async def queue_page(self, account: Account, seen: Mapping[int, int] | None = None) -> dict[str, Any]:
        """The waiting queue of the advisor's region and their own conversations, with what is unread in
        each of their own (`seen`: the newest message id this advisor's browser showed, per conversation)."""
        view = await self.conversations.queue(account.region, account.id)
        async with self.db.session() as session:
            unread = await unread_counts(session, [item.conversation_id for item in view.mine], seen or {})
        return {
            "waiting": view.waiting,
            "mine": view.mine,
            "unread": unread,
            "unread_total": sum(unread.values()),
            "now": dt.datetime.now(dt.UTC),
        }

    async def visible(self, account: Account, conversation_id: int, *, reasoned: bool = False) -> Conversation:
        """The conversation if this advisor may see it; `NotVisible` otherwise (also for a wrong id).

        `reasoned`: an admin already gave (and the audit log holds) a reason for this conversation.
        """
        try:
            conversation = await self.conversations.get_conversation(conversation_id)
        except FairbotError:
            raise NotVisible("this conversation does not exist or is not yours to see") from None
        if not can_see(account, conversation) and not (account.role == "admin" and reasoned):
            raise NotVisible("this conversation does not exist or is not yours to see")
        return conversation

    async def open_conversation(
        self, account: Account, conversation_id: int, *, reason: str | None = None, reasoned: bool = False
    ) -> dict[str, Any]:
        """The conversation page; the opening is written to the audit log before anything is shown.

        An admin opening a conversation without the person's consent to a hand-over must give a reason
        (`ReasonRequired` until then); it is audited with the opening.
        """
        try:
            conversation = await self.conversations.get_conversation(conversation_id)
        except FairbotError:
            raise NotVisible("this conversation does not exist or is not yours to see") from None
        detail: dict[str, Any] = {}
        if account.role == "admin" and not can_see(account, conversation) and not reasoned:
            reason = (reason or "").strip()
            if len(reason) < MIN_REASON:
                raise ReasonRequired("this conversation was never handed over: say why you open it")
            # redacted on the way in, and blanked when the conversation is erased (accounts.forget_reasons)
            detail = {"without_consent": True, "reason": redact(reason)[:500]}
        elif not can_see(account, conversation) and not (account.role == "admin" and reasoned):
            raise NotVisible("this conversation does not exist or is not yours to see")
        elif read_only(account, conversation):
            detail = {"read_only": True}  # a team lead reading a colleague's conversation
        async with self.db.transaction() as session:
            await accounts.audit(
                session,
                account.id,
                "transcript.open",
                "conversation",
                conversation_id,
                region=conversation.region,
                **detail,
            )
        return await self.page(account, conversation)

    async def transcript(self, account: Account, conversation_id: int, *, reasoned: bool = False) -> dict[str, Any]:
        """The transcript fragment, re-fetched on every conversation event: each showing is audited too."""
        conversation = await self.visible(account, conversation_id, reasoned=reasoned)
        async with self.db.transaction() as session:
            await accounts.audit(
                session,
                account.id,
                "transcript.refresh",
                "conversation",
                conversation_id,
                region=conversation.region,
                read_only=True if read_only(account, conversation) else None,
            )
        return await self.page(account, conversation)

    async def page(self, account: Account, conversation: Conversation) -> dict[str, Any]:
        core = self.conversations
        messages = await core.transcript(conversation.id)
        notes = await core.notes(conversation.id)
        packet = await core.handoff_packet(conversation.id) or {}
        user_texts = [(m.text, m.created_at) for m in messages if m.author == "user" and m.text]
        today = dt.datetime.now(BERLIN).date()
        dates, deadlines = deadlines_for(user_texts, conversation.topic or packet.get("topic"), today)
        history = [c for c in await core.person_history(conversation.person_id) if c.id != conversation.id]
        replies = core.replies
        summary = topic_lines(
            messages,
            conversation.topic or packet.get("topic"),
            topic_of=replies.topic_of,
            entry_title=replies.entry_title,
        )
        lang = conversation.language or packet.get("language") or "de"
        async with self.db.session() as session:
            values = self.service_values() if self.service_values is not None else {}
            canned = await canned_for_conversation(session, lang, account.region, values)
            colleagues = await team.transfer_targets(session, conversation.region, exclude_id=account.id, language=lang)
            names = {a.id: a.display_name for a in await accounts.colleagues(session, conversation.region)}
            planned = await reminders.of_conversation(session, conversation.id)
        return {
            "conversation": conversation,
            "messages": messages,
            "notes": notes,
            "packet": packet,
            "dates": dates,
            "deadlines": deadlines,
            "trigger": trigger_message(messages, packet),  # the message that raised an emergency
            "summary_de": summary,  # one German line per topic, from the entries' reviewed titles
            # results of the guided calculators the person used (bot/services/conversations/calculators.py)
            "calculations": [m.attachment["calculation"] for m in messages if m.kind == "calculation" and m.attachment],
            # letters the person agreed to keep (bot/services/conversations/letters.py): reading, page, text
            "letters": [
                letter_view(m) for m in messages if m.kind == "letter" and m.attachment and "image" in m.attachment
            ],
            "history": history,
            "reminders": planned,  # deadline reminders the person agreed to (bot/services/reminders.py)
            "history_visible": {c.id: can_see(account, c) for c in history},
            "canned": canned,
            "colleagues": colleagues,
            "advisor_names": names,
            # "answered" only once somebody took the conversation (the core refuses it otherwise)
            "outcomes": OUTCOMES
            if conversation.state == STATE_HUMAN
            else tuple(o for o in OUTCOMES if o != "answered"),
            "is_mine": conversation.advisor_id == account.id and conversation.state == STATE_HUMAN,
            "read_only": read_only(account, conversation),
            "today": today,
        }

    # ------------------------------------------------------------------ acting
    async def claim(self, account: Account, conversation_id: int) -> Conversation:
        """Any advisor of the region may try; the core's atomic update decides who wins (`AlreadyClaimed`)."""
        try:
            conversation = await self.conversations.get_conversation(conversation_id)
        except FairbotError:
            raise NotVisible("this conversation does not exist") from None
        if account.role != "admin" and conversation.region != account.region:
            raise NotVisible("this conversation belongs to another counselling centre")
        return await self.conversations.claim(conversation_id, account.id)

    async def reply(self, account: Account, conversation_id: int, text: str, *, wait_delivery: float = 3.0) -> None:
        """Send the advisor's text to the person; the core refuses unless the conversation is assigned to them."""
        await self.conversations.advisor_reply(conversation_id, account.id, text, wait_delivery=wait_delivery)

    async def _writable(self, account: Account, conversation_id: int) -> Conversation:
        conversation = await self.visible(account, conversation_id)
        if not can_act(account, conversation):
            raise ReadOnly("you can read this colleague's conversation, not write in it")
        return conversation

    async def note(self, account: Account, conversation_id: int, text: str) -> None:
        await self._writable(account, conversation_id)
        await self.conversations.add_note(conversation_id, account.id, text)

    async def transfer(self, account: Account, conversation_id: int, to_advisor: int, note: str = "") -> None:
        """Hand a conversation to a colleague with a note for them; the person is told in their language.
        Audited. The one place where a transfer is checked: the core refuses unless the conversation is in
        the human state and assigned to `account`."""
        try:
            conversation = await self.conversations.get_conversation(conversation_id)
        except FairbotError:
            raise NotVisible("this conversation does not exist") from None
        note = (note or "").strip()
        if len(note) > MAX_TRANSFER_NOTE:
            raise InvalidInput(f"the note for the colleague is longer than {MAX_TRANSFER_NOTE} characters")
        if conversation.advisor_id == account.id:  # otherwise the core refuses (`NotAssigned`)
            async with self.db.session() as session:
                targets = await team.transfer_targets(session, conversation.region, exclude_id=account.id)
            if to_advisor not in {a.id for a in targets}:  # any other id would strand the conversation
                raise InvalidInput("choose an active advisor of this conversation's counselling centre")
        await self.conversations.transfer(conversation_id, account.id, to_advisor, note)
        async with self.db.transaction() as session:
            await accounts.audit(
                session,
                account.id,
                "conversation.transfer",
                "conversation",
                conversation_id,
                to=to_advisor,
                with_note=bool(note) or None,
            )

    async def close(self, account: Account, conversation_id: int, outcome: str) -> None:
        if outcome not in OUTCOMES:
            raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}")
        await self._writable(account, conversation_id)
        await self.conversations.close(conversation_id, account.id, outcome)


def letter_view(message: Message) -> dict[str, Any]:
    """A kept letter as the advisor's page shows it: the reading, the deadline counted, the page and the text."""
    attachment = message.attachment or {}
    reading = attachment.get("letter") or {}
    deadline = reading.get("deadline") or {}
    return {
        "id": message.id,
        "reading": reading,
        "deadline": deadline.get("claim_deadline") or deadline.get("deadline"),
        "image": f"data:{attachment.get('media_type', 'image/jpeg')};base64,{attachment.get('image', '')}",
        "text": message.text,
    }
