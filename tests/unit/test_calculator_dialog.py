"""The guided dialogs step by step, as a person would answer them, and the reading of their words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.services.calculators import dialog
from bot.services.calculators.dialog import CANCEL, Turn
from bot.services.calculators.person_input import read_amount, read_date, read_month

TODAY = dt.date(2026, 11, 25)  # a Wednesday


def values(turn: Turn) -> list[str]:
    return [c.value for row in turn.choices for c in row]


def labels(turn: Turn) -> list[str]:
    return [c.label for row in turn.choices for c in row]


def say(turn: Turn, lang: str, text: str | None = None, choice: str | None = None) -> Turn:
    assert turn.state is not None, "the dialog ended already"
    return dialog.answer(turn.state, lang, TODAY, text=text, choice=choice)


@pytest.mark.parametrize(
    ("lang", "text", "prefer", "expected"),
    [
        ("de", "3.11.2026", "past", dt.date(2026, 11, 3)),
        ("de", "3.11.", "past", dt.date(2026, 11, 3)),
        ("de", "28.12.", "past", dt.date(2025, 12, 28)),  # a December day written in November: last year's
        ("de", "28.12.", "future", dt.date(2026, 12, 28)),  # … unless the question is about an end date
        ("de", "zum 30.11.2026", "future", dt.date(2026, 11, 30)),
        ("de", "am 3. November", "past", dt.date(2026, 11, 3)),
        ("de", "gestern", "past", dt.date(2026, 11, 24)),
        ("ru", "3 ноября", "past", dt.date(2026, 11, 3)),
        ("uk", "вчора", "past", dt.date(2026, 11, 24)),
        ("ar", "أمس", "past", dt.date(2026, 11, 24)),
        ("ar", "٣.١١.٢٠٢٦", "past", dt.date(2026, 11, 3)),
        ("fa", "۳/۱۱/۲۰۲۶", "past", dt.date(2026, 11, 3)),
        ("tr", "3 Kasım 2026", "past", dt.date(2026, 11, 3)),
        ("fr", "le 3 novembre", "past", dt.date(2026, 11, 3)),
        ("en", "3 days ago", "past", dt.date(2026, 11, 22)),
        ("de", "29.02.2028", "past", dt.date(2028, 2, 29)),
        ("de", "31.02.2026", "past", None),
        ("de", "Hallo, wie geht's?", "past", None),
        ("de", "160", "past", None),
    ],
)
def test_dates_in_the_ways_people_write_them(lang: str, text: str, prefer: str, expected: dt.date | None) -> None:
    assert read_date(text, lang, TODAY, prefer) == expected  # type: ignore[arg-type]


def test_months_and_amounts() -> None:
    assert read_month("11/2026", "de", TODAY) == dt.date(2026, 11, 1)
    assert read_month("2026-11", "de", TODAY) == dt.date(2026, 11, 1)
    assert read_month("ноябрь 2026", "ru", TODAY) == dt.date(2026, 11, 1)
    assert read_month("13/2026", "de", TODAY) is None
    amounts = {"1950": "1950", "1.950,50": "1950.50", "1,950.50": "1950.50", "12,5": "12.5", "160 h": "160"}
    amounts |= {"1 950 €": "1950", "١٩٥٠٫٥": "1950.5", "1.950": "1950"}
    for text, expected in amounts.items():
        assert read_amount(text) == Decimal(expected), text
    assert read_amount("drei und vier") is None and read_amount("3 und 4") is None


def test_dismissal_dialog_in_german_with_buttons_and_typed_dates() -> None:
    turn = dialog.menu("de")
    assert labels(turn)[:1] == ["📅 Kündigung: meine Fristen"] and CANCEL in values(turn)
    turn = say(turn, "de", choice="k-dismissal")
    assert "Kündigungsschreiben" in turn.text and values(turn) == ["today", "yesterday", CANCEL]
    turn = say(turn, "de", choice="yesterday")  # 24.11.2026
    turn = say(turn, "de", text="seit 1.9.2026")  # a job of under six months: the probation question comes
    assert "Probezeit" in turn.text and values(turn) == ["yes", "no", "unknown", CANCEL]
    turn = say(turn, "de", choice="yes")
    turn = say(turn, "de", text="zum 8.12.2026")
    assert turn.state is None and turn.result is not None and turn.offer_advisor
    # 24.11. + 2 weeks = Tue 08.12.2026: kept; three weeks: Tue 15.12.2026
    assert turn.result.to_dict()["notice_kept"] == "kept"
    assert "Dienstag, 15.12.2026" in turn.text and "erste Einschätzung" in turn.text
    assert '<a href="https://www.gesetze-im-internet.de/kschg/__4.html">' in turn.text


def test_dismissal_dialog_in_arabic_skips_the_probation_question_for_an_old_job() -> None:
    turn = dialog.start("dismissal", "ar", TODAY)
    turn = say(turn, "ar", text="٣/١١/٢٠٢٦")
    assert values(turn) == ["skip", CANCEL] and "منذ متى" in turn.text
    turn = say(turn, "ar", text="1.3.2020")
    assert "Probezeit" not in turn.text and "zum 30.11.2026" in turn.text  # straight to the end date
    turn = say(turn, "ar", choice="skip")
    assert turn.result is not None and turn.result.to_dict()["notice_months"] == 2
    assert "الثلاثاء, 24.11.2026" in turn.text and "تقدير أولي" in turn.text


def test_minimum_wage_dialog_in_russian_with_a_bad_number_asked_again() -> None:
    turn = dialog.start("minimum_wage", "ru", TODAY)
    turn = say(turn, "ru", choice="last_month")  # October 2026
    turn = say(turn, "ru", text="сто шестьдесят")
    assert turn.text.startswith("Пожалуйста, напишите число") and turn.state and turn.state["step"] == "hours"
    turn = say(turn, "ru", text="160")
    turn = say(turn, "ru", text="2 000 €")
    assert turn.result is not None
    assert "224,00 €" in turn.text and "октябрь 2026" in turn.text and "первая оценка" in turn.text


def test_an_impossible_answer_is_asked_again_with_the_reason() -> None:
    turn = dialog.start("dismissal", "de", TODAY)
    turn = say(turn, "de", text="3.11.2026")
    turn = say(turn, "de", choice="skip")
    turn = say(turn, "de", text="1.11.2026")  # an end before the letter arrived
    assert turn.result is None and turn.state is not None and turn.state["step"] == "letter_end"
    assert turn.text.startswith("Das Enddatum kann nicht vor dem Tag liegen")
    turn = dialog.start("minimum_wage", "en", TODAY)
    turn = say(turn, "en", text="5/2023")
    turn = say(turn, "en", text="100")
    turn = say(turn, "en", text="1000")
    assert turn.state is not None and turn.state["step"] == "month"
    assert "Monday, 01.01.2024" in turn.text and "Friday, 31.12.2027" in turn.text


def test_vacation_dialog_asks_for_pay_only_when_the_job_ends() -> None:
    turn = dialog.start("vacation", "de", TODAY)
    assert values(turn) == ["1", "2", "3", "4", "5", "6", CANCEL]
    turn = say(turn, "de", choice="5")
    turn = say(turn, "de", text="15.3.2026")
    turn = say(turn, "de", text="31.8.2026")
    assert "2026" in turn.text  # "… schon genommen?" names the year of the end
    turn = say(turn, "de", text="5")
    assert turn.state is not None and turn.state["step"] == "monthly_pay"
    turn = say(turn, "de", text="2.400")
    assert turn.result is not None and "368,86 €" in turn.text
    turn = dialog.start("vacation", "de", TODAY)
    for step in ({"choice": "4"}, {"text": "1.8.2026"}, {"choice": "skip"}, {"choice": "0"}):
        turn = say(turn, "de", **step)
    assert turn.result is not None and turn.result.to_dict()["entitlement_days"] == "7"


def test_sick_pay_dialog_and_cancel_at_any_step() -> None:
    turn = dialog.start("sick_pay", "uk", TODAY)
    turn = say(turn, "uk", choice="today")
    turn = say(turn, "uk", choice="skip")
    turn = say(turn, "uk", choice="no")
    assert turn.result is not None and turn.result.to_dict()["pay_until"] == "2027-01-05"  # 25.11. + 41
    for lang, typed in (("de", "Abbrechen"), ("ru", "отменить"), ("en", "/cancel")):
        turn = dialog.start("sick_pay", lang, TODAY)
        turn = say(turn, lang, text=typed)
        assert turn.cancelled and turn.state is None and "/deadline" in turn.text
    turn = say(dialog.start("vacation", "ar", TODAY), "ar", choice=CANCEL)
    assert turn.cancelled and turn.text.startswith("تم إلغاء الحساب")


def test_a_stale_button_or_typed_text_on_a_button_question_is_asked_again() -> None:
    turn = dialog.start("sick_pay", "de", TODAY)
    turn = say(turn, "de", choice="today")
    turn = say(turn, "de", text="1.1.2020")
    assert turn.state is not None and turn.state["step"] == "during_work"
    again = say(turn, "de", choice="yesterday")  # a button of an earlier question
    assert again.text.startswith("Bitte tippen Sie") and again.state == turn.state
    assert say(turn, "de", text="nein").result is not None  # the label typed counts like the button


def test_every_calculator_button_packs_into_telegrams_64_bytes_and_parses_back() -> None:
    from bot.services.conversations import buttons

    values = {CANCEL, *(f"{dialog.MENU_PREFIX}{kind}" for kind in dialog.KINDS)}
    values |= {value for steps in dialog.STEPS.values() for step in steps for _, value in step.buttons}
    for value in values:
        packed = buttons.Calculator(value=value).pack()
        assert len(packed.encode()) <= 64 and buttons.parse(packed) == buttons.Calculator(value=value), value
    assert buttons.parse("calc:k:evil") is None and buttons.parse("calc:" + "x" * 30) is None
