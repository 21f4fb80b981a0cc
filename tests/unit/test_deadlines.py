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
