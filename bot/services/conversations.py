"""The conversation state machine: bot → waiting → human → closed, for every channel alike.

One service decides and stores; channels only carry text in and out. The person's
side (`handle_incoming`, `handle_action`, the commands) and the advisor's side
(`queue`, `claim`, `advisor_reply`, `close`, ...) live together because they move
the same state: keeping them in one place is what makes "the bot stays quiet
while a human talks" and "two advisors never get the same chat" checkable.

Every outgoing message is stored first and handed to the channel's sender inside
the same transaction (see `bot.services.channels`), so nothing is said that is
not on record, and nothing on record is lost when a channel is down.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import logging
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events
from bot.errors import (
    AlreadyClaimed,
    ConversationNotFound,
    InvalidInput,
    InvalidState,
    NotAssigned,
    PersonNotFound,
)
from bot.locales import t
from bot.services.answers import Reply
from bot.services.channels import Button, ChannelSender, Keyboard, Outgoing
from bot.services.grouping import Batcher
from bot.services.handoff import URGENCY, OpeningHours, build_packet, expected_wait_minutes
from bot.services.throttling import Throttle
from bot.storage import repositories as repo
from bot.storage.db import Database, DuplicateUpdate, pending_update
from bot.storage.models import (
    STATE_BOT,
    STATE_CLOSED,
    STATE_HUMAN,
    STATE_WAITING,
    Conversation,
    Feedback,
    Handoff,
    Message,
    Note,
    Person,
    utcnow,
)

log = logging.getLogger(__name__)

UI_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "ru": "Русский",
    "uk": "Українська",
    "tr": "Türkçe",
    "fr": "Français",
}
MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers in the database
MAX_STORED_TEXT = 8000  # longer input is cut (and the person told): nobody types more, a paste can
MAX_RETRIEVAL_TEXT = 1000
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=5)
# What the bot answers without a follow-up dialogue; these replies are written in shared transactions.
GROUPED_ACTIONS = frozenset({"answer", "fallback", "greeting"})


class Answerer(Protocol):
    """The part of `bot.services.answers.AnswerService` the conversation core uses."""

    def respond(self, text: str, *, lang_hint: str | None = None, chosen_lang: str | None = None) -> Reply: ...

    def topic_titles(self, lang: str) -> list[tuple[str, str]]: ...

    def entry_for_topic(self, topic: str, lang: str) -> Reply: ...


@dataclass
class Incoming:
    """What happened to one incoming message (for logs, tests and the bench)."""

    conversation_id: int
    message_id: int
    state: str
    action: str | None  # the bot's decision, or relayed / throttled / media
    replies: int = 0


@dataclass
class _AnswerJob:
    """A retrieval reply waiting to be written together with others (see `_answer_many`)."""

    channel: str
    external_id: str
    text: str
    reply: Reply
    region: str | None
    lang_hint: str | None
    claim: tuple[str, int] | None  # the update id its handling records, if it came as one


@dataclass
class QueueItem:
    conversation_id: int
    person_id: int
    state: str
    region: str
    language: str | None
    topic: str | None
    urgency: int
    reason: str | None
    advisor_id: int | None
    waiting_since: Any
    updated_at: Any


@dataclass
class QueueView:
    waiting: list[QueueItem] = field(default_factory=list)
    mine: list[QueueItem] = field(default_factory=list)


class ReplyCache:
    """Process-wide LRU of retrieval replies per (normalised text, hints).

    Many people send the same short texts ("hallo", "help"); retrieval costs ~10 ms
    of CPU each. Entries expire after `ttl` seconds and the whole cache is cleared
    when a new index is published, so a cached reply is never older than the index.
    """

    def __init__(self, size: int = 4096, ttl: float = 300.0) -> None:
        self.size = size
        self.ttl = ttl
        self._data: OrderedDict[tuple[str, str | None, str | None], tuple[float, Reply]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def normalise(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    def get(self, key: tuple[str, str | None, str | None]) -> Reply | None:
        found = self._data.get(key)
        if found is None or found[0] < time.monotonic():
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return found[1]

    def put(self, key: tuple[str, str | None, str | None], reply: Reply) -> None:
        self._data[key] = (time.monotonic() + self.ttl, reply)
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()


def _log(event: str, **fields: Any) -> None:
    log.info(json.dumps({"event": event, **fields}, default=str))


@dataclass
class _Known:
    """What this process last saw of a person: enough to pick retrieval hints without a query."""

    chosen: str | None
    detected: str | None
    state: str
    until: float


class ConversationService:
    def __init__(
        self,
        db: Database,
        answers: Answerer | None,
        bus: events.EventBus,
        senders: dict[str, ChannelSender],
        *,
        region: str = "ni",
        opening_hours: OpeningHours | None = None,
        minutes_per_person: int = 15,
        throttle: Throttle | None = None,
        reply_cache: ReplyCache | None = None,
    ) -> None:
        self.db = db
        self.answers = answers
        self.bus = bus
        self.senders = senders
        self.region = region
        self.opening_hours = opening_hours or OpeningHours.parse("Mo-Fr 09:00-17:00")
        self.minutes_per_person = minutes_per_person
        self.throttle = throttle
        self.cache = reply_cache if reply_cache is not None else ReplyCache()
        self._locks: dict[str, asyncio.Lock] = {}
        self._titles: dict[str, dict[str, str]] = {}
        # Saves a query per message. Only hints: every write transaction re-reads the state and acts on
        # that (a stale "bot" becomes a relay, a stale "waiting" falls back to answering), and entries
        # expire quickly, so another replica's change (a claim in the console) is seen within seconds.
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self.known_ttl = 30.0
        self._grouped_answers: Batcher[_AnswerJob, Incoming | DuplicateUpdate | None] = Batcher(self._answer_many)
        self._lookups: Batcher[tuple[str, str], _Known] = Batcher(self._look_up_many)

    # ================================================================ helpers
    def _lock(self, channel: str, external_id: str) -> asyncio.Lock:
        """Messages of one person are handled one at a time (order, and no duplicate conversations)."""
        key = f"{channel}:{external_id}"
        lock = self._locks.get(key)
        if lock is None:
            if len(self._locks) > 50_000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def _remember(self, person: Person, state: str) -> None:
        key = f"{person.channel}:{person.external_id}"
        self._known[key] = _Known(person.chosen_lang, person.detected_lang, state, time.monotonic() + self.known_ttl)
        self._known.move_to_end(key)
        if len(self._known) > 100_000:
            self._known.popitem(last=False)

    def _recall(self, channel: str, external_id: str) -> _Known | None:
        known = self._known.get(f"{channel}:{external_id}")
        if known is None or known.until < time.monotonic():
            return None
        return known

    async def _look_up_many(self, keys: list[tuple[str, str]]) -> list[_Known]:
        """What the cache did not know, for many people in one query (a burst of new people at once)."""
        found: dict[tuple[str, str], _Known] = {}
        async with self.db.session() as session:
            for channel in {channel for channel, _ in keys}:
                ids = [external_id for c, external_id in keys if c == channel]
                people = await repo.people_and_open_conversations(session, channel, ids)
                for external_id, (person, conversation) in people.items():
                    state = conversation.state if conversation else STATE_BOT
                    found[(channel, external_id)] = _Known(person.chosen_lang, person.detected_lang, state, 0.0)
        return [found.get(key) or _Known(None, None, STATE_BOT, 0.0) for key in keys]

    def forget(self, channel: str, external_id: str) -> None:
        self._known.pop(f"{channel}:{external_id}", None)

    def _sender(self, channel: str) -> ChannelSender:
        try:
            return self.senders[channel]
        except KeyError as exc:
            raise InvalidInput(f"no sender for channel {channel!r}; configure it before sending") from exc

    def index_changed(self) -> None:
        """A new index was published: cached replies and topic titles may be stale."""
        self.cache.clear()
        self._titles.clear()

    async def _respond(self, text: str, lang_hint: str | None, chosen_lang: str | None) -> Reply:
        if self.answers is None:
            raise InvalidState("the answer service is not loaded; start fairbot with a built index")
        key = (ReplyCache.normalise(text), lang_hint, chosen_lang)
        reply = self.cache.get(key)
        if reply is None:
            reply = await asyncio.to_thread(
                self.answers.respond, text[:MAX_RETRIEVAL_TEXT], lang_hint=lang_hint, chosen_lang=chosen_lang
            )
            self.cache.put(key, reply)
        return reply

    def _topic_title(self, topic: str, lang: str) -> str:
        titles = self._titles.get(lang)
        if titles is None and self.answers is not None:
            titles = self._titles[lang] = dict(self.answers.topic_titles(lang))
        return (titles or {}).get(topic, topic)

    class _Batch:
        """Outgoing messages staged in one transaction, flushed after commit."""

        def __init__(self) -> None:
            self.staged: list[tuple[ChannelSender, Any]] = []
            self.events: list[tuple[str, dict[str, Any]]] = []

    async def _say(
        self,
        session: AsyncSession,
        batch: _Batch,
        person: Person,
        conversation: Conversation,
        html_text: str,
        buttons: Keyboard | None = None,
        *,
        author: str = "bot",
        reply: Reply | None = None,
        action: str | None = None,
        advisor_id: int | None = None,
        plain_text: str | None = None,
        store: bool = True,
    ) -> int | None:
        """Store an outgoing message and stage its delivery in the same transaction; returns its id."""
        sender = self._sender(person.channel)
        message_id = None
        if store:
            row = _outgoing_row(
                sender, conversation, html_text, author, reply, action, advisor_id=advisor_id, plain_text=plain_text
            )
            message_id = (await repo.add_messages(session, [row]))[0]
        outgoing = _outgoing(person, conversation, html_text, buttons, message_id)
        batch.staged.extend((sender, token) for token in await sender.stage(session, [outgoing]))
        return message_id

    async def _finish(self, batch: _Batch) -> None:
        """After commit: deliver, then notify (order matters: the console re-reads what is committed)."""
        by_sender: dict[int, tuple[ChannelSender, list[Any]]] = {}
        for sender, token in batch.staged:
            by_sender.setdefault(id(sender), (sender, []))[1].append(token)
        for sender, tokens in by_sender.values():
            await sender.flush(tokens)
        await self.bus.publish_many(batch.events)

    def _ui_lang(self, person: Person, fallback: str | None = None) -> str:
        lang = person.chosen_lang or person.detected_lang or fallback or "en"
        return lang if lang in UI_LANGUAGES else "en"

    def _answer_buttons(self, lang: str) -> Keyboard:
        return [
            [Button(t("btn_helpful", lang), "fb:{mid}:1"), Button(t("btn_not_helpful", lang), "fb:{mid}:0")],
            [Button(t("btn_advisor", lang), "adv:request")],
        ]

    async def _load(
        self,
        session: AsyncSession,
        channel: str,
        external_id: str,
        region: str | None = None,
        lang_hint: str | None = None,
    ) -> tuple[Person, Conversation]:
        return (await self._load_many(session, channel, [(external_id, region, lang_hint)]))[external_id]

    async def _load_many(
        self, session: AsyncSession, channel: str, wanted: Sequence[tuple[str, str | None, str | None]]
    ) -> dict[str, tuple[Person, Conversation]]:
        """People (external id, region, language hint) with their open conversations; new ones are created."""
        found = await repo.people_and_open_conversations(session, channel, [w[0] for w in wanted])
        now = utcnow()
        new_people = []
        for external_id, region, lang_hint in wanted:
            known = found.get(external_id)
            if known is None:
                person = Person(
                    channel=channel, external_id=external_id, region=region or self.region, detected_lang=lang_hint
                )
                new_people.append(person)
                found[external_id] = (person, None)
            elif now - known[0].last_seen_at > LAST_SEEN_RESOLUTION:  # not a write per message
                known[0].last_seen_at = now
        if new_people:
            session.add_all(new_people)
            await session.flush()
        loaded: dict[str, tuple[Person, Conversation]] = {}
        new_conversations = []
        for external_id, (person, open_conversation) in found.items():
            conversation = open_conversation
            if conversation is None:
                conversation = Conversation(person_id=person.id, region=person.region, language=person.lang)
                new_conversations.append(conversation)
            loaded[external_id] = (person, conversation)
        if new_conversations:
            session.add_all(new_conversations)
            await session.flush()
        for person, conversation in loaded.values():
            self._remember(person, conversation.state)
        return loaded

    # ================================================================ person side: messages
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
        """One message from a person, on any channel: answer it, or relay it to the advisor."""
        text = (text or "").strip()
        too_long = len(text) > MAX_STORED_TEXT
        text = text[:MAX_STORED_TEXT]
        if kind == "text" and not text:
            kind = "empty"
        async with self._lock(channel, external_id):
            known = self._recall(channel, external_id) or await self._lookups.submit((channel, external_id))
            chosen = known.chosen
            known_lang = known.detected or lang_hint

            if known.state in (STATE_WAITING, STATE_HUMAN):
                relayed = await self._relay(channel, external_id, text, kind, attachment)
                if relayed is not None:
                    return relayed

            outcome: tuple[str, str | None] | None = None  # (stored action, notice to send)
            if self.throttle is not None:
                decision = await self.throttle.hit(f"{channel}:{external_id}")
                # A person in danger may write many short messages at once: danger is never throttled.
                if not decision.allowed and not (self.answers is not None and self.answers.sounds_dangerous(text)):
                    outcome = ("throttled", "throttled" if decision.notify else None)
            if outcome is None and kind != "text":
                outcome = ("media", "media_unsupported" if kind != "empty" else "empty_message")
            if outcome is not None:
                stored_action, notice = outcome
                return await self._store_unanswered(
                    channel, external_id, text, kind, attachment, region, lang_hint, stored_action, notice
                )

            reply = await self._respond(text, known_lang, chosen)
            if not too_long and reply.action in GROUPED_ACTIONS and not reply.danger:
                grouped = await self._answer_grouped(channel, external_id, text, reply, region, lang_hint)
                if grouped is not None:
                    return grouped
            return await self._answer(channel, external_id, text, reply, region, lang_hint, too_long)

    async def _answer_grouped(
        self, channel: str, external_id: str, text: str, reply: Reply, region: str | None, lang_hint: str | None
    ) -> Incoming | None:
        """Write the reply in a transaction shared with other people's; None: it must go alone."""
        claim = pending_update.get()
        try:
            result = await self._grouped_answers.submit(
                _AnswerJob(channel, external_id, text, reply, region, lang_hint, claim)
            )
        except Exception:  # the shared transaction failed: retried alone, so one bad message fails no other
            log.warning(json.dumps({"event": "grouped_write_failed"}), exc_info=True)
            return None
        if isinstance(result, DuplicateUpdate):
            raise result
        if result is not None and claim is not None:
            pending_update.set(None)  # recorded in the shared transaction
        return result

    async def _relay(
        self,
        channel: str,
        external_id: str,
        text: str,
        kind: str,
        attachment: dict[str, Any] | None,
    ) -> Incoming | None:
        """Store and pass on a message while a human is (about to be) in the chat; None if no longer so."""
        batch = self._Batch()
        async with self.db.transaction() as session:
            person, conversation = await repo.person_and_open_conversation(session, channel, external_id)
            if person is None or conversation is None or conversation.state not in (STATE_WAITING, STATE_HUMAN):
                if person is not None:
                    self._remember(person, STATE_BOT)
                else:
                    self.forget(channel, external_id)
                return None
            incoming = await self._relay_in(session, batch, conversation, text, kind, attachment)
        await self._finish(batch)
        _log("relayed", conversation_id=conversation.id, kind=kind)
        return incoming

    async def _store_unanswered(
        self,
        channel: str,
        external_id: str,
        text: str,
        kind: str,
        attachment: dict[str, Any] | None,
        region: str | None,
        lang_hint: str | None,
        action: str,
        notice_key: str | None,
    ) -> Incoming:
        batch = self._Batch()
        async with self.db.transaction() as session:
            person, conversation = await self._load(session, channel, external_id, region, lang_hint)
            message_id = await repo.add_message(session, **_incoming_row(conversation, text, action, kind, attachment))
            replies = 0
            if notice_key:
                lang = self._ui_lang(person, lang_hint)
                buttons = [[Button(t("btn_advisor", lang), "adv:request")]] if action == "media" else None
                await self._say(session, batch, person, conversation, t(notice_key, lang), buttons, action=action)
                replies = 1
        await self._finish(batch)
        _log(action, conversation_id=conversation.id, kind=kind)
        return Incoming(conversation.id, message_id, conversation.state, action, replies)

    async def _answer(
        self,
        channel: str,
        external_id: str,
        text: str,
        reply: Reply,
        region: str | None,
        lang_hint: str | None,
        too_long: bool,
    ) -> Incoming:
        batch = self._Batch()
        async with self.db.transaction() as session:
            person, conversation = await self._load(session, channel, external_id, region, lang_hint)
            if conversation.state in (STATE_WAITING, STATE_HUMAN):  # an advisor took over meanwhile
                return await self._relay_in(session, batch, conversation, text)
            lang = self._note_reply(person, conversation, reply)
            incoming_id = await repo.add_message(
                session, **_incoming_row(conversation, text, reply.action, reply=reply)
            )
            replies = 0
            if too_long:
                await self._say(session, batch, person, conversation, t("too_long", lang), action="notice")
                replies += 1
            buttons = self._reply_buttons(reply, lang)
            await self._say(session, batch, person, conversation, reply.html, buttons, reply=reply)
            replies += 1
            if reply.action == "fallback":
                session.add(_unanswered(conversation, incoming_id, text, reply))
            if reply.action in ("handoff", "emergency") or reply.danger:
                reason = "emergency" if reply.action == "emergency" else "danger" if reply.danger else "request"
                danger = {"subtype": reply.danger, "message_id": incoming_id, "at": utcnow().isoformat()}
                await self._ask_consent(
                    session, batch, person, conversation, reason, lang, danger if reply.danger else None
                )
                replies += 1
        await self._finish(batch)
        _log_answered(conversation, reply)
        return Incoming(conversation.id, incoming_id, conversation.state, reply.action, replies)

    async def _answer_many(self, jobs: list[_AnswerJob]) -> list[Incoming | DuplicateUpdate | None]:
        """Replies of many people in one transaction, a statement per table: the hot path under load.

        Jobs this cannot take (an advisor took over meanwhile, the same person twice) come back as None
        and go alone through `_answer`; their update ids stay unclaimed here, so that path records them.
        """
        results: list[Incoming | DuplicateUpdate | None] = [None] * len(jobs)
        batch = self._Batch()
        answered: list[tuple[Conversation, Reply]] = []
        async with self.db.transaction() as session:
            loaded: dict[tuple[str, str], tuple[Person, Conversation]] = {}
            for channel in {job.channel for job in jobs}:
                wanted = [(job.external_id, job.region, job.lang_hint) for job in jobs if job.channel == channel]
                for external_id, pair in (await self._load_many(session, channel, wanted)).items():
                    loaded[(channel, external_id)] = pair
            live: dict[tuple[str, str], int] = {}
            for i, job in enumerate(jobs):
                key = (job.channel, job.external_id)
                if key not in live and loaded[key][1].state == STATE_BOT:
                    live[key] = i
            claimed = await repo.claim_updates(session, [c for i in live.values() if (c := jobs[i].claim)])
            todo = []
            for i in live.values():
                claim = jobs[i].claim
                if claim is not None and claim not in claimed:
                    results[i] = DuplicateUpdate(f"update {claim[1]} from {claim[0]} was already processed")
                else:
                    todo.append(i)
            rows = []
            for i in todo:
                job = jobs[i]
                conversation = loaded[(job.channel, job.external_id)][1]
                sender = self._sender(job.channel)
                rows.append(_incoming_row(conversation, job.text, job.reply.action, reply=job.reply))
                rows.append(_outgoing_row(sender, conversation, job.reply.html, "bot", job.reply, None))
            ids = await repo.add_messages(session, rows)
            by_sender: dict[str, list[Outgoing]] = {}
            for n, i in enumerate(todo):
                job = jobs[i]
                person, conversation = loaded[(job.channel, job.external_id)]
                incoming_id, outgoing_id = ids[2 * n], ids[2 * n + 1]
                lang = self._note_reply(person, conversation, job.reply)
                buttons = self._reply_buttons(job.reply, lang)
                by_sender.setdefault(job.channel, []).append(
                    _outgoing(person, conversation, job.reply.html, buttons, outgoing_id)
                )
                if job.reply.action == "fallback":
                    session.add(_unanswered(conversation, incoming_id, job.text, job.reply))
                results[i] = Incoming(conversation.id, incoming_id, conversation.state, job.reply.action, 1)
                answered.append((conversation, job.reply))
            for channel, outgoings in by_sender.items():
                sender = self._sender(channel)
                batch.staged.extend((sender, token) for token in await sender.stage(session, outgoings))
        await self._finish(batch)
        for conversation, reply in answered:
            _log_answered(conversation, reply)
        return results

    def _note_reply(self, person: Person, conversation: Conversation, reply: Reply) -> str:
        """What a reply tells about the person and the conversation; returns the person's UI language."""
        topic = reply.topics[0].topic if reply.topics and reply.action in ("answer", "fallback") else None
        # Assigned only when different: an unchanged object keeps the session clean, and a clean
        # session skips the ORM flush that would otherwise run before every statement.
        _assign(person, detected_lang=reply.lang)
        _assign(conversation, language=person.chosen_lang or reply.answer_lang, topic=topic or conversation.topic)
        self._remember(person, conversation.state)
        return self._ui_lang(person, reply.lang)

    def _reply_buttons(self, reply: Reply, lang: str) -> Keyboard | None:
        if reply.action == "answer":
            return self._answer_buttons(lang)
        if reply.action == "fallback":
            rows = [[Button(self._topic_title(s.topic, lang), f"topic:{s.topic}")] for s in reply.suggestions[:3]]
            rows.append([Button(t("btn_advisor", lang), "adv:fallback")])
            return rows
        if reply.action == "greeting":
            return [[Button(t("btn_topics", lang), "topics")]]
        return None

    async def _relay_in(
        self,
        session: AsyncSession,
        batch: _Batch,
        conversation: Conversation,
        text: str,
        kind: str = "text",
        attachment: dict[str, Any] | None = None,
    ) -> Incoming:
        """Store a message for the advisor and tell the console (and the queue, while it waits there)."""
        message_id = await repo.add_message(session, **_incoming_row(conversation, text, "relayed", kind, attachment))
        conversation.updated_at = utcnow()
        batch.events.append(
            (
                events.conversation_topic(conversation.id),
                {"type": "message", "message_id": message_id, "author": "user"},
            )
        )
        if conversation.state == STATE_WAITING:
            batch.events.append((events.QUEUE, {"type": "message", "conversation_id": conversation.id}))
        return Incoming(conversation.id, message_id, conversation.state, "relayed")

    # ================================================================ person side: commands
    async def start(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        """/start: language choice first, because everything after it is said in that language."""
        await self._language_prompt(channel, external_id, lang_hint, "start_choose_language", "start")

    async def language_menu(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        await self._language_prompt(channel, external_id, lang_hint, "language_menu", "language")

    async def topics(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        def render(lang: str) -> tuple[str, Keyboard | None]:
            titles = self.answers.topic_titles(lang) if self.answers is not None else []
            if not titles:
                return t("topics_empty", lang), None
            return t("topics_header", lang), [[Button(title[:60], f"topic:{topic}")] for topic, title in titles]

        await self._prompt(channel, external_id, lang_hint, render, "topics")

    async def privacy(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        await self._prompt(channel, external_id, lang_hint, lambda lang: (t("privacy_notice", lang), None), "privacy")

    async def ask_delete(self, channel: str, external_id: str, lang_hint: str | None = None) -> None:
        def render(lang: str) -> tuple[str, Keyboard | None]:
            rows = [[Button(t("btn_delete_yes", lang), "del:y"), Button(t("btn_delete_no", lang), "del:n")]]
            return t("delete_confirm", lang), rows

        await self._prompt(channel, external_id, lang_hint, render, "privacy")

    async def _language_prompt(
        self, channel: str, external_id: str, lang_hint: str | None, text_key: str, action: str
    ) -> None:
        await self._prompt(
            channel, external_id, lang_hint, lambda lang: (t(text_key, lang), _language_keyboard()), action
        )

    async def _prompt(
        self,
        channel: str,
        external_id: str,
        lang_hint: str | None,
        render: Callable[[str], tuple[str, Keyboard | None]],
        action: str,
    ) -> None:
        """One bot message in the person's UI language: the shape of every command reply."""
        batch = self._Batch()
        async with self.db.transaction() as session:
            person, conversation = await self._load(session, channel, external_id, None, lang_hint)
            text, rows = render(self._ui_lang(person, lang_hint))
            await self._say(session, batch, person, conversation, text, rows, action=action)
        await self._finish(batch)

    async def request_advisor(
        self, channel: str, external_id: str, lang_hint: str | None = None, reason: str = "request"
    ) -> None:
        """The person asked for a human (command, button, or accepted fallback): ask consent first."""
        batch = self._Batch()
        async with self.db.transaction() as session:
            person, conversation = await self._load(session, channel, external_id, None, lang_hint)
            lang = self._ui_lang(person, lang_hint)
            if conversation.state in (STATE_WAITING, STATE_HUMAN):
                await self._say(session, batch, person, conversation, t("handoff_already", lang), action="handoff")
            else:
                await self._ask_consent(session, batch, person, conversation, reason, lang)
        await self._finish(batch)

    async def _ask_consent(
        self,
        session: AsyncSession,
        batch: _Batch,
        person: Person,
        conversation: Conversation,
        reason: str,
        lang: str,
        danger: dict[str, Any] | None = None,
    ) -> None:
        """`danger` (sub-type, triggering message, time) travels with the handoff into the packet."""
        handoff = Handoff(
            conversation_id=conversation.id,
            reason=reason,
            urgency=URGENCY.get(reason, 1),
            topic=conversation.topic,
            status="consent",
            packet={"danger": danger} if danger else {},
        )
        session.add(handoff)
        await session.flush()
        rows = [
            [
                Button(t("btn_consent_yes", lang), f"consent:{handoff.id}:y"),
                Button(t("btn_consent_no", lang), f"consent:{handoff.id}:n"),
            ]
        ]
        await self._say(session, batch, person, conversation, t("consent_question", lang), rows, action="consent")
        _log("consent_asked", conversation_id=conversation.id, reason=reason)

    # ================================================================ person side: buttons
    async def handle_action(
        self, channel: str, external_id: str, data: str, lang_hint: str | None = None
    ) -> str | None:
        """A button press. Returns a short toast text (or None); unknown data gets a polite toast."""
        kind, _, rest = (data or "").partition(":")
        if any(part.isdigit() and int(part) > MAX_DB_ID for part in rest.split(":")):
            kind = "out-of-range"  # a forged id no row can have: the polite unknown-button answer, not a 500
        async with self._lock(channel, external_id):
            if kind == "lang" and rest in UI_LANGUAGES:
                return await self._set_language(channel, external_id, rest)
            if kind == "topic" and rest:
                return await self._topic_answer(channel, external_id, rest, lang_hint)
            if kind == "topics":
                await self.topics(channel, external_id, lang_hint)
                return None
            if kind == "fb":
                return await self._feedback(channel, external_id, rest, lang_hint)
            if kind == "adv":
                await self.request_advisor(
                    channel, external_id, lang_hint, reason="fallback" if rest == "fallback" else "request"
                )
                return None
            if kind == "consent":
                return await self._consent(channel, external_id, rest, lang_hint)
            if kind == "rate":
                return await self._rate(channel, external_id, rest, lang_hint)
            if kind == "del":
                from bot.services.privacy import PrivacyService

                return await PrivacyService(self).answer_delete(channel, external_id, rest == "y", lang_hint)
        _log("unknown_button", channel=channel)
        async with self.db.session() as session:
            person = await repo.find_person(session, channel, external_id)
        return t("unknown_button", self._ui_lang(person, lang_hint) if person else (lang_hint or "en"))

    async def _set_language(self, channel: str, external_id: str, lang: str) -> str | None:
        batch = self._Batch()
        async with self.db.transaction() as session:
            person, conversation = await self._load(session, channel, external_id)
            first_choice = person.chosen_lang is None
            person.chosen_lang = lang
            conversation.language = lang
            self._remember(person, conversation.state)
            key = "start_intro" if first_choice else "language_set"
            await self._say(
                session,
                batch,
                person,
                conversation,
                t(key, lang, language=LANGUAGE_NAMES[lang]),
                [[Button(t("btn_topics", lang), "topics")]],
                action="language",
            )
        await self._finish(batch)
        return LANGUAGE_NAMES[lang]

    async def _topic_answer(self, channel: str, external_id: str, topic: str, lang_hint: str | None) -> str | None:
        if self.answers is None:
            raise InvalidState("the answer service is not loaded")
        async with self.db.session() as session:
            person = await repo.find_person(session, channel, external_id)
            lang = self._ui_lang(person, lang_hint) if person else (lang_hint or "en")
        try:
            reply = await asyncio.to_thread(self.answers.entry_for_topic, topic, lang)
        except (KeyError, LookupError, ValueError):
            return t("unknown_button", lang)
        batch = self._Batch()
        async with self.db.transaction() as session:
            person, conversation = await self._load(session, channel, external_id)
            if conversation.state in (STATE_WAITING, STATE_HUMAN):
                return t("handoff_already", lang)
            conversation.topic = topic
            session.add(
                Message(
                    conversation_id=conversation.id,
                    direction="in",
                    author="user",
                    text=self._topic_title(topic, lang),
                    kind="button",
                    action="topic",
                    created_at=utcnow(),
                )
            )
            buttons = self._answer_buttons(lang) if reply.action == "answer" else None
            await self._say(session, batch, person, conversation, reply.html, buttons, reply=reply)
        await self._finish(batch)
        return None

    async def _feedback(self, channel: str, external_id: str, rest: str, lang_hint: str | None) -> str | None:
        try:
            message_id_text, value = rest.split(":")
            message_id, helpful = int(message_id_text), value == "1"
        except ValueError:
            return t("unknown_button", lang_hint or "en")
        batch = self._Batch()
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            if person is None:
                return t("unknown_button", lang_hint or "en")
            lang = self._ui_lang(person, lang_hint)
            answer = await session.get(Message, message_id)
            if answer is None or answer.direction != "out":
                return t("unknown_button", lang)
            conversation = await session.get(Conversation, answer.conversation_id)
            if conversation is None or conversation.person_id != person.id:
                return t("unknown_button", lang)
            question = await session.scalar(
                select(Message.text)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.direction == "in",
                    Message.id < message_id,
                )
                .order_by(Message.id.desc())
                .limit(1)
            )
            session.add(
                Feedback(
                    conversation_id=conversation.id,
                    message_id=message_id,
                    helpful=helpful,
                    question=question or "",
                    entry_id=answer.entry_id,
                    lang=answer.lang,
                )
            )
            if not helpful and conversation.state == STATE_BOT:
                rows = [[Button(t("btn_advisor", lang), "adv:fallback")]]
                await self._say(
                    session, batch, person, conversation, t("feedback_sorry", lang), rows, action="feedback"
                )
        await self._finish(batch)
        return t("feedback_thanks", lang)

    async def _consent(self, channel: str, external_id: str, rest: str, lang_hint: str | None) -> str | None:
        try:
            handoff_id_text, answer = rest.split(":")
            handoff_id = int(handoff_id_text)
        except ValueError:
            return t("unknown_button", lang_hint or "en")
        batch = self._Batch()
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            handoff = await session.get(Handoff, handoff_id)
            conversation = await session.get(Conversation, handoff.conversation_id) if handoff else None
            if person is None or conversation is None or conversation.person_id != person.id:
                return t("unknown_button", lang_hint or "en")
            lang = self._ui_lang(person, lang_hint)
            if handoff.status != "consent" or conversation.state != STATE_BOT:
                return t("handoff_already", lang) if conversation.state != STATE_BOT else None
            if answer != "y":
                handoff.status = "declined"
                rows = [[Button(t("btn_advisor", lang), f"adv:{handoff.reason}")]]
                await self._say(
                    session, batch, person, conversation, t("consent_declined", lang), rows, action="consent"
                )
                result = None
            else:
                await self._enqueue_handoff(session, batch, person, conversation, handoff, lang)
                result = t("consent_thanks", lang)
        await self._finish(batch)
        return result

    async def _enqueue_handoff(
        self,
        session: AsyncSession,
        batch: _Batch,
        person: Person,
        conversation: Conversation,
        handoff: Handoff,
        lang: str,
    ) -> None:
        now = utcnow()
        transcript = await repo.messages_of(session, conversation.id, limit=30)
        handoff.status = "queued"
        handoff.queued_at = now
        handoff.topic = handoff.topic or conversation.topic
        handoff.packet = build_packet(
            reason=handoff.reason,
            lang=person.lang,
            topic=handoff.topic,
            urgency=handoff.urgency,
            transcript=transcript,
            danger=(handoff.packet or {}).get("danger"),
        )
        conversation.state = STATE_WAITING
        self._remember(person, STATE_WAITING)
        conversation.consent_given_at = now
        conversation.waiting_since = now
        conversation.urgency = max(conversation.urgency or 0, handoff.urgency)
        conversation.language = person.lang
        conversation.topic = handoff.topic
        await session.flush()
        ahead = (
            await session.scalar(
                select(func.count(Conversation.id)).where(
                    Conversation.region == conversation.region,
                    Conversation.state == STATE_WAITING,
                    Conversation.id != conversation.id,
                )
            )
            or 0
        )
        if self.opening_hours.is_open(now):
            minutes = expected_wait_minutes(ahead + 1, self.minutes_per_person)
            text = t("handoff_queued_open", lang, minutes=minutes, hours=html.escape(self.opening_hours.spec))
        else:
            nxt = self.opening_hours.next_opening(now)
            when = nxt.strftime("%d.%m. %H:%M") if nxt else "-"
            text = t("handoff_queued_closed", lang, hours=html.escape(self.opening_hours.spec), next=when)
        if handoff.reason == "emergency":
            text = t("handoff_emergency_note", lang) + "\n\n" + text
        await self._say(session, batch, person, conversation, text, action="handoff")
        batch.events.append(
            (
                events.QUEUE,
                {
                    "type": "waiting",
                    "conversation_id": conversation.id,
                    "region": conversation.region,
                    "urgency": conversation.urgency,
                },
            )
        )
        batch.events.append((events.conversation_topic(conversation.id), {"type": "state", "state": STATE_WAITING}))
        _log("handoff_queued", conversation_id=conversation.id, reason=handoff.reason, urgency=handoff.urgency)

    async def _rate(self, channel: str, external_id: str, rest: str, lang_hint: str | None) -> str | None:
        try:
            conversation_id_text, value = rest.split(":")
            conversation_id, rating = int(conversation_id_text), int(value)
        except ValueError:
            return t("unknown_button", lang_hint or "en")
        if not 1 <= rating <= 5:
            return t("unknown_button", lang_hint or "en")
        async with self.db.transaction() as session:
            person = await repo.find_person(session, channel, external_id)
            conversation = await session.get(Conversation, conversation_id)
            if person is None or conversation is None or conversation.person_id != person.id:
                return t("unknown_button", lang_hint or "en")
            conversation.rating = rating
            lang = self._ui_lang(person, lang_hint)
        await self.bus.publish(events.conversation_topic(conversation_id), {"type": "rating", "rating": rating})
        _log("rated", conversation_id=conversation_id, rating=rating)
        return t("rating_thanks", lang)

    # ================================================================ advisor side
    async def queue(self, region: str, advisor_id: int | None = None) -> QueueView:
        """Waiting conversations of a region (most urgent, longest waiting first) and the advisor's own."""
        async with self.db.session() as session:
            waiting = await repo.waiting_conversations(session, region)
            mine: Sequence[Conversation] = []
            if advisor_id is not None:
                mine = (
                    await session.scalars(
                        select(Conversation)
                        .where(Conversation.advisor_id == advisor_id, Conversation.state == STATE_HUMAN)
                        .order_by(Conversation.updated_at)
                    )
                ).all()
            reasons = {}
            ids = [c.id for c in [*waiting, *mine]]
            if ids:
                rows = await session.execute(
                    select(Handoff.conversation_id, Handoff.reason)
                    .where(Handoff.conversation_id.in_(ids), Handoff.status.in_(("queued", "done")))
                    .order_by(Handoff.id)
                )
                reasons = {cid: reason for cid, reason in rows.all()}
        return QueueView(
            waiting=[_queue_item(c, reasons.get(c.id)) for c in waiting],
            mine=[_queue_item(c, reasons.get(c.id)) for c in mine],
        )

    async def get_conversation(self, conversation_id: int) -> Conversation:
        async with self.db.session() as session:
            conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise ConversationNotFound(f"conversation {conversation_id} does not exist (deleted or wrong id)")
        return conversation

    async def handoff_packet(self, conversation_id: int) -> dict[str, Any] | None:
        async with self.db.session() as session:
            handoff = await repo.latest_handoff(session, conversation_id)
        return dict(handoff.packet) if handoff and handoff.packet else None

    async def claim(self, conversation_id: int, advisor_id: int) -> Conversation:
        """Take a waiting conversation. Atomic: of two advisors claiming at once, exactly one wins."""
        batch = self._Batch()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    Conversation.state == STATE_WAITING,
                    Conversation.advisor_id.is_(None),
                )
                .values(state=STATE_HUMAN, advisor_id=advisor_id, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                conversation = await session.get(Conversation, conversation_id)
                if conversation is None:
                    raise ConversationNotFound(f"conversation {conversation_id} does not exist")
                if conversation.advisor_id is not None:
                    raise AlreadyClaimed("another advisor has already taken this conversation; pick another one")
                raise InvalidState(f"conversation {conversation_id} is {conversation.state}, not waiting")
            conversation = await session.get(Conversation, conversation_id, populate_existing=True)
            assert conversation is not None
            person = await session.get(Person, conversation.person_id)
            assert person is not None
            self._remember(person, STATE_HUMAN)
            handoff = await repo.latest_handoff(session, conversation_id)
            if handoff is not None:
                handoff.status = "done"
            session.add(
                Message(
                    conversation_id=conversation_id,
                    direction="out",
                    author="system",
                    text="claimed",
                    action="claimed",
                    advisor_id=advisor_id,
                    created_at=utcnow(),
                )
            )
            await self._say(
                session,
                batch,
                person,
                conversation,
                t("handoff_claimed", self._ui_lang(person)),
                action="claimed",
            )
            batch.events.append(
                (
                    events.QUEUE,
                    {"type": "claimed", "conversation_id": conversation_id, "advisor_id": advisor_id},
                )
            )
            batch.events.append(
                (
                    events.conversation_topic(conversation_id),
                    {"type": "state", "state": STATE_HUMAN, "advisor_id": advisor_id},
                )
            )
        await self._finish(batch)
        _log("claimed", conversation_id=conversation_id, advisor_id=advisor_id)
        return conversation

    async def _assigned(self, session: AsyncSession, conversation_id: int, advisor_id: int) -> Conversation:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise ConversationNotFound(f"conversation {conversation_id} does not exist")
        if conversation.state != STATE_HUMAN:
            raise InvalidState(f"conversation {conversation_id} is {conversation.state}; claim it first")
        if conversation.advisor_id != advisor_id:
            raise NotAssigned("this conversation is assigned to another advisor; ask them to transfer it")
        return conversation

    async def advisor_reply(
        self, conversation_id: int, advisor_id: int, text: str, *, wait_delivery: float = 0.0
    ) -> Message:
        """Send an advisor's text through the person's channel; returns the stored message.

        `wait_delivery` seconds (optional) to wait for the channel's answer, so the
        console can show "sent" at once in the common case; the status is in the row.
        """
        text = (text or "").strip()
        if not text:
            raise InvalidInput("the reply is empty; write a message first")
        if len(text) > MAX_STORED_TEXT:
            raise InvalidInput(f"the reply is longer than {MAX_STORED_TEXT} characters; split it")
        batch = self._Batch()
        async with self.db.transaction() as session:
            conversation = await self._assigned(session, conversation_id, advisor_id)
            person = await session.get(Person, conversation.person_id)
            assert person is not None
            body = f"{t('advisor_prefix', self._ui_lang(person))}\n{html.escape(text)}"
            message_id = await self._say(
                session,
                batch,
                person,
                conversation,
                body,
                author="advisor",
                advisor_id=advisor_id,
                action="advisor",
                plain_text=text,
            )
            assert message_id is not None
            message = await session.get_one(Message, message_id)  # the console shows what was stored
            conversation.updated_at = utcnow()
            batch.events.append(
                (
                    events.conversation_topic(conversation_id),
                    {"type": "message", "message_id": message.id, "author": "advisor"},
                )
            )
        await self._finish(batch)
        _log("advisor_reply", conversation_id=conversation_id, advisor_id=advisor_id)
        if wait_delivery > 0 and message.delivery_status == "queued":
            waiter = getattr(self._sender(person.channel), "wait_delivered", None)
            if waiter is not None:
                status = await waiter(message.id, wait_delivery)
                if status is not None:
                    message.delivery_status = status
        return message

    async def add_note(self, conversation_id: int, advisor_id: int, text: str) -> Note:
        text = (text or "").strip()
        if not text:
            raise InvalidInput("the note is empty")
        async with self.db.transaction() as session:
            if await session.get(Conversation, conversation_id) is None:
                raise ConversationNotFound(f"conversation {conversation_id} does not exist")
            note = Note(conversation_id=conversation_id, author_id=advisor_id, text=text, created_at=utcnow())
            session.add(note)
        await self.bus.publish(events.conversation_topic(conversation_id), {"type": "note", "note_id": note.id})
        return note

    async def notes(self, conversation_id: int) -> Sequence[Note]:
        async with self.db.session() as session:
            return (
                await session.scalars(select(Note).where(Note.conversation_id == conversation_id).order_by(Note.id))
            ).all()

    async def transfer(self, conversation_id: int, from_advisor: int, to_advisor: int) -> Conversation:
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Conversation)
                .where(
                    and_(
                        Conversation.id == conversation_id,
                        Conversation.state == STATE_HUMAN,
                        Conversation.advisor_id == from_advisor,
                    )
                )
                .values(advisor_id=to_advisor, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                await self._assigned(session, conversation_id, from_advisor)  # raises the precise error
                raise InvalidState("the conversation changed meanwhile; reload it")
            session.add(
                Message(
                    conversation_id=conversation_id,
                    direction="out",
                    author="system",
                    text=f"transferred {from_advisor} -> {to_advisor}",
                    action="transferred",
                    advisor_id=to_advisor,
                    created_at=utcnow(),
                )
            )
            conversation = await session.get(Conversation, conversation_id, populate_existing=True)
            assert conversation is not None
        await self.bus.publish(
            events.conversation_topic(conversation_id), {"type": "transfer", "advisor_id": to_advisor}
        )
        await self.bus.publish(events.QUEUE, {"type": "transfer", "conversation_id": conversation_id})
        _log("transferred", conversation_id=conversation_id, from_advisor=from_advisor, to_advisor=to_advisor)
        return conversation

    async def close(self, conversation_id: int, advisor_id: int, outcome: str | None = None) -> Conversation:
        """End the human part: the bot resumes and asks the person for a 1–5 rating."""
        batch = self._Batch()
        async with self.db.transaction() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                raise ConversationNotFound(f"conversation {conversation_id} does not exist")
            if conversation.state == STATE_CLOSED:
                raise InvalidState("the conversation is already closed")
            if conversation.state == STATE_HUMAN and conversation.advisor_id != advisor_id:
                raise NotAssigned("this conversation is assigned to another advisor")
            was_human = conversation.state == STATE_HUMAN
            now = utcnow()
            conversation.state = STATE_CLOSED
            conversation.closed_at = now
            conversation.updated_at = now
            conversation.outcome = (outcome or "").strip()[:64] or None
            if conversation.advisor_id is None:
                conversation.advisor_id = advisor_id
            person = await session.get(Person, conversation.person_id)
            assert person is not None
            self._remember(person, STATE_BOT)  # the next message opens a new conversation with the bot
            session.add(
                Message(
                    conversation_id=conversation_id,
                    direction="out",
                    author="system",
                    text=f"closed: {conversation.outcome or '-'}",
                    action="closed",
                    advisor_id=advisor_id,
                    created_at=now,
                )
            )
            lang = self._ui_lang(person)
            rows = [[Button(str(n), f"rate:{conversation_id}:{n}") for n in range(1, 6)]]
            key = "handoff_closed_rate" if was_human else "handoff_closed_unanswered"
            await self._say(session, batch, person, conversation, t(key, lang), rows, action="closed")
            batch.events.append((events.QUEUE, {"type": "closed", "conversation_id": conversation_id}))
            batch.events.append((events.conversation_topic(conversation_id), {"type": "state", "state": STATE_CLOSED}))
        await self._finish(batch)
        _log("closed", conversation_id=conversation_id, advisor_id=advisor_id, outcome=conversation.outcome)
        return conversation

    async def transcript(self, conversation_id: int) -> list[Message]:
        async with self.db.session() as session:
            if await session.get(Conversation, conversation_id) is None:
                raise ConversationNotFound(f"conversation {conversation_id} does not exist")
            return list(await repo.messages_of(session, conversation_id))

    async def person_history(self, person_id: int) -> list[Conversation]:
        async with self.db.session() as session:
            if await session.get(Person, person_id) is None:
                raise PersonNotFound(f"person {person_id} does not exist (maybe erased on request)")
            return list(
                (
                    await session.scalars(
                        select(Conversation).where(Conversation.person_id == person_id).order_by(Conversation.id)
                    )
                ).all()
            )


def _incoming_row(
    conversation: Conversation,
    text: str,
    action: str,
    kind: str = "text",
    attachment: dict[str, Any] | None = None,
    *,
    reply: Reply | None = None,
) -> dict[str, Any]:
    """A person's message; with the retrieval reply it got, its language, score and entry."""
    return {
        "conversation_id": conversation.id,
        "direction": "in",
        "author": "user",
        "text": text,
        "kind": kind,
        "attachment": attachment,
        "action": action,
        "lang": reply.lang if reply else None,
        "score": reply.score if reply else None,
        "entry_id": reply.entry_id if reply else None,
    }


def _outgoing_row(
    sender: ChannelSender,
    conversation: Conversation,
    html_text: str,
    author: str,
    reply: Reply | None,
    action: str | None,
    *,
    advisor_id: int | None = None,
    plain_text: str | None = None,
) -> dict[str, Any]:
    return {
        "conversation_id": conversation.id,
        "direction": "out",
        "author": author,
        "advisor_id": advisor_id,
        "text": plain_text if plain_text is not None else html_text,
        "entry_id": reply.entry_id if reply else None,
        "entry_version": reply.entry_version if reply else None,
        "score": reply.score if reply else None,
        "action": action or (reply.action if reply else None),
        "lang": reply.answer_lang if reply else None,
        "delivery_status": "sent" if sender.delivered_on_commit else "queued",
    }


def _outgoing(
    person: Person, conversation: Conversation, html_text: str, buttons: Keyboard | None, message_id: int | None
) -> Outgoing:
    return Outgoing(
        person_id=person.id,
        channel=person.channel,
        external_id=person.external_id,
        html=html_text,
        buttons=_with_message_id(buttons or [], message_id or 0),
        conversation_id=conversation.id,
        message_id=message_id,
    )


def _unanswered(conversation: Conversation, message_id: int, question: str, reply: Reply) -> Feedback:
    """A fallback: the question goes to the editors' report of what the knowledge base lacks."""
    return Feedback(
        conversation_id=conversation.id, message_id=message_id, helpful=None, question=question, lang=reply.lang
    )


def _log_answered(conversation: Conversation, reply: Reply) -> None:
    _log(
        "answered",
        conversation_id=conversation.id,
        action=reply.action,
        lang=reply.lang,
        entry_id=reply.entry_id,
        score=reply.score,
    )


def _assign(obj: Any, **values: Any) -> None:
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)


def _queue_item(c: Conversation, reason: str | None) -> QueueItem:
    return QueueItem(
        conversation_id=c.id,
        person_id=c.person_id,
        state=c.state,
        region=c.region,
        language=c.language,
        topic=c.topic,
        urgency=c.urgency,
        reason=reason,
        advisor_id=c.advisor_id,
        waiting_since=c.waiting_since,
        updated_at=c.updated_at,
    )


def _language_keyboard() -> Keyboard:
    buttons = [Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in UI_LANGUAGES]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _with_message_id(buttons: Keyboard, message_id: int) -> Keyboard:
    """Feedback buttons name the answer they rate; its id is known only once the answer is stored."""
    return [[Button(b.text, b.data.replace("{mid}", str(message_id))) for b in row] for row in buttons]
