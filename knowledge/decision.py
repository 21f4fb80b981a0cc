"""The safety policy: from what retrieval and the classifier saw in a message to what the bot does.

Order matters and encodes the policy: danger first (a pattern or the
classifier may each raise it, neither can veto it), then a request for a
person, then a bare greeting, then off-topic, then the answer thresholds.
An answer whose best entry is nearly tied with the best entry of another topic
still answers the best, and names the other (`Decision.alternative`) so the
person can switch with one tap. Between "emergency" and "no danger" lies a middle band: the bot still answers
the question, but puts the emergency numbers first and marks the
conversation urgent, because a missed emergency costs more than a false one.
The figures and the reasons for them are in knowledge/thresholds.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from knowledge.intents import IntentMatch, IntentScores
from knowledge.intents.rules import RESOLVABLE_SUBTYPES
from knowledge.retriever import EntryHit, SearchResult

Action = Literal["answer", "fallback", "handoff", "emergency", "greeting"]
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.yaml")


@dataclass(frozen=True)
class Thresholds:
    answer_min_score: float
    answer_min_margin: float
    answer_sure_score: float
    near_tie_margin: float
    emergency_min: float
    danger_min: float
    handoff_min: float
    handoff_weak_min: float
    greeting_min: float
    offtopic_min: float
    offtopic_veto_score: float
    greeting_max_rest_words: int
    greeting_max_words: int
    search_k: int
    lexical_weight: float
    lexical_saturation: float
    topic_weight: float
    topic_text_share: float
    translit_vote_share: float
    translit_vote_k: int

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> Thresholds:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        missing = [name for name in cls.__dataclass_fields__ if name not in data]
        if missing:
            raise ValueError(f"{path} lacks {', '.join(missing)}; see the comments in knowledge/thresholds.yaml")
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Assessment:
    """Everything the decision looks at; kept apart from `decide` so calibration can replay decisions."""

    query: str
    result: SearchResult
    ranked: list[EntryHit]  # best entry per topic, best first
    matches: list[IntentMatch]
    lang: str
    greeting_rest: int  # words left after greeting phrases
    danger_over: bool = False  # the message says a fight or an accident is over or only imagined (IntentRules)

    @property
    def intents(self) -> IntentScores | None:
        return self.result.intents


@dataclass(frozen=True)
class Decision:
    action: Action
    danger: str | None = None  # emergency sub-type, for an emergency and for the middle band
    why: str = ""  # pattern | classifier | retrieval: for logs and the evaluation, never shown
    # An answer nearly tied with another topic's best entry: that entry, offered as "Or is your question about …?"
    alternative: EntryHit | None = None


def _pattern_subtype(matches: list[IntentMatch], scores: IntentScores | None) -> str:
    """A pattern knows its group; a bare call for help takes the classifier's sub-type."""
    subtype = next((m.subtype for m in matches if m.intent == "emergency"), None)
    if subtype in (None, "help"):
        return scores.subtype if scores is not None else "violence"
    return subtype


def decide(a: Assessment, th: Thresholds) -> Decision:
    scores = a.intents
    # a bare word for an advisor asks for one only when the classifier leans that way too
    weak_ok = scores is None or scores["handoff"] >= th.handoff_weak_min
    rules = {m.intent for m in a.matches if not m.weak or weak_ok}
    pattern = next((m for m in a.matches if m.intent == "emergency"), None)
    # A fight or an accident the message says is over or only imagines ("it healed long ago, who pays?"): the middle
    # band (the answer, with the emergency numbers first and the conversation urgent), not the emergency reply,
    # whether a pattern or the classifier saw the danger, as long as neither sees a kind that is never over
    # (suicide, sexual violence, trafficking, a child).
    classifier = scores is not None and scores.emergency >= th.emergency_min
    classifier_over = classifier and a.danger_over and scores is not None and scores.subtype in RESOLVABLE_SUBTYPES
    # with no classifier at all, the pattern alone decides: an emergency
    pattern_over = (
        pattern is not None and pattern.resolved and scores is not None and (not classifier or classifier_over)
    )
    if pattern is not None and not pattern_over:
        return Decision("emergency", _pattern_subtype(a.matches, scores), "pattern")
    if classifier and not classifier_over:
        return Decision("emergency", scores.subtype if scores is not None else "violence", "classifier")
    danger = scores.subtype if scores is not None and scores.emergency >= th.danger_min else None
    if pattern_over:
        danger = _pattern_subtype(a.matches, scores)
    if "handoff" in rules:
        return Decision("handoff", danger, "pattern")
    # A message made of greeting phrases only ("hello, who are you?") is a greeting: the classifier's handoff
    # reads "who are you, what can you do" as asking for someone; the greeting reply says who is here.
    bare_greeting = "greeting" in rules and a.greeting_rest <= th.greeting_max_rest_words and danger is None
    if bare_greeting:
        return Decision("greeting", None, "pattern")
    if scores is not None and scores["handoff"] >= th.handoff_min:
        return Decision("handoff", danger, "classifier")
    words = len(a.query.split())
    if (
        scores is not None
        and scores["greeting"] >= th.greeting_min
        and words <= th.greeting_max_words
        and danger is None
    ):
        return Decision("greeting", None, "classifier")
    if not a.ranked:
        return Decision("fallback", danger, "retrieval")
    best = a.ranked[0]
    # Off-topic, unless retrieval is sure: a question matching an entry this well (words, meaning and topic
    # together) is in the service's field even when it sounds like everyday life (a German course, a job).
    offtopic = scores is not None and scores["offtopic"] >= th.offtopic_min and best.score < th.offtopic_veto_score
    if offtopic and danger is None:
        return Decision("fallback", None, "classifier")
    margin = best.score - a.ranked[1].score if len(a.ranked) > 1 else 1.0
    if best.score >= th.answer_sure_score or (best.score >= th.answer_min_score and margin >= th.answer_min_margin):
        # `ranked` holds one entry per topic, so the runner-up is always another topic
        near_tie = a.ranked[1] if len(a.ranked) > 1 and margin < th.near_tie_margin else None
        return Decision("answer", danger, "retrieval", near_tie)
    return Decision("fallback", danger, "retrieval")
