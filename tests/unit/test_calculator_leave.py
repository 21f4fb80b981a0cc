"""Vacation (BUrlG) and sick pay (EFZG) calculators against cases worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.services.calculators import CalculatorInputError, calculate_sick_pay, calculate_vacation
from bot.services.calculators.periods import completed_after, full_months_between
from bot.services.calculators.vacation import (
    FULL,
    PARTIAL_FIRST_HALF,
    PARTIAL_LEFT_EARLY,
    PARTIAL_STARTED_LATE,
    VacationResult,
    round_partial,
)

D, M = dt.date, Decimal


def vacation(
    per_week: int | str,
    start: dt.date,
    end: dt.date | None = None,
    year: int = 2026,
    days_taken: Decimal = Decimal(0),
    monthly_pay: Decimal | None = None,
) -> VacationResult:
    return calculate_vacation(
        M(per_week), start, year=year, employed_until=end, days_taken=days_taken, monthly_pay=monthly_pay
    )


def test_full_year_for_six_five_three_and_two_and_a_half_days() -> None:
    # § 3 BUrlG: 24 working days for 6 days a week, i.e. 4 weeks: 4 x days a week
    for per_week, days in (("6", 24), ("5", 20), ("3", 12), ("2.5", 10)):
        r = vacation(per_week, D(2020, 4, 1))
        assert (r.rule, r.entitlement_days, r.full_year_days) == (FULL, M(days), M(days)), per_week


def test_start_in_the_second_half_of_the_year() -> None:
    # start 01.08.2026: six months end 31.01.2027 -> no full leave in 2026 (§ 5(1)a);
    # full months 01.08.–31.12. = 5 -> 5/12 x 20 = 8.33; the fraction is under half a day and stays
    r = vacation(5, D(2026, 8, 1))
    assert (r.rule, r.full_months, r.entitlement_days) == (PARTIAL_STARTED_LATE, 5, M("8.33"))
    # start 01.07.2026: six months are complete only at the end of 31.12., the full leave would
    # arise "after" them, on 01.01.2027 -> still partial: 6/12 x 20 = 10
    r = vacation(5, D(2026, 7, 1))
    assert (r.rule, r.full_months, r.entitlement_days) == (PARTIAL_STARTED_LATE, 6, M(10))
    # start 30.06.2026: six months complete from 30.12.2026 -> the full 20 days for 2026
    assert vacation(5, D(2026, 6, 30)).rule == FULL


def test_part_time_fraction_of_half_a_day_or_more_rounds_up() -> None:
    # 4 days a week: 16 a year. Start 01.08.2026: 5/12 x 16 = 6.67 -> 7 (§ 5(2) BUrlG)
    r = vacation(4, D(2026, 8, 1))
    assert (r.full_year_days, r.entitlement_days) == (M(16), M(7))
    # 3 days a week from 15.09.2026: full months 15.09.–14.10., 15.10.–14.11., 15.11.–14.12. = 3
    # (15.12.–31.12. is no full month) -> 3/12 x 12 = 3
    r = vacation(3, D(2026, 9, 15))
    assert (r.full_months, r.entitlement_days) == (3, M(3))
    assert round_partial(M("6.5")) == M(7) and round_partial(M("6.49")) == M("6.49")


def test_leaving_before_six_months_and_the_pay_out() -> None:
    # 15.03.–31.08.2026: six months would be complete from 15.09. -> § 5(1)b; full months
    # 15.03.–14.04. … 15.07.–14.08. = 5 -> 8.33 days; 5 taken -> 3.33 open.
    # Daily pay 2,400 x 3 / (13 weeks x 5) = 110.769… -> 110.77; 3.33 x 110.77 = 368.86
    r = vacation(5, D(2026, 3, 15), D(2026, 8, 31), days_taken=M(5), monthly_pay=M(2400))
    assert (r.rule, r.full_months, r.entitlement_days, r.days_open) == (PARTIAL_LEFT_EARLY, 5, M("8.33"), M("3.33"))
    assert (r.daily_pay, r.payout) == (M("110.77"), M("368.86"))
    assert "§ 7 Abs. 4 BUrlG" in [s.label for s in r.sources]


def test_leaving_in_the_first_half_after_the_waiting_period() -> None:
    # employed since 2019, leaves 15.05.2027: § 5(1)c -> full months from 01.01.: Jan–Apr = 4
    # (01.05.–31.05. is not complete) -> 4/12 x 20 = 6.67 -> 7; 2 taken -> 5 open;
    # daily 2,600 x 3 / 65 = 120.00 -> 600.00
    r = vacation(5, D(2019, 5, 1), D(2027, 5, 15), year=2027, days_taken=M(2), monthly_pay=M(2600))
    assert (r.rule, r.full_months, r.entitlement_days, r.days_open) == (PARTIAL_FIRST_HALF, 4, M(7), M(5))
    assert (r.daily_pay, r.payout) == (M("120.00"), M("600.00"))


def test_leaving_in_the_second_half_keeps_the_full_leave() -> None:
    # employed since 2019, leaves 31.07.2027: no § 5 case -> the full 20 days; 12 taken -> 8 open;
    # daily 3,000 x 3 / 65 = 138.4615… -> 138.46; 8 x 138.46 = 1,107.68
    r = vacation(5, D(2019, 5, 1), D(2027, 7, 31), year=2027, days_taken=M(12), monthly_pay=M(3000))
    assert (r.rule, r.entitlement_days, r.days_open, r.daily_pay, r.payout) == (
        FULL,
        M(20),
        M(8),
        M("138.46"),
        M("1107.68"),
    )


def test_full_months_across_a_leap_february() -> None:
    # start 31.01.2028: month 1 ends 29.02.2028 ("31.02." does not exist, § 188(3)), month 2 ends
    # 30.03., month 3 ends 30.04. (no 31.04.), month 4 ends 30.05., month 5 ends 30.06. (no 31.06.)
    assert completed_after(D(2028, 1, 31), months=1) == D(2028, 3, 1)
    assert full_months_between(D(2028, 1, 31), D(2028, 2, 29)) == 1
    assert full_months_between(D(2028, 1, 31), D(2028, 2, 28)) == 0
    r = vacation(5, D(2028, 1, 31), D(2028, 6, 30), year=2028)
    assert (r.rule, r.full_months, r.entitlement_days) == (PARTIAL_LEFT_EARLY, 5, M("8.33"))


def test_impossible_vacation_input_is_refused() -> None:
    for per_week in ("0", "7"):
        with pytest.raises(CalculatorInputError) as error:
            vacation(per_week, D(2020, 1, 1))
        assert error.value.reason == "calc_err_days_per_week"
    with pytest.raises(CalculatorInputError) as error:
        vacation(5, D(2026, 5, 1), D(2026, 4, 30))
    assert error.value.reason == "calc_err_end_before_start"
    with pytest.raises(CalculatorInputError) as error:
        vacation(5, D(2027, 2, 1), year=2026)
    assert error.value.reason == "calc_err_not_employed_in_year"


def test_six_weeks_of_sick_pay() -> None:
    # ill from Mon 02.11.2026, before work: that day counts -> 42 days: 02.11. + 41 = Sun 13.12.2026;
    # Krankengeld from 14.12.2026
    r = calculate_sick_pay(D(2026, 11, 2), employed_since=D(2020, 1, 1))
    assert (r.pay_from, r.pay_until, r.krankengeld_from, r.in_waiting_period) == (
        D(2026, 11, 2),
        D(2026, 12, 13),
        D(2026, 12, 14),
        False,
    )
    # fell ill during work on 02.11.: that day is paid as worked, six weeks 03.11.–14.12.2026
    r = calculate_sick_pay(D(2026, 11, 2), began_during_work=True)
    assert (r.pay_from, r.pay_until) == (D(2026, 11, 3), D(2026, 12, 14))


def test_six_weeks_across_a_leap_february() -> None:
    # 01.02.2028 + 41 days: 28 days to 29.02., 13 more -> 13.03.2028; in 2027 (no 29.02.) -> 14.03.2027
    assert calculate_sick_pay(D(2028, 2, 1)).pay_until == D(2028, 3, 13)
    assert calculate_sick_pay(D(2027, 2, 1)).pay_until == D(2027, 3, 14)


def test_four_weeks_of_waiting_in_a_new_job() -> None:
    # job from Wed 01.07.2026: four weeks run to Tue 28.07.2026 (§§ 187(2), 188(2) BGB); ill from
    # 10.07.: nothing from the employer until then, the six weeks start 29.07. -> 29.07. + 41 = 08.09.2026
    r = calculate_sick_pay(D(2026, 7, 10), employed_since=D(2026, 7, 1))
    assert (r.in_waiting_period, r.waiting_period_ends, r.pay_from, r.pay_until) == (
        True,
        D(2026, 7, 28),
        D(2026, 7, 29),
        D(2026, 9, 8),
    )
    assert r.notes[0] == "sick_pay_waiting_period"
    # ill from 29.07., the first day of the fifth week: paid from that day
    r = calculate_sick_pay(D(2026, 7, 29), employed_since=D(2026, 7, 1))
    assert (r.in_waiting_period, r.pay_from, r.pay_until) == (False, D(2026, 7, 29), D(2026, 9, 8))
    with pytest.raises(CalculatorInputError) as error:
        calculate_sick_pay(D(2026, 6, 30), employed_since=D(2026, 7, 1))
    assert error.value.reason == "calc_err_ill_before_start"
