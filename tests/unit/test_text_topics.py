"""The character n-gram topic model: reads the topic's words whatever the script and language around them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge.text_topics import TextTopicModel, train_text_topics

TRAINING = [
    ("I got a Kündigung from my boss", "dismissal"),
    ("der Chef hat mir gekündigt, Kündigung per WhatsApp", "dismissal"),
    ("rabotodatel dal mne kündigung vchera", "dismissal"),
    ("they fired me without notice, is that allowed", "dismissal"),
    ("I have no Krankenkasse, who pays the doctor", "health-insurance"),
    ("Krankenkasse hat mich abgemeldet, bin ich noch versichert", "health-insurance"),
    ("net strahovki krankenkasse, kto platit vrachu", "health-insurance"),
    ("am I insured at the doctor without a card", "health-insurance"),
    ("my Lohn for March never came", "wage-unpaid"),
    ("Lohn seit zwei Monaten nicht bezahlt", "wage-unpaid"),
    ("zarplatu ne platyat uzhe dva mesyatsa, lohn net", "wage-unpaid"),
    ("the boss has not paid my salary since March", "wage-unpaid"),
]


def _model() -> TextTopicModel:
    return train_text_topics([t for t, _ in TRAINING], [topic for _, topic in TRAINING], "fp")


def _best(model: TextTopicModel, text: str) -> str:
    probabilities = model.probabilities(text)
    return max(probabilities, key=lambda topic: probabilities[topic])


def test_the_topic_word_decides_in_any_language_around_it() -> None:
    model = _model()
    assert _best(model, "salam, sahebkar be man kündigung dad") == "dismissal"
    assert _best(model, "ana ma3andish krankenkasse, chkoun ykhalles") == "health-insurance"
    assert _best(model, "wallah lohn ma ja mn shahrein") == "wage-unpaid"


def test_probabilities_cover_every_topic_and_sum_to_one_even_for_nothing_known() -> None:
    model = _model()
    for text in ("", "   ", "😀😀", "ქართული ტექსტი", "x" * 5000):
        probabilities = model.probabilities(text)
        assert set(probabilities) == {"dismissal", "health-insurance", "wage-unpaid"}
        assert abs(sum(probabilities.values()) - 1.0) < 1e-6


def test_a_saved_model_decides_as_the_trained_one(tmp_path: Path) -> None:
    model = _model()
    model.save(tmp_path / "m.npz")
    loaded = TextTopicModel.load(tmp_path / "m.npz")
    assert loaded.fingerprint == "fp" and loaded.classes == model.classes
    for text, _ in TRAINING:
        before, after = model.probabilities(text), loaded.probabilities(text)
        assert all(abs(before[t] - after[t]) < 1e-3 for t in before)


def test_training_is_deterministic() -> None:
    """A rebuild of the same knowledge base must decide the same way."""
    first, second = _model(), _model()
    assert np.array_equal(first.buckets, second.buckets) and np.array_equal(first.weights, second.weights)
