"""Arabic, Persian, Russian and Ukrainian typed in Latin letters are answered in that language.

The model is trained on the real intents corpus (knowledge/intents/corpus), as the bot trains it; the
sentences here were written for this test and appear in no corpus or evaluation file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.intents import load_corpus
from knowledge.language import LanguageDetector
from knowledge.translit import MODEL_FILE, TranslitModel, latin_share, translit_model


@pytest.fixture(scope="module")
def model() -> TranslitModel:
    corpus = load_corpus()
    found = translit_model(corpus.fingerprint(), ((e.lang, e.text) for e in corpus.examples))
    assert found is not None, "the corpus has too few transliterated examples to train the model"
    return found


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("salam, man dar restoran kar mikonam va sahebkar hoghoogh e mano nemide", "fa"),
        ("bebakhshid, chand rooz morakhasi dar sal haghe man hast?", "fa"),
        ("zdravstvuyte, rabotodatel ne platit zarplatu uzhe dva mesyaca, chto delat?", "ru"),
        ("skolko dney otpuska mne polozheno esli ya rabotayu pyat dney v nedelyu", "ru"),
        ("dobryj den, robotodavets ne platyt zarplatu vzhe dva misyatsi, shcho robyty?", "uk"),
        ("chy mayu ya pravo na likarnyanyj yakshcho pracyuyu na minijob", "uk"),
        ("mar7aba, el mudir ma dafa3li el ma3ash sar shahrein, shu ba3mel?", "ar"),
        ("ana shaghal fel mat3am men gher 3a2d, 3andi 7o2o2?", "ar"),
    ],
)
def test_transliterated_messages_are_recognised(model: TranslitModel, text: str, lang: str) -> None:
    assert model.transliterated(text) == lang
    assert LanguageDetector(translit=model).detect(text).lang == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Mein Chef zahlt seit zwei Monaten keinen Lohn, was kann ich tun?", "de"),
        ("I work 55hrs/wk but the contract says 40, is that ok?", "en"),
        ("mon patron ne me paie plus depuis deux mois, je fais comment", "fr"),
        ("patronum iki aydir maasimi odemiyor ne yapabilirim", "tr"),
        ("mi jefe no me paga desde hace dos meses", "es"),
    ],
)
def test_latin_languages_stay_with_lingua(model: TranslitModel, text: str, lang: str) -> None:
    assert model.transliterated(text) is None
    assert LanguageDetector(translit=model).detect(text).lang == lang


def test_too_few_examples_train_no_model() -> None:
    samples = [("de", "wie viel urlaub habe ich"), ("en", "how much vacation do i get")] * 30
    assert TranslitModel.train(samples) is None


def test_latin_share_counts_letters_only() -> None:
    assert latin_share("ok 123 !!") == 1.0
    assert latin_share("привет ok") < 0.5
    assert latin_share("123") == 0.0


def test_a_saved_model_decides_as_the_trained_one(model: TranslitModel, tmp_path: Path) -> None:
    path = tmp_path / MODEL_FILE
    model.save(path)
    loaded = TranslitModel.load(path)
    assert loaded is not None and loaded.classes == model.classes
    for text in ("salam man too ye anbar kar mikonam", "ne rozumiju Lohnabrechnung", "wie viel Urlaub", "ok"):
        assert np.allclose(loaded.scores(text), model.scores(text), atol=1e-5)
        assert loaded.transliterated(text) == model.transliterated(text)
    assert TranslitModel.load(tmp_path / "missing.npz") is None
