"""The conversation core behind one façade, `ConversationService`: bot → waiting → human → closed, every channel alike.

One service decides and stores; channels only carry text in and out. Its rooms:

- `people`: finding and creating people and their open conversations (and a short cache of their state);
- `incoming`: one inbound value object for every channel, and its stored form;
- `answering`: the bot's turn (throttling, the danger middle band, group commit), with `replies`
  (the answer service, cached) and `relay` (messages while a human has the chat);
- `handover`: consent, queue, urgency, packet; `contact`: a written answer or a call-back window;
- `advisor_desk`: claim, reply, note, transfer, close;
- `outgoing`: what is sent and stored, in one transaction with the channel's outbox;
- `prompts` (command replies), `feedback` (helpful, ratings) and `buttons` (what buttons carry);
- `calculators` (the guided calculators) and `reminders` (deadline reminders, agreed and stopped with one tap);
- `letters` (a photo or PDF of a letter read, and kept for the advisor only with the person's tap);
- `overload`: under load, which messages go first (a cheap pre-check) and the one busy note per person.

The route of one message: the channel builds an `Inbound` and calls `receive` →
`answering` takes the person's lock, reads their state (`people`), retrieves
(`replies`), and writes the message and the reply (`outgoing`, into storage
and the channel's outbox) → after the commit the sender delivers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot import events
from bot.locales import t
from bot.logs import conversation_scope
from bot.services.channels import ChannelSender
from bot.services.conversations import buttons
from bot.services.conversations.advisor_desk import AdvisorDesk
from bot.services.conversations.answering import Answering
from bot.services.conversations.buttons import LANGUAGE_NAMES
from bot.services.conversations.calculators import CalculatorDialogs
from bot.services.conversations.contact import ContactWays
from bot.services.conversations.feedback import Feedbacks
from bot.services.conversations.handover import Handover, QueueItem, QueueView
from bot.services.conversations.incoming import MAX_STORED_TEXT, Inbound, Incoming
from bot.services.conversations.letters import LetterDesk
from bot.services.conversations.outgoing import Speaker, log_event
from bot.services.conversations.overload import Overload
from bot.services.conversations.people import UI_LANGUAGES, People
from bot.services.conversations.prompts import Prompts
from bot.services.conversations.relay import Relay
from bot.services.conversations.reminders import DeadlineReminders
from bot.services.conversations.replies import Answerer, Replies, ReplyCache
from bot.services.handoff import OpeningHours
from bot.services.letters.pending import PendingLetters
from bot.services.oncall import OnCallAlert
from bot.services.privacy import PrivacyService
from bot.services.throttling import Throttle
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, Note

__all__ = [
    "LANGUAGE_NAMES",
    "MAX_STORED_TEXT",
    "UI_LANGUAGES",
    "Answerer",
    "ConversationService",
    "Inbound",
    "Incoming",
    "QueueItem",
    "QueueView",
    "ReplyCache",
]


class ConversationService:
    """The one entry of the core: the person's side (messages, commands, buttons) and the advisor's side."""

    def __init__(
        self,
        db: Database,
        answers: Answerer | None,
        bus: events.EventBus,
        senders: dict[str, ChannelSender],
        *,
        region: str = "ni",
        opening_hours: OpeningHours | Callable[[], OpeningHours] | None = None,
        minutes_per_person: int = 15,
        throttle: Throttle | None = None,
        reply_cache: ReplyCache | None = None,
        privacy: PrivacyService | None = None,
        retention_days: int = 180,
        oncall: OnCallAlert | None = None,
        pending_letters: PendingLetters | None = None,
    ) -> None:
        """`privacy` (erasure on request) is injected; by default one on the same database, bus and senders.

        `opening_hours` is normally the service profile's `ServiceProfileStore.opening_hours` (one source).
        """
        self.db = db
        self.answers = answers
        self.bus = bus
        self.senders = senders
        self.region = region
        self.opening_hours = opening_hours or OpeningHours.parse("Mo-Fr 09:00-17:00")
        self.minutes_per_person = minutes_per_person
        self.throttle = throttle
        self.cache = reply_cache if reply_cache is not None else ReplyCache()
        self.people = People(db, region)
        self.speaker = Speaker(senders, bus)
        self.replies = Replies(answers, self.cache)
        self.contact = ContactWays(db, self.people, self.speaker, self.opening_hours)
        self.handover = Handover(
            db, self.people, self.speaker, self.opening_hours, minutes_per_person, oncall, hours_for=self.contact.hours
        )
        relay = Relay(db, self.people, self.speaker)
        self.calculators = CalculatorDialogs(db, self.people, self.speaker)
        self.reminders = DeadlineReminders(db, self.people, self.speaker)
        self.letters = LetterDesk(
            db, self.people, self.speaker, self.calculators, self.replies.topic_title, pending_letters
        )
        self.answering = Answering(
            db, self.people, self.speaker, self.replies, relay, self.handover, throttle, self.calculators
        )
        self.prompts = Prompts(db, self.people, self.speaker, self.replies, retention_days)
        self.overload = Overload(db, self.people, self.speaker, self.replies)
        self.feedback = Feedbacks(db, self.speaker)
        self.desk = AdvisorDesk(db, self.people, self.speaker)
        self.privacy_service = privacy if privacy is not None else PrivacyService(db, bus, senders)
        self.privacy_service.on_erased.append(self.people.forget)
        self.privacy_service.on_erased.append(self.letters.forget)

    def index_changed(self) -> None:
        """A new index was published: cached replies and topic titles may be stale."""
        self.replies.index_changed()

    def forget(self, channel: str, external_id: str) -> None:
        self.people.forget(channel, external_id)

    # ================================================================ person side: messages
    async def receive(self, inbound: Inbound) -> Incoming:
        """One message from a person, on any channel: answer it, or relay it to the advisor."""
        return await self.answering.take(inbound)

    async def handle_incoming(
        self,
        channel: str,
        external_id: str,
        text: str | None,
        lang_hint: str | None = None,
        *,
        kind: str = "text",
        attachment: dict[str, Any] | None = None,
        region: str | None = None,
    ) -> Incoming:
        """`receive` with the parts of an `Inbound` as arguments."""
        inbound = Inbound.of(channel, external_id, text, lang_hint, kind=kind, attachment=attachment, region=region)
        return await self.answering.take(inbound)

    def rank(self, channel: str, external_id: str, *, text: str | None = None, data: str | None = None) -> int:
        """Under load, who goes first: `bot.services.admission.URGENT` for what may be an emergency or a
        request for a person (patterns, the advisor and consent buttons, a person with an advisor)."""
        pressed = buttons.parse(data) if data is not None else None
        return self.overload.rank(channel, external_id, text=text, pressed=pressed)

    async def busy_note(
        self, channel: str, external_id: str, lang_hint: str | None = None, claim: tuple[str, int] | None = None
    ) -> bool:
        """ "Many people are writing right now; your answer is coming", stored and sent through the outbox;
        `claim` (source, update id) makes it once per update. False when nothing was said."""
        return await self.overload.note(channel, external_id, lang_hint, claim)

    async def read_letter(
        self, channel: str, external_id: str, data: bytes | None, lang_hint: str | None = None
    ) -> Incoming | None:
        """A photo or PDF of a letter: read and explained while the bot has the chat; None while a human has it
        (then the channel passes the file on like any other). `data` None: the file is too large to fetch."""
        if not await self.letters.talking_to_bot(channel, external_id):
            return None
        if self.throttle is not None and not (await self.throttle.hit(f"{channel}:{external_id}")).allowed:
            return None  # reading costs seconds of CPU: past the limit the file goes the throttled media way
        return await self.letters.read(channel, external_id, data, lang_hint)

    # ================================================================ person side: commands
    async def start(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        """/start: language choice first, because everything after it is said in that language."""
        await self.prompts.start(channel, external_id, lang_hint)

    async def language_menu(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        await self.prompts.language_menu(channel, external_id, lang_hint)

    async def topics(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        await self.prompts.topics(channel, external_id, lang_hint)

    async def privacy(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        await self.prompts.privacy(channel, external_id, lang_hint)

    async def ask_delete(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        await self.prompts.ask_delete(channel, external_id, lang_hint)

    async def calculator(
        self, channel: str, external_id: str, lang_hint: str | None = None, kind: str | None = None
    ) -> None:
        """/deadline: the guided calculators (a menu, or calculator `kind` straight away)."""
        async with self.people.lock(channel, external_id):
            await self.calculators.open(channel, external_id, lang_hint, kind)

    async def request_advisor(
        self, channel: str, external_id: str, lang_hint: str | None = None, reason: str = "request"
    ) -> None:
        """The person asked for a human (command, button, or accepted fallback): ask consent first."""
        await self.handover.request(channel, external_id, lang_hint, reason)

    # ================================================================ person side: buttons
    async def handle_action(
        self, channel: str, external_id: str, data: str, lang_hint: str | None = None
    ) -> str | None:
        """A button press as packed callback data (the web chat posts it): see `press`."""
        return await self.press(channel, external_id, buttons.parse(data), lang_hint)

    async def press(
        self, channel: str, external_id: str, pressed: buttons.Press | None, lang_hint: str | None = None
    ) -> str | None:
        """A button press. Returns a short toast text (or None); forged or stale data (None) gets a polite toast."""
        async with self.people.lock(channel, external_id):
            match pressed:
                case buttons.Language(code=code):
                    return await self.prompts.set_language(channel, external_id, code)
                case buttons.Topic(topic=topic):
                    return await self.prompts.topic_answer(channel, external_id, topic, lang_hint)
                case buttons.Alternative(entry=entry_id):
                    return await self.prompts.alternative_answer(channel, external_id, entry_id, lang_hint)
                case buttons.Topics():
                    await self.prompts.topics(channel, external_id, lang_hint)
                    return None
                case buttons.Helpful(message_id=message_id, helpful=helpful):
                    return await self.feedback.helpful(channel, external_id, message_id, helpful, lang_hint)
                case buttons.Advisor(reason=reason):
                    reason = "fallback" if reason == "fallback" else "request"
                    await self.handover.request(channel, external_id, lang_hint, reason)
                    return None
                case buttons.Consent(handoff_id=handoff_id, answer=answer):
                    return await self.handover.consent(channel, external_id, handoff_id, answer == "y", lang_hint)
                case buttons.Rate(conversation_id=conversation_id, rating=rating):
                    return await self.feedback.rate(channel, external_id, conversation_id, rating, lang_hint)
                case buttons.Calculator(value=value):
                    return await self.calculators.press(channel, external_id, value, lang_hint)
                case buttons.Remind(action="on", id=message_id):
                    return await self.reminders.agree(channel, external_id, message_id, lang_hint)
                case buttons.Remind(action="off", id=reminder_id):
                    return await self.reminders.stop(channel, external_id, reminder_id, lang_hint)
                case buttons.Letter():
                    return await self.letters.press(channel, external_id, pressed, lang_hint)
                case buttons.Contact(way=way, start=start, end=end):
                    return await self.contact.press(channel, external_id, way, start, end, lang_hint)
                case buttons.Delete(answer=answer):
                    lang = await self.people.lang_of(channel, external_id, lang_hint)
                    return await self.privacy_service.answer_delete(channel, external_id, answer == "y", lang)
        log_event("unknown_button", channel=channel)
        return t("unknown_button", await self.people.lang_of(channel, external_id, lang_hint))

    # ================================================================ advisor side
    async def queue(self, region: str, advisor_id: int | None = None) -> QueueView:
        """Waiting conversations of a region (triaged: marked ones first, then most urgent, longest waiting)
        and the advisor's own."""
        return await self.handover.queue(region, advisor_id, self.replies.topic_of)

    async def handoff_packet(self, conversation_id: int) -> dict[str, Any] | None:
        return await self.handover.packet(conversation_id)

    async def get_conversation(self, conversation_id: int) -> Conversation:
        return await self.desk.get_conversation(conversation_id)

    async def claim(self, conversation_id: int, advisor_id: int) -> Conversation:
        """Take a waiting conversation. Atomic: of two advisors claiming at once, exactly one wins."""
        with conversation_scope(conversation_id):
            return await self.desk.claim(conversation_id, advisor_id)

    async def advisor_reply(
        self, conversation_id: int, advisor_id: int, text: str, *, wait_delivery: float = 0.0
    ) -> Message:
        """Send an advisor's text through the person's channel; returns the stored message."""
        with conversation_scope(conversation_id):
            return await self.desk.reply(conversation_id, advisor_id, text, wait_delivery=wait_delivery)

    async def add_note(self, conversation_id: int, advisor_id: int, text: str) -> Note:
        with conversation_scope(conversation_id):
            return await self.desk.add_note(conversation_id, advisor_id, text)

    async def notes(self, conversation_id: int) -> Sequence[Note]:
        return await self.desk.notes(conversation_id)

    async def transfer(self, conversation_id: int, from_advisor: int, to_advisor: int, note: str = "") -> Conversation:
        """Hand over to a colleague with a note for them; the person is told that a colleague takes over."""
        with conversation_scope(conversation_id):
            return await self.desk.transfer(conversation_id, from_advisor, to_advisor, note)

    async def close(self, conversation_id: int, advisor_id: int, outcome: str | None = None) -> Conversation:
        """End the human part: the bot resumes and asks the person for a 1–5 rating."""
        with conversation_scope(conversation_id):
            return await self.desk.close(conversation_id, advisor_id, outcome)

    async def transcript(self, conversation_id: int) -> list[Message]:
        return await self.desk.transcript(conversation_id)

    async def person_history(self, person_id: int) -> list[Conversation]:
        return await self.desk.person_history(person_id)
