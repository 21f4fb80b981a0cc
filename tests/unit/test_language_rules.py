"""Close languages of one script told apart by spelling, and languages lingua does not know in Latin letters.

Through the real detector (lingua) and the transliteration model trained on the real intents corpus, as the
bot runs them. Every sentence here was written for this test and appears in no corpus or evaluation file.
"""

from __future__ import annotations

import pytest

from knowledge.intents import load_corpus
from knowledge.language import LanguageDetector
from knowledge.language_rules import cyrillic, devanagari, ethiopic, outside_quotes, south_slavic
from knowledge.translit import translit_model

LOANWORDS = {"Kündigung", "Lohn", "Krankenkasse", "Lohnabrechnung", "Arbeitsvertrag"}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    corpus = load_corpus()
    model = translit_model(corpus.fingerprint(), ((e.lang, e.text) for e in corpus.examples))
    assert model is not None
    return LanguageDetector(LOANWORDS, model)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # Serbian writes the old yat as e (ekavian), Bosnian and Croatian as ije/je.
        ("gazda mi ne plaća već dva meseca, gde mogu da se žalim?", "sr"),
        ("poslodavac mi ne plaća već dva mjeseca, gdje se mogu žaliti?", "bs"),
        ("poslodavac mi ne isplaćuje plaću već dva mjeseca, tko mi može pomoći?", "hr"),
        # Cyrillic spelling: Bulgarian ъ as a vowel, Serbian ћ, Uzbek қ/ҳ, Ukrainian apostrophe.
        ("шефът не ми плаща заплатата от два месеца, какво да правя", "bg"),
        ("газда ми не плаћа већ два месеца, шта да радим", "sr"),
        ("хўжайин икки ойдан бери пул бермаяпти, нима қилай", "uz"),
        ("в м'ясному цеху платять мало", "uk"),
        # Kazakh ә/ұ/қ with і, Kyrgyz ң or its written-on particles, Mongolian ө/ү alone; Tajik's Persian words.
        ("жұмыс беруші екі айдан бері айлық төлемей жатыр, не істеймін?", "kk"),
        ("кожоюн эки айдан бери айлык бербей жатат, эмне кылсам болот?", "ky"),
        ("түнкү сменага кошумча акы төлөнөбү?", "ky"),
        ("дарга маань хоёр сар цалин өгөхгүй байна, би юу хийх вэ?", "mn"),
        ("корфармо ду моҳ аст, ки ба ман маош намедиҳад, чӣ кор кунам?", "tg"),
        ("корфармо ду моҳ боз ба ман музд намедиҳад, ман дар ферма кор мекунам", "tg"),
        # Ethiopic: Tigrinya writes ኣ and the ቐ/ኸ series, Amharic አ.
        ("አሰሪዬ ለሁለት ወር ደሞዜን አልከፈለኝም፣ ምን ላድርግ?", "am"),
        ("ሓላፊየ ን ክልተ ወርሒ ደሞዝ ኣይሃበንን፣ እንታይ ክገብር እኽእል?", "ti"),
        # Devanagari: Nepali verb endings and postpositions, Hindi है/में/नहीं.
        ("मालिकले दुई महिनादेखि तलब दिएको छैन, म के गर्छु?", "ne"),
        ("मालिक दो महीने से तनख्वाह नहीं दे रहा है, मैं क्या करूँ?", "hi"),
        # Azerbaijani ə is no Turkish letter.
        ("işəgötürən iki aydır maaşımı vermir, nə edim?", "az"),
    ],
)
def test_spelling_tells_close_languages_apart(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).lang == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("salom, men qurilishda ishlayman, xo'jayin ikki oydan beri maosh bermayapti, nima qilsam bo'ladi", "uz"),
        ("pwede po bang magtanong, hindi pa binabayaran ng amo ko ang sahod ko ngayong buwan", "tl"),
        ("chu nha hang khong tra luong cho em hai thang roi, em phai lam sao", "vi"),
    ],
)
def test_the_model_names_latin_script_languages_lingua_does_not(
    detector: LanguageDetector, text: str, lang: str
) -> None:
    assert detector.detect(text).lang == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("patron iki aydir maasimi odemiyor, ne yapmaliyim", "tr"),
        ("mein Chef zahlt seit zwei Monaten keinen Lohn, was soll ich machen", "de"),
        ("my boss has not paid me for two months, what should i do", "en"),
        ("mon patron ne me paie plus depuis deux mois, je fais quoi", "fr"),
        ("mi jefe no me paga desde hace dos meses, qué hago", "es"),
    ],
)
def test_core_languages_are_not_claimed_by_the_model(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).lang == lang


def test_quoted_german_is_not_the_language_of_the_message(detector: LanguageDetector) -> None:
    text = "tu peux me dire ce que ça veut dire: 'Ihr Arbeitsverhältnis endet zum Ende des Monats'"
    assert detector.detect(text).lang == "fr"
    assert outside_quotes("c'est quoi 'Abmahnung' ?") == "c'est quoi 'Abmahnung' ?"  # too little outside
    assert "Ihr" not in outside_quotes(text)


def test_rules_say_nothing_without_evidence() -> None:
    assert cyrillic("работа есть") is None  # lingua decides
    assert cyrillic("объявление о работе") is None  # Russian ъ before е is no Bulgarian vowel
    assert ethiopic("ሰላም") == "ti"  # as before the rule: Tigrinya
    assert devanagari("नमस्ते") == "hi"
    assert south_slavic("radim u firmi", "bs") == "sr"
    assert south_slavic("radim u firmi", "hr") == "hr"
    assert south_slavic("radim u firmi, je li to u redu", "bs") == "bs"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("bu aksam mac var mi", "tr"),  # lingua's trigrams: German
        ("ok merci bien", "fr"),  # lingua's trigrams: Spanish
    ],
)
def test_the_model_corrects_lingua_on_short_core_language_messages(
    detector: LanguageDetector, text: str, lang: str
) -> None:
    assert detector.detect(text).lang == lang


def test_a_certain_lingua_is_not_overruled(detector: LanguageDetector) -> None:
    # Dutch: the model never saw it and leans to German, lingua is certain.
    text = "ik heb een ongeluk gehad op het werk en mijn baas zegt dat ik niet naar de dokter mag"
    assert detector.detect(text).lang == "nl"
