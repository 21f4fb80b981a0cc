"""The classifiers trained with each index version (intents, emergency neighbours, topics) and their files.

Training takes tens of seconds, so each model carries a fingerprint of what it was trained on and a
build that changed no training text reuses the previous version's model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from knowledge.classifier import SoftmaxClassifier, train_model
from knowledge.intents import IntentCorpus
from knowledge.intents.neighbours import EmergencyNeighbours
from knowledge.intents.training import DEFAULT_SPEC, fit, training_set
from knowledge.text_topics import TextTopicModel, train_text_topics
from knowledge.translit import MODEL_FILE as TRANSLIT_MODEL_FILE
from knowledge.translit import TranslitModel

INTENT_MODEL_FILE = "intent-model.npz"
INTENT_NEIGHBOURS_FILE = "intent-neighbours.npz"
TOPIC_MODEL_FILE = "topic-model.npz"
TEXT_TOPIC_MODEL_FILE = "topic-text-model.npz"
# What a build trains, recorded in the manifest: a build whose code trains a kind the current version lacks
# writes a new version even when no entry changed, so an upgrade serves the new model without an edit.
TRAINED_MODELS = ("intents", "topics", "text-topics")
TOPIC_MODEL_C = 10.0  # chosen on the dev and old held-out sets (bench/decisions.py, README: retrieval)


Model = TypeVar("Model", SoftmaxClassifier, TextTopicModel)


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def _reuse_or_train(
    previous: Path | None,
    name: str,
    fingerprint: str,
    train: Callable[[], Model | None],
    load: Callable[[Path], Model],
) -> Model | None:
    """A publish that changed no training text reuses the previous version's model."""
    if previous is not None and (previous / name).exists():
        try:
            old: Model | None = load(previous / name)
        except (OSError, ValueError, KeyError):
            old = None
        if old is not None and old.fingerprint == fingerprint:
            return old
    model = train()
    return dataclasses.replace(model, fingerprint=fingerprint) if model is not None else None


def train_intents(
    corpus: IntentCorpus,
    corpus_matrix: np.ndarray,
    kb_questions: Sequence[tuple[str, str]],
    kb_matrix: np.ndarray,
    model_id: str,
    previous: Path | None,
) -> tuple[SoftmaxClassifier | None, EmergencyNeighbours]:
    """The intent classifier on the corpus, with the entries' question variants ((lang, text)) as questions."""
    fingerprint = _fingerprint(model_id, corpus.fingerprint(), list(kb_questions), DEFAULT_SPEC)
    data = training_set(corpus, corpus_matrix, kb_questions, kb_matrix)
    model = _reuse_or_train(previous, INTENT_MODEL_FILE, fingerprint, lambda: fit(data), SoftmaxClassifier.load)
    neighbours = EmergencyNeighbours(data.vectors, np.array([lab.startswith("emergency") for lab in data.labels]))
    return model, neighbours


def train_topics(
    questions: Sequence[str], topics: Sequence[str], matrix: np.ndarray, model_id: str, previous: Path | None
) -> SoftmaxClassifier | None:
    """Question variant -> its entry's topic: the topic model that sits beside nearest-vector retrieval."""
    if len(set(topics)) < 2:
        return None
    fingerprint = _fingerprint(model_id, [(q, t) for q, t in zip(questions, topics, strict=True)], TOPIC_MODEL_C)
    return _reuse_or_train(
        previous,
        TOPIC_MODEL_FILE,
        fingerprint,
        lambda: train_model(matrix, list(topics), c=TOPIC_MODEL_C),
        SoftmaxClassifier.load,
    )


def train_text_topic_model(
    questions: Sequence[str], topics: Sequence[str], previous: Path | None
) -> TextTopicModel | None:
    """The character n-gram topic model on the same phrasings as the topic model (reused when they are unchanged)."""
    if len(set(topics)) < 2:
        return None
    fingerprint = _fingerprint("text-topics", [(q, t) for q, t in zip(questions, topics, strict=True)])
    return _reuse_or_train(
        previous, TEXT_TOPIC_MODEL_FILE, fingerprint, lambda: train_text_topics(questions, topics), TextTopicModel.load
    )


def load_text_topics(path: Path) -> TextTopicModel | None:
    """The character topic model saved in one index version.

    None when the version was built before it existed or its file is unreadable: retrieval then ranks with the
    embedding topic model alone rather than refusing the whole version.
    """
    try:
        return TextTopicModel.load(path / TEXT_TOPIC_MODEL_FILE) if (path / TEXT_TOPIC_MODEL_FILE).exists() else None
    except (OSError, ValueError, KeyError):
        return None


def load_models(path: Path) -> tuple[SoftmaxClassifier | None, SoftmaxClassifier | None, EmergencyNeighbours | None]:
    """The intent model, topic model and emergency neighbours saved in one index version (None where absent)."""
    intent_model, topic_model = (
        SoftmaxClassifier.load(path / name) if (path / name).exists() else None
        for name in (INTENT_MODEL_FILE, TOPIC_MODEL_FILE)
    )
    neighbours_path = path / INTENT_NEIGHBOURS_FILE
    neighbours = EmergencyNeighbours.load(neighbours_path) if neighbours_path.exists() else None
    return intent_model, topic_model, neighbours


def save_translit(corpus: IntentCorpus, previous: Path | None, same_corpus: bool, target: Path) -> None:
    """The transliteration model of this corpus into the new version: copied when the corpus is unchanged."""
    old = previous / TRANSLIT_MODEL_FILE if previous is not None else None
    if same_corpus and old is not None and old.exists():
        shutil.copyfile(old, target / TRANSLIT_MODEL_FILE)
        return
    model = TranslitModel.train((e.lang, e.text) for e in corpus.examples)
    if model is not None:
        model.save(target / TRANSLIT_MODEL_FILE)


def load_translit(path: Path) -> TranslitModel | None:
    """The transliteration model saved in one index version (None: built without a corpus, or unreadable)."""
    return TranslitModel.load(path / TRANSLIT_MODEL_FILE) if (path / TRANSLIT_MODEL_FILE).exists() else None
