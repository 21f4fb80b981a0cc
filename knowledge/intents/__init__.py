"""What a message wants before it is a question: the learned classifier, its corpus, and the patterns behind it."""

from knowledge.intents.corpus import EMERGENCY_SUBTYPES, Example, IntentCorpus, load_corpus, load_corpus_with_errors
from knowledge.intents.model import IntentScores
from knowledge.intents.rules import IntentMatch, IntentRules, load_rules, normalise

__all__ = [
    "EMERGENCY_SUBTYPES",
    "Example",
    "IntentCorpus",
    "IntentMatch",
    "IntentRules",
    "IntentScores",
    "load_corpus",
    "load_corpus_with_errors",
    "load_rules",
    "normalise",
]
