"""The dismissal calculator against cases worked by hand: § 4 KSchG, § 622 BGB, § 38 SGB III, §§ 187–193 BGB."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services.calculators import CalculatorInputError, DismissalResult, calculate_dismissal
from bot.services.calculators.dismissal import KEPT, MONTH_END, NOT_A_PERMITTED_DAY, TOO_SHORT, years_completed

D = dt.date


def claim(received: D) -> tuple[D, D | None, str | None]:
    r = calculate_dismissal(received, today=received)
    return r.claim_deadline, r.claim_deadline_moved_from, r.claim_deadline_moved_reason


def test_three_weeks_end_on_the_same_weekday() -> None:
    # received Tue 03.11.2026; § 187(1): the 3rd does not count; § 188(2): three weeks end on
    # the weekday named like the day of receipt -> Tue 24.11.2026, a working day in Niedersachsen
    assert claim(D(2026, 11, 3)) == (D(2026, 11, 24), None, None)


def test_a_deadline_on_a_saturday_moves_to_monday() -> None:
    # received Sat 07.11.2026 -> Sat 28.11.2026 -> (Sun 29.11.) -> Mon 30.11.2026 (§ 222(2) ZPO)
    assert claim(D(2026, 11, 7)) == (D(2026, 11, 30), D(2026, 11, 28), "saturday")


def test_a_deadline_on_reformation_day_moves_to_the_next_day() -> None:
    # received Tue 10.10.2028 -> Tue 31.10.2028, Reformationstag, a public holiday in Niedersachsen
    # -> Wed 01.11.2028 (All Saints' Day is no holiday in Niedersachsen)
    assert claim(D(2028, 10, 10)) == (D(2028, 11, 1), D(2028, 10, 31), "Reformationstag")


def test_christmas_and_a_weekend_in_a_row() -> None:
    # received Fri 04.12.2026 -> Fri 25.12.2026 (1st Christmas Day), Sat 26.12 (2nd), Sun 27.12 -> Mon 28.12.2026
    assert claim(D(2026, 12, 4)) == (D(2026, 12, 28), D(2026, 12, 25), "Erster Weihnachtstag")


def test_three_weeks_ending_on_a_leap_day() -> None:
    # received Tue 08.02.2028 + 21 days -> Tue 29.02.2028, a working day of the leap year
    assert claim(D(2028, 2, 8)) == (D(2028, 2, 29), None, None)


def test_days_left_and_a_passed_deadline() -> None:
    # received Thu 01.10.2026 -> Thu 22.10.2026; counted from 03.11.2026 that is 12 days ago
    r = calculate_dismissal(D(2026, 10, 1), today=D(2026, 11, 3))
    assert (r.claim_deadline, r.days_left) == (D(2026, 10, 22), -12)
    assert "dismissal_late_claim" in r.notes and "§ 5 KSchG" in [s.label for s in r.sources]
    assert calculate_dismissal(D(2026, 11, 3), today=D(2026, 11, 5)).days_left == 19  # 24.11. - 05.11.


def test_four_weeks_to_the_15th_or_the_end_of_a_month() -> None:
    # one year employed: 4 weeks. Received 03.11.2026 + 28 days = 01.12.2026 -> next permitted
    # end is 15.12.2026. The end of November needed receipt by 02.11. (30.11. - 28 days): one day late.
    r = calculate_dismissal(
        D(2026, 11, 3), today=D(2026, 11, 3), employed_since=D(2025, 6, 1), letter_end=D(2026, 11, 30)
    )
    assert (r.notice_weeks, r.earliest_end, r.notice_kept) == (4, D(2026, 12, 15), TOO_SHORT)
    assert "dismissal_immediate" in r.notes
    # received 02.11.2026 + 28 days = 30.11.2026, itself the end of a month: kept
    r = calculate_dismissal(
        D(2026, 11, 2), today=D(2026, 11, 3), employed_since=D(2025, 6, 1), letter_end=D(2026, 11, 30)
    )
    assert (r.earliest_end, r.notice_kept) == (D(2026, 11, 30), KEPT)
    # received 17.11.2026 + 28 = 15.12.2026: the 15th is a permitted end day
    r = calculate_dismissal(
        D(2026, 11, 17), today=D(2026, 11, 17), employed_since=D(2025, 6, 1), letter_end=D(2026, 12, 15)
    )
    assert (r.earliest_end, r.notice_kept) == (D(2026, 12, 15), KEPT)


def test_probation_two_weeks_to_any_day() -> None:
    # job since 01.09.2026, probation agreed, received Thu 05.11.2026 -> two weeks end Thu 19.11.2026
    def on_probation(letter_end: D) -> DismissalResult:
        return calculate_dismissal(
            D(2026, 11, 5), today=D(2026, 11, 5), employed_since=D(2026, 9, 1), probation=True, letter_end=letter_end
        )

    r = on_probation(D(2026, 11, 19))
    assert (r.notice_weeks, r.earliest_end, r.notice_kept) == (2, D(2026, 11, 19), KEPT)
    assert on_probation(D(2026, 11, 18)).notice_kept == TOO_SHORT
    # without the probation flag: 4 weeks, and the person is told a probation would shorten it
    r = calculate_dismissal(D(2026, 11, 5), today=D(2026, 11, 5), employed_since=D(2026, 9, 1))
    assert r.notice_weeks == 4 and "dismissal_probation_possible" in r.notes


def test_probation_lasts_six_months_at_most() -> None:
    # job since 01.01.2026; six months are complete at the end of 30.06.2026: a letter of 01.08.2026
    # falls after any probation -> 4 weeks: 01.08 + 28 = 29.08.2026 -> 31.08.2026
    r = calculate_dismissal(D(2026, 8, 1), today=D(2026, 8, 1), employed_since=D(2026, 1, 1), probation=True)
    assert (r.probation, r.notice_weeks, r.earliest_end) == (False, 4, D(2026, 8, 31))
    assert "dismissal_probation_over" in r.notes


def test_years_of_employment_from_a_leap_day() -> None:
    # started 29.02.2024: the day "29.02.2026" does not exist, so two years end with 28.02.2026
    # (§ 188(3) BGB) and are complete from 01.03.2026
    assert years_completed(D(2024, 2, 29), D(2026, 2, 28)) == 1
    assert years_completed(D(2024, 2, 29), D(2026, 3, 1)) == 2
    # received 28.02.2026: still 4 weeks -> 28.03.2026 -> 31.03.2026
    r = calculate_dismissal(D(2026, 2, 28), today=D(2026, 3, 2), employed_since=D(2024, 2, 29))
    assert (r.notice_weeks, r.earliest_end) == (4, D(2026, 3, 31))
    # received 01.03.2026: two years -> one month to the end of a month; 01.03 + 1 month = 01.04 -> 30.04.2026
    r = calculate_dismissal(D(2026, 3, 1), today=D(2026, 3, 2), employed_since=D(2024, 2, 29))
    assert (r.notice_months, r.notice_ends_on, r.earliest_end) == (1, MONTH_END, D(2026, 4, 30))


def test_one_month_to_the_end_of_february_in_a_leap_year() -> None:
    # three years employed; received 31.01.2028 + 1 month -> "31.02." does not exist -> 29.02.2028
    # (§ 188(3)), itself the end of February: the job can end on 29.02.2028
    r = calculate_dismissal(
        D(2028, 1, 31), today=D(2028, 2, 1), employed_since=D(2025, 1, 15), letter_end=D(2028, 2, 29)
    )
    assert (r.notice_months, r.earliest_end, r.notice_kept) == (1, D(2028, 2, 29), KEPT)
    # received a day later, 01.02.2028 -> 01.03.2028 -> end of March
    r = calculate_dismissal(
        D(2028, 2, 1), today=D(2028, 2, 1), employed_since=D(2025, 1, 15), letter_end=D(2028, 2, 29)
    )
    assert (r.earliest_end, r.notice_kept) == (D(2028, 3, 31), TOO_SHORT)


def test_the_fifth_year_completes_on_the_anniversary() -> None:
    # job since 04.11.2021: five years are complete from 04.11.2026 on
    # received 03.11.2026: 4 full years -> 1 month: 03.12.2026 -> 31.12.2026
    r = calculate_dismissal(D(2026, 11, 3), today=D(2026, 11, 4), employed_since=D(2021, 11, 4))
    assert (r.years_employed, r.notice_months, r.earliest_end) == (4, 1, D(2026, 12, 31))
    # received 04.11.2026: 5 years -> 2 months: 04.01.2027 -> 31.01.2027
    r = calculate_dismissal(D(2026, 11, 4), today=D(2026, 11, 4), employed_since=D(2021, 11, 4))
    assert (r.years_employed, r.notice_months, r.earliest_end) == (5, 2, D(2027, 1, 31))


def test_twenty_years_seven_months_and_registration_three_months_ahead() -> None:
    # job since 01.05.2006, received 10.06.2026: 20 years -> 7 months: 10.01.2027 -> 31.01.2027.
    # More than three months between receipt and end: register three months before the end,
    # 31.01.2027 - 3 months = 31.10.2026 (§ 38(1) sentence 1 SGB III)
    r = calculate_dismissal(D(2026, 6, 10), today=D(2026, 6, 11), employed_since=D(2006, 5, 1))
    assert (r.years_employed, r.notice_months, r.earliest_end) == (20, 7, D(2027, 1, 31))
    assert (r.registration_rule, r.registration_deadline) == ("three_months_before_end", D(2026, 10, 31))


def test_an_end_date_on_no_permitted_day() -> None:
    # 3 years employed; received 01.10.2026 -> one month to the end of a month -> 30.11.2026 at the earliest.
    # 20.12.2026 is late enough but no end of a month; 31.12.2026 is fine
    def ending(letter_end: D) -> str | None:
        r = calculate_dismissal(
            D(2026, 10, 1), today=D(2026, 10, 2), employed_since=D(2023, 1, 1), letter_end=letter_end
        )
        return r.notice_kept

    assert ending(D(2026, 12, 20)) == NOT_A_PERMITTED_DAY
    assert ending(D(2026, 12, 31)) == KEPT


def test_registration_within_three_days() -> None:
    # received Tue 03.11.2026, no end known: within three days -> Fri 06.11.2026
    r = calculate_dismissal(D(2026, 11, 3), today=D(2026, 11, 3))
    assert (r.registration_rule, r.registration_deadline) == ("three_days", D(2026, 11, 6))
    assert "dismissal_employment_unknown" in r.notes
    # received Wed 28.10.2026 -> Sat 31.10.2026 (also Reformationstag) -> Mon 02.11.2026 (§ 26(3) SGB X)
    r = calculate_dismissal(D(2026, 10, 28), today=D(2026, 10, 28), letter_end=D(2026, 11, 30))
    assert (r.registration_rule, r.registration_deadline) == ("three_days", D(2026, 11, 2))


def test_impossible_input_is_refused_with_a_reason() -> None:
    with pytest.raises(CalculatorInputError) as error:
        calculate_dismissal(D(2026, 11, 10), today=D(2026, 11, 3))
    assert error.value.reason == "calc_err_future"
    with pytest.raises(CalculatorInputError) as error:
        calculate_dismissal(D(2026, 11, 3), today=D(2026, 11, 3), employed_since=D(2026, 12, 1))
    assert error.value.reason == "calc_err_start_after_received"
    with pytest.raises(CalculatorInputError) as error:
        calculate_dismissal(D(2026, 11, 3), today=D(2026, 11, 3), letter_end=D(2026, 11, 2))
    assert error.value.reason == "calc_err_end_before_received"


def test_every_result_is_a_first_estimate_with_sources_on_gesetze_im_internet() -> None:
    r = calculate_dismissal(D(2026, 11, 3), today=D(2026, 11, 3), employed_since=D(2020, 1, 1))
    assert r.first_estimate
    assert {s.label for s in r.sources} >= {"§ 4 KSchG", "§ 622 BGB", "§ 38 Abs. 1 SGB III", "§ 193 BGB"}
    assert all(s.url.startswith("https://www.gesetze-im-internet.de/") for s in r.sources)
    stored = r.to_dict()
    assert stored["calculator"] == "dismissal" and stored["claim_deadline"] == "2026-11-24"
