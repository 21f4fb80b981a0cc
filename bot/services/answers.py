"""Retrieve, decide, compose: the one code path from a message to the bot's reply.

The live bot, the web chat, `fairbot ask` and `fairbot eval` all go through
`AnswerService.respond_many` (one message: `respond`; from the event loop:
`respond_async`, which gathers messages that arrive together into one batch),
so what is measured is what users get.
"""

from __future__ import annotations

import datetime as _dt
import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.config import Settings
from bot.locales import t
from bot.services.helplines import danger_note, emergency_reply
from bot.services.index_builds import build_in_child_process
from bot.services.service_profile import ServiceProfileStore
from knowledge.decision import Action, Assessment, Decision, Thresholds, decide
from knowledge.encoders import load_encoder
from knowledge.index import IndexStore
from knowledge.index_models import load_translit
from knowledge.intents import IntentRules, load_corpus, load_rules
from knowledge.language_choice import LanguageChooser
from knowledge.microbatch import MicroBatcher
from knowledge.retriever import EntryHit, Retriever
from knowledge.schema import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, Entry
from knowledge.service_fields import render as render_fields
from knowledge.topics import load_topics
from knowledge.translit import TranslitModel, translit_model

__all__ = ["Action", "AnswerService", "Assessment", "RankedTopic", "Reply", "Thresholds"]


@dataclass(frozen=True)
class RankedTopic:
    topic: str
    entry_id: str
    score: float


@dataclass(frozen=True)
class Reply:
    """What the bot decided for one message.

    `lang` is the detected language of the message (any ISO 639-1 code);
    `answer_lang` is the language the reply is written in (one with content).
    `html` is ready for Telegram's HTML parse mode (all content escaped) and is
    filled for every action, so every channel renders the same thing.
    """

    action: Action
    lang: str
    answer_lang: str
    html: str
    topics: list[RankedTopic] = field(default_factory=list)
    entry_id: str | None = None
    entry_version: str | None = None  # content hash of the entry that was shown
    score: float | None = None
    suggestions: list[RankedTopic] = field(default_factory=list)  # fallback: up to 3 topic buttons
    # Emergency sub-type (violence, trafficking, medical, suicide, sexual, child) of an emergency, or of a
    # message in the middle band: answered, but with the emergency numbers first and marked urgent.
    danger: str | None = None
    # A near-tie: the best entry of another topic scored almost as high; offered under the answer as one tap
    # ("Or is your question about …?") and logged for the editors. The action stays "answer".
    alternative: RankedTopic | None = None


@dataclass(frozen=True)
class Question:
    """One message to answer, with what the channel knows of the person's language."""

    text: str
    lang_hint: str | None = None
    chosen_lang: str | None = None


log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 1000  # the model reads ~512 tokens; longer messages are cut for retrieval only
# Messages arriving within BATCH_WINDOW of each other share one encoder call and one index pass (at most
# BATCH_MAX; the cap also keeps each faiss search on one kernel, see knowledge.retriever.SEARCH_CHUNK).
BATCH_WINDOW = 0.003
BATCH_MAX = 16


def _translit(store: IndexStore) -> TranslitModel | None:
    """Saved with the index by its build (a start must not spend seconds training it); trained here only
    for an index built without one."""
    version = store.current_version()
    saved = load_translit(store.version_path(version)) if version else None
    if saved is not None:
        return saved
    corpus = load_corpus()
    return translit_model(corpus.fingerprint(), ((e.lang, e.text) for e in corpus.examples))


