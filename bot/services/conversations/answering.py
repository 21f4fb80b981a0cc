"""The bot's turn: one inbound message gets its reply, or is relayed, throttled or politely declined.

Safety first: a message that sounds dangerous is never throttled, and the
middle band (an answer with a danger sub-type) answers the question with the
emergency numbers first, then asks consent for an urgent handover, exactly like
an emergency does. Plain answers, fallbacks and greetings are written in a
transaction shared with other people's replies (group commit); everything
else goes alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import metrics
from bot.locales import t
from bot.logs import bind_conversation
from bot.services.answers import Reply
from bot.services.channels import Outgoing
from bot.services.conversations import buttons
from bot.services.conversations.calculators import CalculatorDialogs
from bot.services.conversations.handover import Handover
from bot.services.conversations.incoming import Inbound, Incoming, incoming_row
from bot.services.conversations.outgoing import Batch, Speaker, log, log_event, outgoing, outgoing_row
from bot.services.conversations.people import People, ui_lang
from bot.services.conversations.relay import Relay, relay_in
from bot.services.conversations.replies import Replies
from bot.services.grouping import Batcher
from bot.services.throttling import Throttle
from bot.storage import repositories as repo
from bot.storage.db import Database, DuplicateUpdate, pending_update
from bot.storage.models import STATE_BOT, STATE_HUMAN, STATE_WAITING, Conversation, Feedback, Person, utcnow

# What the bot answers without a follow-up dialogue; these replies are written in shared transactions.
GROUPED_ACTIONS = frozenset({"answer", "fallback", "greeting"})


@dataclass
class _AnswerJob:
    """A retrieval reply waiting to be written together with others (see `_answer_many`)."""

    inbound: Inbound
    reply: Reply
    claim: tuple[str, int] | None  # the update id its handling records, if it came as one


class Answering:
    def __init__(
        self,
        db: Database,
        people: People,
        speaker: Speaker,
        replies: Replies,
        relay: Relay,
        handover: Handover,
        throttle: Throttle | None,
        calculators: CalculatorDialogs | None = None,
    ) -> None:
        self.db = db
        self.calculators = calculators
        self.people = people
        self.speaker = speaker
        self.replies = replies
        self.relay = relay
        self.handover = handover
        self.throttle = throttle
        self._grouped: Batcher[_AnswerJob, Incoming | DuplicateUpdate | None] = Batcher(self._answer_many)

    @metrics.timed(metrics.REPLY_SECONDS)
    async def take(self, inbound: Inbound) -> Incoming:
        """One message from a person, on any channel: answer it, or relay it to the advisor."""
        channel, external_id, text = inbound.channel, inbound.external_id, inbound.text
        async with self.people.lock(channel, external_id):
            known = await self.people.look_up(channel, external_id)
            if known.state in (STATE_WAITING, STATE_HUMAN):
                relayed = await self.relay.relay(inbound)
                if relayed is not None:
                    return relayed

            outcome: tuple[str, str | None] | None = None  # (stored action, notice to send)
            if self.throttle is not None:
                decision = await self.throttle.hit(f"{channel}:{external_id}")
                # A person in danger may write many short messages at once: danger is never throttled.
                if not decision.allowed and not self.replies.sounds_dangerous(text):
                    outcome = ("throttled", "throttled" if decision.notify else None)
            if outcome is None and inbound.kind != "text":
                outcome = ("media", "media_unsupported" if inbound.kind != "empty" else "empty_message")
            if outcome is not None:
                return await self._store_unanswered(inbound, *outcome)

            reply = await self.replies.respond(text, known.detected or inbound.lang_hint, known.chosen)
            if known.dialog and self.calculators is not None:  # the answer to a calculator's question?
                routed = await self.calculators.take(inbound, reply)
                if routed is not None:
                    return routed
            if not inbound.too_long and reply.action in GROUPED_ACTIONS and not reply.danger:
                grouped = await self._answer_grouped(inbound, reply)
                if grouped is not None:
                    bind_conversation(grouped.conversation_id)  # written by the batch; the rest of this task is its
                    return grouped
            return await self._answer(inbound, reply)

    async def _answer_grouped(self, inbound: Inbound, reply: Reply) -> Incoming | None:
        """Write the reply in a transaction shared with other people's; None: it must go alone."""
        claim = pending_update.get()
        try:
            result = await self._grouped.submit(_AnswerJob(inbound, reply, claim))
        except Exception:  # the shared transaction failed: retried alone, so one bad message fails no other
            log.warning("grouped_write_failed", exc_info=True)
            return None
        if isinstance(result, DuplicateUpdate):
            raise result
        if result is not None and claim is not None:
            pending_update.set(None)  # recorded in the shared transaction
        return result

    async def _store_unanswered(self, inbound: Inbound, action: str, notice_key: str | None) -> Incoming:
        """Throttled, media or empty: stored (the advisor may see it later), answered by a notice at most."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(
                session, inbound.channel, inbound.external_id, inbound.region, inbound.lang_hint
            )
            row = incoming_row(conversation, inbound.text, action, inbound.kind, inbound.attachment)
            message_id = await repo.add_message(session, **row)
            replies = 0
            if notice_key:
                lang = ui_lang(person, inbound.lang_hint)
                rows = [[buttons.advisor(lang)]] if action == "media" else None
                await self.speaker.say(session, batch, person, conversation, t(notice_key, lang), rows, action=action)
                replies = 1
        await self.speaker.finish(batch)
        log_event(action, conversation_id=conversation.id, kind=inbound.kind)
        metrics.count_message(action)
        return Incoming(conversation.id, message_id, conversation.state, action, replies)

    async def _answer(self, inbound: Inbound, reply: Reply) -> Incoming:
        """One reply in its own transaction: with a notice for cut text, and consent after danger."""
        if self.calculators is not None and reply.action in GROUPED_ACTIONS and not reply.danger:
            # a calculator dialog opened on another replica (this one's cache did not know): its answer
            routed = await self.calculators.take(inbound, reply)
            if routed is not None:
                return routed
        batch = Batch()
        text = inbound.text
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(
                session, inbound.channel, inbound.external_id, inbound.region, inbound.lang_hint
            )
            if conversation.state in (STATE_WAITING, STATE_HUMAN):  # an advisor took over meanwhile
                return await relay_in(session, batch, conversation, text)
            lang = self._note_reply(person, conversation, reply)
            incoming_id = await repo.add_message(session, **incoming_row(conversation, text, reply.action, reply=reply))
            replies = 0
            if inbound.too_long:
                await self.speaker.say(session, batch, person, conversation, t("too_long", lang), action="notice")
                replies += 1
            keyboard = buttons.reply_keyboard(reply, lang, self.replies.topic_title)
            await self.speaker.say(session, batch, person, conversation, reply.html, keyboard, reply=reply)
            replies += 1
            if reply.action == "fallback" or reply.alternative is not None:
                session.add(_unanswered(conversation, incoming_id, text, reply))
            if reply.action in ("handoff", "emergency") or reply.danger:
                reason = "emergency" if reply.action == "emergency" else "danger" if reply.danger else "request"
                danger = {"subtype": reply.danger, "message_id": incoming_id, "at": utcnow().isoformat()}
                await self.handover.ask_consent(
                    session, batch, person, conversation, reason, lang, danger if reply.danger else None
                )
                replies += 1
        await self.speaker.finish(batch)
        _log_answered(conversation, reply)
        return Incoming(conversation.id, incoming_id, conversation.state, reply.action, replies)

    async def _answer_many(self, jobs: list[_AnswerJob]) -> list[Incoming | DuplicateUpdate | None]:
        """Replies of many people in one transaction, a statement per table: the hot path under load.

        Jobs this cannot take (an advisor took over meanwhile, the same person twice) come back as None
        and go alone through `_answer`; their update ids stay unclaimed here, so that path records them.
        """
        results: list[Incoming | DuplicateUpdate | None] = [None] * len(jobs)
        batch = Batch()
        answered: list[tuple[Conversation, Reply]] = []
        async with self.db.transaction() as session:
            loaded: dict[tuple[str, str], tuple[Person, Conversation]] = {}
            for channel in {job.inbound.channel for job in jobs}:
                wanted = [
                    (job.inbound.external_id, job.inbound.region, job.inbound.lang_hint)
                    for job in jobs
                    if job.inbound.channel == channel
                ]
                for external_id, pair in (await self.people.load_many(session, channel, wanted)).items():
                    loaded[(channel, external_id)] = pair
            live: dict[tuple[str, str], int] = {}
            for i, job in enumerate(jobs):
                key = (job.inbound.channel, job.inbound.external_id)
                if key not in live and loaded[key][1].state == STATE_BOT and loaded[key][1].dialog is None:
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
                conversation = loaded[(job.inbound.channel, job.inbound.external_id)][1]
                sender = self.speaker.sender(job.inbound.channel)
                rows.append(incoming_row(conversation, job.inbound.text, job.reply.action, reply=job.reply))
                rows.append(outgoing_row(sender, conversation, job.reply.html, "bot", job.reply, None))
            ids = await repo.add_messages(session, rows)
            by_channel: dict[str, list[Outgoing]] = {}
            for n, i in enumerate(todo):
                job = jobs[i]
                person, conversation = loaded[(job.inbound.channel, job.inbound.external_id)]
                incoming_id, outgoing_id = ids[2 * n], ids[2 * n + 1]
                lang = self._note_reply(person, conversation, job.reply)
                keyboard = buttons.reply_keyboard(job.reply, lang, self.replies.topic_title)
                by_channel.setdefault(job.inbound.channel, []).append(
                    outgoing(person, conversation, job.reply.html, keyboard, outgoing_id)
                )
                if job.reply.action == "fallback" or job.reply.alternative is not None:
                    session.add(_unanswered(conversation, incoming_id, job.inbound.text, job.reply))
                results[i] = Incoming(conversation.id, incoming_id, conversation.state, job.reply.action, 1)
                answered.append((conversation, job.reply))
            for channel, outgoings in by_channel.items():
                await self.speaker.stage(session, batch, channel, outgoings)
        await self.speaker.finish(batch)
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
        self.people.remember(person, conversation.state)
        return ui_lang(person, reply.lang)


def _unanswered(conversation: Conversation, message_id: int, question: str, reply: Reply) -> Feedback:
    """A fallback or a near-tie: the question goes to the editors' report of what the knowledge base lacks.

    A near-tie keeps the entry it was answered with (a fallback has none): two topics were nearly equal,
    so an entry may need clearer questions, or a new one may be missing.
    """
    return Feedback(
        conversation_id=conversation.id,
        message_id=message_id,
        helpful=None,
        question=question,
        lang=reply.lang,
        entry_id=reply.entry_id if reply.alternative is not None else None,
    )


def _log_answered(conversation: Conversation, reply: Reply) -> None:
    log_event(
        "answered",
        conversation_id=conversation.id,
        action=reply.action,
        lang=reply.lang,
        entry_id=reply.entry_id,
        score=reply.score,
    )
    metrics.count_reply(reply)


def _assign(obj: object, **values: object) -> None:
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
