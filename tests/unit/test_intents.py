"""Emergency, handoff and greeting patterns: recall on dangerous situations, no alarm on past events."""

from __future__ import annotations

import pytest

from knowledge.intents import load_rules, normalise
from knowledge.intents.rules import IntentRules


@pytest.fixture(scope="module")
def rules() -> IntentRules:
    return load_rules()


def intents(rules: IntentRules, text: str) -> set[str]:
    return {m.intent for m in rules.match(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Hilfe, mein Vorarbeiter hat mich mit dem Messer bedroht",
        "they took our phones and locked the door of the barrack, we cannot leave",
        "صاحب الشغل ضربني على وجهي وأنا عم ينزف",
        "مدیرمون تهدید کرد میکشمت، خیلی می‌ترسم",
        "нас заперли на складе и не выпускают",
        "мене побили на роботі, тече кров",
        "patron bizi depoya kilitledi",
        "il m'a frappé et je saigne beaucoup",
        "ich will nicht mehr leben",
        "sakkaro 3alayna el bab w ma fina nitla3",
    ],
)
def test_emergencies_are_recognised(rules: IntentRules, text: str) -> None:
    assert "emergency" in intents(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "I fell off a ladder last month, who pays the doctor?",
        "Роботодавець каже, що зарплата буде менша, ніж у договорі",
        "her gün 10 saat çalışıyorum, mola yok",
        "depoda acil çıkış kapıları kilitli, bu yasal mı",
        "wie viele Urlaubstage habe ich im Minijob?",
    ],
)
def test_ordinary_questions_are_not_emergencies(rules: IntentRules, text: str) -> None:
    assert "emergency" not in intents(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "ich möchte bitte mit einem Berater sprechen",
        "can someone call me back",
        "بدي احكي مع موظف حقيقي",
        "لطفا زنگ بزنید",
        "соедините меня с консультантом",
        "передайте мене людині",
        "beni arayabilir misiniz",
        "je voudrais parler à un conseiller",
    ],
)
def test_requests_for_a_person_are_handoffs(rules: IntentRules, text: str) -> None:
    assert "handoff" in intents(rules, text)


def test_greetings_only_when_little_else_is_said(rules: IntentRules) -> None:
    assert rules.greeting_rest_words("Hallo!") == 0
    assert rules.greeting_rest_words("merhaba, sen kimsin?") == 0
    assert rules.greeting_rest_words("Bonjour, mon patron ne me paie pas depuis deux mois") > 3


def test_normalise_folds_accents_and_letter_variants() -> None:
    assert normalise("Çalışıyorum  ŞEF") == "calisiyorum sef"
    assert normalise("كيف") == normalise("کیف")  # Arabic and Persian kaf/yeh
    assert normalise("йїё") == "йїё"  # Cyrillic letters keep their marks
