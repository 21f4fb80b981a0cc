"""The safety policy in knowledge/decision.py: what wins when patterns, the classifier and retrieval disagree."""

from __future__ import annotations

import pytest

from knowledge.decision import Assessment, Thresholds, decide
from knowledge.intents import IntentMatch, IntentScores
from knowledge.retriever import EntryHit, SearchResult
from knowledge.schema import Entry

TH = Thresholds.load()


def _entry(entry_id: str, topic: str) -> Entry:
    text = {"title": "t", "questions": ["q"], "answer": "a"}
    return Entry.model_validate(
        {
            "id": entry_id,
            "topic": topic,
            "reviewed": "2026-11-20",
            "sources": [{"title": "§ 4 KSchG", "url": "https://www.gesetze-im-internet.de/kschg/__4.html"}],
            "texts": {lang: text for lang in ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")},
        }
    )


HITS = [
    EntryHit(_entry("wage-unpaid-claim", "wage-unpaid"), 0.95, "de", "question", 0.95),
    EntryHit(_entry("dismissal-three-week-deadline", "dismissal"), 0.85, "de", "question", 0.85),
]


def scores(emergency: float = 0.0, subtype: str = "violence", **others: float) -> IntentScores:
    rest = 1.0 - emergency - sum(others.values())
    return IntentScores({f"emergency:{subtype}": emergency, **others, "question": max(rest, 0.0)})


def assess(
    intents: IntentScores | None,
    matches: list[IntentMatch] | None = None,
    query: str = "a b c d e f g h i j",
    over: bool = False,
) -> Assessment:
    result = SearchResult(HITS, intents, "v1")
    return Assessment(query, result, result.by_topic(), matches or [], "de", 9, over)


def test_a_pattern_raises_an_emergency_the_classifier_does_not_see() -> None:
    match = IntentMatch("emergency", "x", subtype="medical")
    decision = decide(assess(scores(0.01), [match]), TH)
    assert (decision.action, decision.danger, decision.why) == ("emergency", "medical", "pattern")


def test_a_bare_call_for_help_takes_the_classifiers_subtype() -> None:
    decision = decide(assess(scores(0.1, "suicide"), [IntentMatch("emergency", "x", subtype="help")]), TH)
    assert (decision.action, decision.danger) == ("emergency", "suicide")


def test_the_classifier_raises_an_emergency_without_any_pattern() -> None:
    decision = decide(assess(scores(TH.emergency_min, "trafficking")), TH)
    assert (decision.action, decision.danger, decision.why) == ("emergency", "trafficking", "classifier")


def test_the_middle_band_answers_but_carries_the_danger() -> None:
    p = (TH.danger_min + TH.emergency_min) / 2
    decision = decide(assess(scores(p, "suicide")), TH)
    assert (decision.action, decision.danger) == ("answer", "suicide")
    below = decide(assess(scores(TH.danger_min / 2)), TH)
    assert (below.action, below.danger) == ("answer", None)


def test_a_possible_danger_is_never_dismissed_as_off_topic_or_a_greeting() -> None:
    p = (TH.danger_min + TH.emergency_min) / 2
    offtopic = decide(assess(scores(p, offtopic=1 - p)), TH)
    assert offtopic.action == "answer" and offtopic.danger
    greeting = decide(assess(scores(p, greeting=1 - p), query="hallo"), TH)
    assert greeting.action != "greeting" and greeting.danger


@pytest.mark.parametrize(("intent", "action"), [("handoff", "handoff"), ("offtopic", "fallback")])
def test_classifier_intents(intent: str, action: str) -> None:
    assert decide(assess(scores(0.0, "violence", **{intent: 0.99})), TH).action == action


def test_a_short_greeting_is_a_greeting_and_a_long_message_is_not() -> None:
    assert decide(assess(scores(greeting=0.99), query="hallo danke"), TH).action == "greeting"
    assert (
        decide(assess(scores(greeting=0.99), query=" ".join(["wort"] * (TH.greeting_max_words + 1))), TH).action
        != "greeting"
    )


def test_a_bare_advisor_word_hands_over_only_when_the_classifier_leans_that_way() -> None:
    weak = IntentMatch("handoff", "moshaver", weak=True)
    assert decide(assess(scores(handoff=TH.handoff_weak_min / 2), [weak]), TH).action == "answer"
    assert decide(assess(scores(handoff=TH.handoff_weak_min), [weak]), TH).action == "handoff"
    assert decide(assess(None, [weak]), TH).action == "handoff"  # no classifier: the word decides


def test_without_a_trained_model_the_patterns_and_retrieval_still_decide() -> None:
    assert decide(assess(None), TH).action == "answer"
    assert decide(assess(None, [IntentMatch("handoff", "x")]), TH).action == "handoff"


def _near(second_score: float) -> Assessment:
    hits = [
        EntryHit(_entry("wage-unpaid-claim", "wage-unpaid"), 0.95, "de", "question", 0.95),
        EntryHit(_entry("payslip-right", "payslip"), second_score, "de", "question", second_score),
    ]
    result = SearchResult(hits, scores(), "v1")
    return Assessment("a b c d e f g h i j", result, result.by_topic(), [], "de", 9)


def test_a_near_tie_answers_the_best_and_names_the_other_topic() -> None:
    """Issue 15, major 4: nearly tied topics are no reason to stay silent, but the other one is offered."""
    tied = decide(_near(0.95 - TH.near_tie_margin / 2), TH)
    assert tied.action == "answer" and tied.alternative is not None
    assert (tied.alternative.entry.id, tied.alternative.topic) == ("payslip-right", "payslip")
    clear = decide(_near(0.95 - TH.near_tie_margin * 2), TH)
    assert clear.action == "answer" and clear.alternative is None


def test_a_resolved_pattern_gives_the_middle_band_when_the_classifier_agrees() -> None:
    match = IntentMatch("emergency", "x", subtype="violence", resolved=True)
    decision = decide(assess(scores(0.05), [match]), TH)
    assert (decision.action, decision.danger) == ("answer", "violence")


def test_a_resolved_pattern_stays_an_emergency_when_the_classifier_sees_danger() -> None:
    match = IntentMatch("emergency", "x", subtype="violence", resolved=True)
    assert decide(assess(scores(TH.emergency_min), [match]), TH).action == "emergency"
    assert decide(assess(None, [match]), TH).action == "emergency"  # no classifier: the pattern decides


def test_a_past_fight_only_the_classifier_sees_gets_the_middle_band() -> None:
    """'He hit me in January, it has all healed: who pays?' is a question with the numbers first, not an alarm."""
    past = decide(assess(scores(0.9, "violence"), over=True), TH)
    assert (past.action, past.danger) == ("answer", "violence")
    assert decide(assess(scores(0.9, "violence")), TH).action == "emergency"  # nothing says it is over


def test_suicide_or_trafficking_is_never_over() -> None:
    for subtype in ("suicide", "trafficking", "sexual", "child"):
        decision = decide(assess(scores(0.9, subtype), over=True), TH)
        assert (decision.action, decision.danger) == ("emergency", subtype)
    resolved = IntentMatch("emergency", "x", subtype="violence", resolved=True)
    assert decide(assess(scores(0.9, "trafficking"), [resolved], over=True), TH).action == "emergency"
