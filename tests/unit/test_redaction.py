"""Redaction of personal data in stored free text, on samples in the bot's eight languages (issue 13).

Why: the unanswered report, drafts made from advisor replies and admins' audit reasons carry text people
wrote. Each sample holds what a person really types (name, phone, e-mail, IBAN, date of birth, address);
none of it may survive, while what the question is about (amounts, hours, this year's deadlines) stays.
"""

from __future__ import annotations

import pytest

from bot.services.redaction import redact

SAMPLES = {
    "de": (
        "Ich heiße Maria Schmidt, wohne in der Musterstraße 12a, 30159 Hannover, geboren am 3. März 1990. "
        "Tel. 0511 987654, maria.s@example.org, IBAN DE89 3704 0044 0532 0130 00.",
        ("Maria", "Schmidt", "Musterstraße", "30159", "Hannover", "1990", "987654", "example", "3704"),
    ),
    "en": (
        "My name is John Smith, I was born on 03/12/1988 and live at Hauptstr. 5, 31134 Hildesheim. "
        "Mail john (at) gmail (dot) com or call +44 7700 900123.",
        ("John", "Smith", "1988", "Hauptstr", "31134", "Hildesheim", "gmail", "7700"),
    ),
    "ru": (
        "Меня зовут Иван Петров, родился 12.05.1985, живу ул. Ленина, 5. Тел +7 912 345 67 89, ivan@mail.ru",
        ("Иван", "Петров", "1985", "Ленина", "912", "mail.ru"),
    ),
    "uk": (
        "Мене звати Олена, дата народження 1991-07-14, вулиця Шевченка 12, мій номер 0176-1234567",
        ("Олена", "1991", "Шевченка", "1234567"),
    ),
    "tr": (
        "Adım Ayşe Yılmaz, doğum tarihi 01.01.1979, Atatürk Caddesi No: 5, numaram 0532 123 45 67",
        ("Ayşe", "Yılmaz", "1979", "Atatürk", "0532"),
    ),
    "ar": (
        "اسمي أحمد، تاريخ الميلاد 1990/03/12، رقمي ٠١٥١٢٣٤٥٦٧٨ وعنواني شارع النيل 12",
        ("أحمد", "1990", "٠١٥١", "النيل"),
    ),
    "fa": (
        "نام من علی است، متولد ۱۳۶۹، خیابان آزادی ۱۲، شماره من 0049 151 23456789",
        ("علی", "۱۳۶۹", "آزادی", "23456789"),
    ),
    "fr": (
        "Je m'appelle Claire Dubois, née le 3 mars 1992, j'habite 5 rue de la Paix, 75002 Paris, "
        "claire.dubois@example.fr",
        ("Claire", "Dubois", "1992", "Paix", "75002", "example"),
    ),
}


@pytest.mark.parametrize("lang", list(SAMPLES))
def test_nothing_personal_survives_in_any_language(lang: str) -> None:
    text, personal = SAMPLES[lang]
    shown = redact(text)
    for part in personal:
        assert part not in shown, (lang, part, shown)
    assert "[" in shown


@pytest.mark.parametrize(
    "text",
    [
        "Ich habe 12000 Euro Schulden und arbeite 40 Stunden, Frist bis 21.12.2026, Lohn 1.234,56 Euro",
        "Gekündigt am 12.03.2025, Klage bis 02.04.2025",
        "Arbeitsmarkt 2026, Ticket 4711, 3 Wochen",
        "I am not sure if my boss pays 14.60 € per hour since 2026",
        "Мой работодатель не платит 3 месяца",
        "meine Frau arbeitet auch dort",
    ],
)
def test_what_the_question_is_about_stays(text: str) -> None:
    assert redact(text) == text


def test_numbers_written_oddly_or_short_are_still_masked() -> None:
    shown = redact("Tel.: (0511) 123-45 oder 0 1 5 1 / 2 3 4 5 6 7 8, sonst 0511/12 34 56")
    assert shown == "Tel.: [Telefon] oder [Telefon], sonst [Telefon]"


def test_an_old_full_date_is_masked_as_a_possible_birth_date() -> None:
    assert redact("seit 01.02.1999 arbeite ich dort; Kündigung 30.11.2026") == (
        "seit [Datum] arbeite ich dort; Kündigung 30.11.2026"
    )