class AnswerService:
    """Message → Reply. Thread-safe; one per process (it holds the model and the index)."""

    def __init__(
        self,
        retriever: Retriever,
        rules: IntentRules,
        thresholds: Thresholds,
        region: str = "ni",
        profile: ServiceProfileStore | None = None,
        translit: TranslitModel | None = None,
    ) -> None:
        self.retriever = retriever
        self.translit = translit
        self.profile = profile  # fills {service.…} fields in answers; None leaves those lines out
        self.rules = rules
        self.thresholds = thresholds
        self.region = region
        self.languages = LanguageChooser(translit, thresholds.translit_vote_k, thresholds.translit_vote_share)
        self._titles: dict[tuple[str, str, _dt.date], list[tuple[str, str]]] = {}
        self._hashes: dict[int, tuple[Entry, str]] = {}
        self._batcher: MicroBatcher[Question, Reply] = MicroBatcher(
            self.respond_many, window=BATCH_WINDOW, max_batch=BATCH_MAX, name="answers"
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, build_if_missing: bool = True) -> AnswerService:
        store = IndexStore(settings.index_dir)
        if store.current_version() is None and build_if_missing:
            build_in_child_process(settings)
        thresholds = Thresholds.load()
        encoder = load_encoder(settings.knowledge)
        retriever = Retriever(
            store,
            encoder,
            search_k=thresholds.search_k,
            lexical_weight=thresholds.lexical_weight,
            lexical_saturation=thresholds.lexical_saturation,
            topic_weight=thresholds.topic_weight,
            topic_text_share=thresholds.topic_text_share,
        )
        return cls(
            retriever,
            load_rules(),
            thresholds,
            settings.fairbot_region,
            ServiceProfileStore(settings),
            _translit(store),
        )

    # ------------------------------------------------------------------ public API

    def load_current_index(self) -> None:
        """Switch to the newest published index now (blocking: call it in a thread), not at the next message."""
        self.retriever.reload_if_changed(force=True)

    def respond(
        self, text: str, *, lang_hint: str | None = None, chosen_lang: str | None = None, today: _dt.date | None = None
    ) -> Reply:
        """What the bot does with `text` as a message; the same for every channel, the CLI and the eval.

        Not cached here: the conversation core keeps a reply cache in front of this call.
        """
        return self.respond_many([Question(text, lang_hint, chosen_lang)], today=today)[0]

    def respond_many(self, questions: Sequence[Question], *, today: _dt.date | None = None) -> list[Reply]:
        """`respond` for several messages at once: one encoder call and one index pass for all of them.

        Each reply is the one the message gets alone (tests/integration/test_microbatch.py).
        """
        self.retriever.reload_if_changed()
        today = today or _dt.date.today()
        replies: list[Reply | None] = [None] * len(questions)
        asked: list[tuple[int, str, Question]] = []
        for i, question in enumerate(questions):
            query = question.text.strip()[:MAX_QUERY_CHARS]
            if query:
                asked.append((i, query, question))
            else:
                lang = question.chosen_lang or question.lang_hint or FALLBACK_LANGUAGE
                replies[i] = self._reply(Decision("greeting"), lang, [])
        assessments = self.assess_many([(query, q.lang_hint, q.chosen_lang) for _, query, q in asked], today=today)
        for (i, _, _), assessment in zip(asked, assessments, strict=True):
            replies[i] = self._reply(self.decide(assessment), assessment.lang, assessment.ranked)
        return [reply for reply in replies if reply is not None]

    async def respond_async(
        self, text: str, *, lang_hint: str | None = None, chosen_lang: str | None = None, urgent: bool = False
    ) -> Reply:
        """`respond` from the event loop: off the loop, in one worker thread, batched with messages that arrive
        within a few milliseconds of this one; `urgent` ones (`sounds_urgent`) are taken before the others."""
        return await self._batcher.run(Question(text, lang_hint, chosen_lang), urgent=urgent)

    def batch_stats(self) -> dict[str, object]:
        """Batch sizes and waits of `respond_async` so far (for the bench and metrics)."""
        return {"window_ms": BATCH_WINDOW * 1000, "max_batch": BATCH_MAX, **self._batcher.stats.summary()}

    def close(self) -> None:
        """Ends the batch worker after the messages already submitted."""
        self._batcher.close()

    def sounds_dangerous(self, text: str) -> bool:
        """The cheap check (patterns only, no embedding) that lets an emergency through the rate limit."""
        return any(m.intent == "emergency" for m in self.rules.match(text[:MAX_QUERY_CHARS]))

    def sounds_urgent(self, text: str) -> bool:
        """May this be an emergency or a request for a person? Patterns only, wider than the decision's
        (knowledge.intents.IntentRules.urgent): under load such a message is served first."""
        return self.rules.urgent(text[:MAX_QUERY_CHARS])

    def topic_titles(self, lang: str) -> list[tuple[str, str]]:
        """Topics that have at least one servable entry, with their title in `lang` (for browsing).

        Every fallback reply lists some: kept per index version, language and day (~5 ms each otherwise).
        """
        key = (self.retriever.index.version, self._content_lang(lang), _dt.date.today())
        titles = self._titles.get(key)
        if titles is None:
            if len(self._titles) > 64:
                self._titles.clear()
            titles = self._titles[key] = self._topic_titles(key[1])
        return list(titles)

    def _topic_titles(self, lang: str) -> list[tuple[str, str]]:
        served = {e.topic for e in self._entries() if self.retriever.index.is_served(e, _dt.date.today())}
        titles = []
        for topic in load_topics():
            if topic.id in served:
                entry = self._best_entry_of(topic.id)
                titles.append((topic.id, entry.text(lang).title if entry else topic.title_in(lang)))
        return titles

    def topic_of(self, entry_id: str) -> str | None:
        """The topic of an entry of the served index (the advisor queue's triage reads answered topics)."""
        return getattr(self.retriever.index.entries.get(entry_id), "topic", None)

    def entry_title(self, entry_id: str, lang: str) -> str | None:
        """The reviewed title of a loaded entry in `lang` (the advisor's German summary of a conversation)."""
        entry = self.retriever.index.entries.get(entry_id)
        return entry.text(lang).title if entry is not None else None

    def entry_for_topic(self, topic: str, lang: str) -> Reply:
        """The answer shown when a person taps a topic button."""
        entry = self._best_entry_of(topic)
        if entry is None:
            raise KeyError(f"no servable entry for topic {topic!r}")
        return self._entry_reply(entry, lang)

    def entry_reply(self, entry_id: str, lang: str) -> Reply:
        """The answer shown when a person taps "Or is your question about …?" under a near-tie."""
        entry = self.retriever.index.entries.get(entry_id)
        if entry is None or not self.retriever.index.is_served(entry, _dt.date.today()):
            raise KeyError(f"no servable entry {entry_id!r}")
        return self._entry_reply(entry, lang)

    def _entry_reply(self, entry: Entry, lang: str) -> Reply:
        html_text, version = self.compose_entry(entry, lang), self._content_hash(entry)
        topics = [RankedTopic(entry.topic, entry.id, 1.0)]
        return Reply("answer", lang, self._content_lang(lang), html_text, topics, entry.id, version, 1.0)

    def compose_entry(self, entry: Entry, lang: str) -> str:
        """Telegram HTML for an entry: title, answer, sources and review date. Everything from content is escaped."""
        answer_lang = self._content_lang(lang)
        text = entry.text(answer_lang)
        parts = []
        if answer_lang != lang:
            parts.append(f"<i>{html.escape(t('other_language_note', answer_lang))}</i>")
        if entry.valid_until and entry.is_expired_on(_dt.date.today()):  # no successor yet (see LoadedIndex.is_served)
            caveat = t("expired_caveat", answer_lang, date=entry.valid_until.strftime("%d.%m.%Y"))
            parts.append(f"<b>{html.escape(caveat)}</b>")
        parts.append(f"<b>{html.escape(text.title)}</b>")
        parts.append(html.escape(render_fields(text.answer, self.profile.values() if self.profile else {})))
        links = ", ".join(
            f'<a href="{html.escape(str(s.url), quote=True)}">{html.escape(s.title)}</a>' for s in entry.sources
        )
        reviewed = entry.reviewed.strftime("%d.%m.%Y")
        parts.append(
            f"{html.escape(t('sources_label', answer_lang))}: {links}\n<i>{html.escape(t('as_of', answer_lang, date=reviewed))}</i>"
        )
        return "\n\n".join(parts)

    # ------------------------------------------------------------------ decision

    def assess(
        self, query: str, *, lang_hint: str | None = None, chosen_lang: str | None = None, today: _dt.date | None = None
    ) -> Assessment:
        """Everything the decision looks at; separate from `decide` so calibration can replay decisions."""
        return self.assess_many([(query, lang_hint, chosen_lang)], today=today)[0]

    def assess_many(
        self, queries: Sequence[tuple[str, str | None, str | None]], *, today: _dt.date | None = None
    ) -> list[Assessment]:
        """`assess` for (query, lang_hint, chosen_lang) triples: the searches batched, the rest per message."""
        self.languages.refresh(self.retriever.index)
        results = self.retriever.search_many(
            [query for query, _, _ in queries], today=today or _dt.date.today(), region=self.region
        )
        assessments = []
        for (query, lang_hint, chosen_lang), result in zip(queries, results, strict=True):
            matches = self.rules.match(query)
            lang = self.languages.choose(query, result, matches, lang_hint, chosen_lang)
            greeting_rest = self.rules.greeting_rest_words(query)
            over = self.rules.says_danger_over(query)
            assessments.append(Assessment(query, result, result.by_topic(), matches, lang, greeting_rest, over))
        return assessments

    def decide(self, a: Assessment, thresholds: Thresholds | None = None) -> Decision:
        return decide(a, thresholds or self.thresholds)

    # ------------------------------------------------------------------ composition

    def _reply(self, decision: Decision, lang: str, ranked: list[EntryHit]) -> Reply:
        action, danger = decision.action, decision.danger
        answer_lang = self._content_lang(lang)
        topics = [RankedTopic(h.topic, h.entry.id, round(h.score, 4)) for h in ranked[:5]]
        if action == "answer":
            best = ranked[0]
            return Reply(
                action,
                lang,
                answer_lang,
                self._with_danger(self.compose_entry(best.entry, lang), danger, answer_lang),
                topics,
                best.entry.id,
                self._content_hash(best.entry),
                round(best.score, 4),
                danger=danger,
                alternative=_ranked(decision.alternative),
            )
        suggestions = topics[:3] if action == "fallback" else []
        score = topics[0].score if topics else None
        body = self._compose_action(action, answer_lang, suggestions, danger)
        return Reply(
            action,
            lang,
            answer_lang,
            body if action == "emergency" else self._with_danger(body, danger, answer_lang),
            topics,
            None,
            None,
            score,
            suggestions,
            danger=danger,
        )

    @staticmethod
    def _with_danger(body: str, danger: str | None, lang: str) -> str:
        return f"{danger_note(danger, lang)}\n\n{body}" if danger else body

    def _compose_action(self, action: Action, lang: str, suggestions: list[RankedTopic], danger: str | None) -> str:
        if action == "greeting":
            return html.escape(t("greeting", lang))
        if action == "handoff":
            return html.escape(t("handoff", lang))
        if action == "emergency":
            return emergency_reply(danger, lang)
        parts = [html.escape(t("fallback", lang))]
        if suggestions:
            titles = {topic: title for topic, title in self.topic_titles(lang)}
            lines = "\n".join(f"• {html.escape(titles.get(s.topic, s.topic))}" for s in suggestions)
            parts.append(f"{html.escape(t('fallback_suggestions', lang))}\n{lines}")
        parts.append(html.escape(t("fallback_offer", lang)))
        return "\n\n".join(parts)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _content_lang(lang: str) -> str:
        return lang if lang in SUPPORTED_LANGUAGES else FALLBACK_LANGUAGE

    def _entries(self) -> list[Entry]:
        return list(self.retriever.index.entries.values())

    def _best_entry_of(self, topic: str) -> Entry | None:
        """The topic's overview entry: the first valid one by id (ids start with the topic's main question)."""
        today = _dt.date.today()
        candidates = sorted(
            (e for e in self._entries() if e.topic == topic and self.retriever.index.is_served(e, today)),
            key=lambda e: e.id,
        )
        return candidates[0] if candidates else None

    def _content_hash(self, entry: Entry) -> str:
        """An entry's hash (a JSON dump, ~1 ms) once per loaded entry: loaded entries do not change."""
        found = self._hashes.get(id(entry))
        if found is None or found[0] is not entry:  # the entry is held, so its id is not reused meanwhile
            if len(self._hashes) > 4096:
                self._hashes.clear()
            found = self._hashes[id(entry)] = (entry, entry.content_hash())
        return found[1]


def _ranked(hit: EntryHit | None) -> RankedTopic | None:
    return RankedTopic(hit.topic, hit.entry.id, round(hit.score, 4)) if hit is not None else None
