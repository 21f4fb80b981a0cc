"""Language detection on the kind of messages people send: short, mixed, transliterated."""

from __future__ import annotations

import pytest

from knowledge.language import LanguageDetector

LOANWORDS = {"Kündigung", "Lohn", "Krankenkasse", "Lohnabrechnung", "Arbeitsvertrag", "Jobcenter", "Minijob"}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(LOANWORDS)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Mein Arbeitgeber hat mir seit zwei Monaten keinen Lohn gezahlt, was kann ich tun?", "de"),
        ("my employer has not paid my salary for two months, what can i do", "en"),
        ("صاحب العمل لم يدفع لي الراتب منذ شهرين، ماذا أفعل؟", "ar"),
        ("کارفرمام دو ماهه حقوقم رو نداده، چیکار کنم؟", "fa"),
        ("работодатель не платит зарплату уже два месяца, что делать?", "ru"),
        ("роботодавець не платить зарплату вже два місяці, що робити?", "uk"),
        ("işveren iki aydır maaşımı ödemiyor, ne yapabilirim?", "tr"),
        ("mon employeur ne me paie plus depuis deux mois, que faire ?", "fr"),
    ],
)
def test_plain_messages(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).lang == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("شركتي ما دفعتلي Lohn ولا عطتني Lohnabrechnung", "ar"),
        ("вчера получил Kündigung, а Lohn за октябрь не заплатили", "ru"),
        ("мені дали Arbeitsvertrag німецькою, я нічого не розумію", "uk"),
        ("Krankenkasse من رو ثبت نکرده، الان باید چیکار کنم", "fa"),
    ],
)
def test_german_legal_words_do_not_flip_the_language(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).lang == lang


def test_arabizi_is_arabic(detector: LanguageDetector) -> None:
    assert detector.detect("el chef ma da3ni el ma3ash mn shahrain, shu a3mel?").lang == "ar"


def test_numbers_with_units_are_not_arabizi(detector: LanguageDetector) -> None:
    assert detector.detect("ich arbeite jeden tag 10h und 6 tage die woche, ist das erlaubt?").lang == "de"


def test_spelling_marks_persian_and_ukrainian(detector: LanguageDetector) -> None:
    assert detector.detect("چرا؟").lang == "fa"  # Persian letters چ
    assert detector.detect("їжа").lang == "uk"


def test_scripts_that_name_their_language(detector: LanguageDetector) -> None:
    assert detector.detect("ხელშეკრულება გერმანულად მომცეს").lang == "ka"
    # a Sinhala message with a German town in it is Sinhala, not German
    assert detector.detect("මම Vechta වල ෆැක්ටරියක වැඩ කරනවා, පඩි ලැබුණේ නැහැ").lang == "si"
    assert detector.detect("मेरी कंपनी ने मुझे रजिस्टर नहीं किया").lang == "hi"


def test_a_prior_wins_when_the_text_is_ambiguous(detector: LanguageDetector) -> None:
    assert detector.detect("ok", prior="tr").lang == "tr"
    # ...but not against clear evidence
    assert detector.detect("работодатель не платит зарплату", prior="de").lang == "ru"
