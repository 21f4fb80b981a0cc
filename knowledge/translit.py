"""Arabic, Persian, Russian and Ukrainian typed in Latin letters: which one it is (and the other corpus
languages that lingua does not know in Latin letters).

Why a model of its own: lingua knows these languages only in their own
scripts, so "salam man too ye anbar kar mikonam" comes back as German or
Turkish, and "ne rozumiju Lohnabrechnung" as Polish; the person then gets an
answer in a language they did not write. Character n-grams carry what
transliteration keeps (the "kh", "zh", "shch", "mikonam", "3a" of each
language). A linear model over them, trained on the Latin-script examples of
the intents corpus (written by counsellors in the registers people use),
told every transliterated line of the dev and both old held-out sets apart
(2026-12-03: 59 of 59 ar/fa/ru/uk lines, 0 of 472 core Latin-script lines
mistaken for one of them). By default it claims only these four languages.
The detector (knowledge/language.py) also lets it claim the corpus languages
that lingua cannot name in Latin letters (Uzbek, Tagalog, Kurmanji, Somali,
Roman Urdu and Hindi, Georgian, ...) and Vietnamese typed without tone marks;
the rest of the Latin-script messages are left to lingua.

Training takes 1-3 s on an idle two-core machine and over 20 s on a loaded
one, where it held back every replica's start. So the index build trains it
beside the intent model and saves it in the index version (`MODEL_FILE`,
plain arrays like the other models: loading never needs pickle); a process
loads that file and only trains (once per corpus fingerprint) when the index
was built without one.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np

TRANSLITERATED = ("ar", "fa", "ru", "uk")
MIN_LATIN_SHARE = 0.7  # an example trains the model when at least this share of its letters is Latin
MIN_EXAMPLES = 20  # per transliterated language; fewer and the model is not trained at all
# Between the best transliterated language and the best other language (LinearSVC decision values): a
# margin keeps a Latin-script message with one borrowed word ("salam, wie lange Probezeit?") with lingua.
MIN_MARGIN = 0.2
MODEL_FILE = "translit-model.npz"
_VECTORIZER = {"analyzer": "char_wb", "ngram_range": (1, 4), "sublinear_tf": True}


def latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum("a" <= c.casefold() <= "z" for c in letters) / len(letters)


def _vectorizer(vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(**_VECTORIZER, min_df=1 if vocabulary else 2, vocabulary=vocabulary)


@dataclass(frozen=True)
class TranslitModel:
    vectorizer: Any  # sklearn TfidfVectorizer over character n-grams
    coef: np.ndarray  # LinearSVC weights, one row per class
    intercept: np.ndarray
    classes: tuple[str, ...]

    @classmethod
    def train(cls, samples: Iterable[tuple[str, str]]) -> TranslitModel | None:
        """`samples` are (lang, text); only Latin-script ones are used. None when a language has too few."""
        from sklearn.svm import LinearSVC

        texts, labels = [], []
        for lang, text in samples:
            if latin_share(text) >= MIN_LATIN_SHARE:
                texts.append(text)
                labels.append(lang)
        if any(labels.count(lang) < MIN_EXAMPLES for lang in TRANSLITERATED) or len(set(labels)) < 2:
            return None
        vectorizer = _vectorizer()
        svm = LinearSVC(C=0.5, random_state=0).fit(vectorizer.fit_transform(texts), labels)
        classes = tuple(str(c) for c in svm.classes_)
        if len(classes) == 2:  # sklearn keeps one row for two classes: spell out both
            coef, intercept = np.vstack([-svm.coef_, svm.coef_]), np.hstack([-svm.intercept_, svm.intercept_])
        else:
            coef, intercept = svm.coef_, svm.intercept_
        return cls(vectorizer, coef.astype(np.float32), intercept.astype(np.float32), classes)

    def save(self, path: Path) -> None:
        """Plain arrays (vocabulary, idf, weights): written by the index build, tmp file then rename."""
        vocabulary = sorted(self.vectorizer.vocabulary_.items(), key=lambda item: item[1])
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez_compressed(
            tmp,
            vocabulary=np.array([term for term, _ in vocabulary]),
            idf=self.vectorizer.idf_,
            coef=self.coef,
            intercept=self.intercept,
            classes=np.array(self.classes),
        )
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> TranslitModel | None:
        """The saved model, or None when there is none or it is unreadable (the caller trains one)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                terms = [str(t) for t in data["vocabulary"]]
                vectorizer = _vectorizer({term: i for i, term in enumerate(terms)})
                vectorizer.idf_ = data["idf"]
                return cls(vectorizer, data["coef"], data["intercept"], tuple(str(c) for c in data["classes"]))
        except (OSError, KeyError, ValueError):
            return None

    def scores(self, text: str) -> np.ndarray:
        """The linear decision value of each class (LinearSVC's decision_function)."""
        return np.asarray(self.vectorizer.transform([text]) @ self.coef.T).ravel() + self.intercept

    def best(self, text: str) -> tuple[str, float]:
        """The likeliest class and its margin over the next one (LinearSVC decision values)."""
        ranked = sorted(zip(self.scores(text), self.classes, strict=True), reverse=True)
        return ranked[0][1], float(ranked[0][0] - ranked[1][0]) if len(ranked) > 1 else float("inf")

    def transliterated(self, text: str, claim: Collection[str] = TRANSLITERATED) -> str | None:
        """The language of `claim` the text is in, or None (another language, or not sure).

        `claim` is by default the four transliterated languages; the detector also lets the model claim
        the corpus languages lingua does not know in Latin letters (Uzbek, Tagalog, Roman Urdu, ...).
        """
        scores = self.scores(text)
        ranked = sorted(zip(scores, self.classes, strict=True), reverse=True)
        best_score, best = ranked[0]
        if best not in claim:
            return None
        runner_up = next((s for s, lang in ranked[1:] if lang not in claim), None)
        if runner_up is not None and best_score - runner_up < MIN_MARGIN:
            return None
        return best


_models: dict[str, TranslitModel | None] = {}
_lock = Lock()


def translit_model(fingerprint: str, samples: Iterable[tuple[str, str]]) -> TranslitModel | None:
    """The model for these samples, trained once per process for each fingerprint."""
    with _lock:
        if fingerprint not in _models:
            _models[fingerprint] = TranslitModel.train(samples)
        return _models[fingerprint]
