"""Arabic, Persian, Russian and Ukrainian typed in Latin letters: which one it is.

Why a model of its own: lingua knows these languages only in their own
scripts, so "salam man too ye anbar kar mikonam" comes back as German or
Turkish, and "ne rozumiju Lohnabrechnung" as Polish; the person then gets an
answer in a language they did not write. Character n-grams carry what
transliteration keeps (the "kh", "zh", "shch", "mikonam", "3a" of each
language). A linear model over them, trained on the Latin-script examples of
the intents corpus (written by counsellors in the registers people use),
told every transliterated line of the dev and both old held-out sets apart
(2026-12-03: 59 of 59 ar/fa/ru/uk lines, 0 of 472 core Latin-script lines
mistaken for one of them). It only ever claims these four languages; every
other Latin-script message is left to lingua.

Training takes 1-3 s on two cores, so the model is trained once per process
and corpus (keyed by the corpus fingerprint), never per message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from threading import Lock
from typing import Any

TRANSLITERATED = ("ar", "fa", "ru", "uk")
MIN_LATIN_SHARE = 0.7  # an example trains the model when at least this share of its letters is Latin
MIN_EXAMPLES = 20  # per transliterated language; fewer and the model is not trained at all
# Between the best transliterated language and the best other language (LinearSVC decision values): a
# margin keeps a Latin-script message with one borrowed word ("salam, wie lange Probezeit?") with lingua.
MIN_MARGIN = 0.2


def latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum("a" <= c.casefold() <= "z" for c in letters) / len(letters)


@dataclass(frozen=True)
class TranslitModel:
    pipeline: Any  # sklearn Pipeline: char n-gram tf-idf -> LinearSVC
    classes: tuple[str, ...]

    @classmethod
    def train(cls, samples: Iterable[tuple[str, str]]) -> TranslitModel | None:
        """`samples` are (lang, text); only Latin-script ones are used. None when a language has too few."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        texts, labels = [], []
        for lang, text in samples:
            if latin_share(text) >= MIN_LATIN_SHARE:
                texts.append(text)
                labels.append(lang)
        if any(labels.count(lang) < MIN_EXAMPLES for lang in TRANSLITERATED) or len(set(labels)) < 2:
            return None
        pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2),
            LinearSVC(C=0.5, random_state=0),
        )
        pipeline.fit(texts, labels)
        return cls(pipeline, tuple(str(c) for c in pipeline.classes_))

    def transliterated(self, text: str) -> str | None:
        """The transliterated language the text is in, or None (not one of them, or not sure)."""
        scores = self.pipeline.decision_function([text])[0]
        ranked = sorted(zip(scores, self.classes, strict=True), reverse=True)
        best_score, best = ranked[0]
        if best not in TRANSLITERATED:
            return None
        runner_up = next((s for s, lang in ranked[1:] if lang not in TRANSLITERATED), None)
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
