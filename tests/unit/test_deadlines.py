"""Dates in a person's words and the deadlines they start, computed in Europe/Berlin (§§ 187, 188, 193 BGB)."""

from __future__ import annotations

import datetime as dt

from bot.services.deadlines import RULES, deadline_end, deadlines_for, extract_dates

KSCHG = next(r for r in RULES if r.key == "kschg-4")
AGG = next(r for r in RULES if r.key == "agg-15")
AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def test_numeric_and_relative_dates() -> None:
    found = {
        m.date for m in extract_dates("Kündigung am 3.11. bekommen, gestern kam noch ein Brief vom 2026-11-20", AT)
    }
    assert found == {dt.date(2026, 11, 3), dt.date(2026, 11, 24), dt.date(2026, 11, 20)}
    assert {m.date for m in extract_dates("fired 3 days ago", AT)} == {dt.date(2026, 11, 22)}


def test_day_month_without_year_in_the_future_means_last_year() -> None:
    january = dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC)
    assert [m.date for m in extract_dates("Brief vom 28.12.", january)] == [dt.date(2026, 12, 28)]


def test_late_evening_utc_is_already_the_next_day_in_berlin() -> None:
    late = dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC)  # 00:30 on the 25th in Berlin
    assert [m.date for m in extract_dates("heute gekündigt", late)] == [dt.date(2026, 11, 25)]


def test_three_weeks_to_sue_after_dismissal() -> None:
    # received Tuesday 3.11.2026 -> Tuesday 24.11.2026
    assert deadline_end(dt.date(2026, 11, 3), KSCHG) == (dt.date(2026, 11, 24), False)


def test_deadline_on_a_weekend_or_holiday_moves_to_the_next_working_day() -> None:
    # received Saturday 12.12.2026 -> Saturday 2.1.2027 -> Monday 4.1.2027
    assert deadline_end(dt.date(2026, 12, 12), KSCHG) == (dt.date(2027, 1, 4), True)
    # received 12.10.2026 -> 2.11. (Mon) fine; received 10.10.2026 (Sat) -> 31.10. Reformation Day (Sat) -> Mon 2.11.
    assert deadline_end(dt.date(2026, 10, 10), KSCHG) == (dt.date(2026, 11, 2), True)


def test_months_end_on_the_last_day_when_the_day_does_not_exist() -> None:
    # 31.12.2026 + 2 months -> 28.2.2027 (Sunday) -> Monday 1.3.2027
    assert deadline_end(dt.date(2026, 12, 31), AGG) == (dt.date(2027, 3, 1), True)


def test_rules_apply_by_topic_or_words_and_name_their_source() -> None:
    messages = [("Ich habe am 3.11. die Kündigung bekommen", AT)]
    dates, deadlines = deadlines_for(messages, None, today=dt.date(2026, 11, 10))
    assert [d.date for d in dates] == [dt.date(2026, 11, 3)]
    sue = next(d for d in deadlines if d.rule.key == "kschg-4")
    assert sue.ends == dt.date(2026, 11, 24) and sue.days_left == 14
    assert sue.rule.source == "§ 4 KSchG" and sue.rule.url.startswith("https://")
    # no dismissal words and another topic: no dismissal deadline
    _dates, none = deadlines_for([("Mein Lohn vom 3.11. fehlt", AT)], "wage-unpaid", today=dt.date(2026, 11, 10))
    assert not [d for d in none if d.rule.key == "kschg-4"]
    # the topic alone is enough
    _dates, by_topic = deadlines_for([("Brief vom 3.11.", AT)], "dismissal", today=dt.date(2026, 11, 10))
    assert any(d.rule.key == "kschg-4" for d in by_topic)


# the person's words in each served language, and the months (month only) or days they name
MONTH_NAMES = [
    ("de", "Ich habe im Oktober und November keinen Lohn bekommen", [(10, None), (11, None)]),
    ("en", "I was not paid for October and November", [(10, None), (11, None)]),
    ("ru", "Мне не платили в октябре и ноябре", [(10, None), (11, None)]),
    ("uk", "Мені не платили у жовтні та листопаді", [(10, None), (11, None)]),
    ("tr", "Ekim ve Kasım maaşımı almadım", [(10, None), (11, None)]),
    ("ar", "لم أتقاض راتبي في أكتوبر ونوفمبر", [(10, None), (11, None)]),
    ("fa", "حقوق اکتبر و نوامبر را نگرفتم", [(10, None), (11, None)]),
    ("fr", "Je n'ai pas été payé en octobre et novembre", [(10, None), (11, None)]),
    ("de", "Am 3. Oktober wurde mir gekündigt", [(10, 3)]),
    ("ru", "Меня уволили 3 октября", [(10, 3)]),
    ("fr", "licencié le 3 octobre", [(10, 3)]),
    ("en", "fired on November 5th", [(11, 5)]),
    ("ar", "فصلوني يوم ٣ أكتوبر", [(10, 3)]),
]


def test_month_names_in_every_language() -> None:
    for lang, text, expected in MONTH_NAMES:
        found = extract_dates(text, AT)
        got = [(m.date.month, None if m.month_only else m.date.day) for m in found]
        assert got == expected, (lang, text, [(m.date, m.text) for m in found])
        assert all(m.date.year == 2026 for m in found)


def test_month_names_are_not_guessed_from_ordinary_words() -> None:
    """ "may", "march", a "Martin" or a "mail" name no month; "May 5" and "5 May 2025" do."""
    assert extract_dates("I may come, we march on; Martin sent a mail", AT) == []
    assert [(m.date, m.month_only) for m in extract_dates("since 5 May 2025", AT)] == [(dt.date(2025, 5, 5), False)]
    # a month later in the year than the message is last year's
    assert [m.date for m in extract_dates("seit Dezember kein Geld", AT)] == [dt.date(2025, 12, 1)]
    # the day says more than its month: "am 3. Oktober ... im Oktober" is the day only
    assert [m.text for m in extract_dates("am 3. Oktober gekündigt, den Lohn im Oktober nicht bekommen", AT)] == [
        "3. Oktober"
    ]


def test_a_month_alone_starts_no_deadline_but_its_day_does() -> None:
    today = dt.date(2026, 11, 10)
    dates, deadlines = deadlines_for([("Kündigung im Oktober bekommen", AT)], "dismissal", today=today)
    assert [(d.date, d.month_only) for d in dates] == [(dt.date(2026, 10, 1), True)] and deadlines == []
    _dates, deadlines = deadlines_for([("Kündigung am 27. Oktober bekommen", AT)], "dismissal", today=today)
    sue = next(d for d in deadlines if d.rule.key == "kschg-4")
    assert sue.start.date == dt.date(2026, 10, 27) and sue.ends == dt.date(2026, 11, 17)
