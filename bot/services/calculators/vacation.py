"""Statutory minimum leave for one calendar year, and its pay-out when the job ends (BUrlG).

- § 3 BUrlG: 24 working days for a six-day week, i.e. four weeks; for fewer days a week
  pro rata (5 days: 20, 3 days: 12).
- § 4: the full leave arises only after six months of employment; before that, and when
  leaving in the first half of a year, § 5(1) grants 1/12 per full month of employment,
  counted from the first day of the job (or 1 January); § 5(2): a fraction of at least half
  a day rounds up to a full day, a smaller one is kept as it is.
- § 7(4): leave not taken when the job ends is paid out; the daily rate follows § 11
  (average of the last 13 weeks), estimated here from the monthly gross pay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from bot.services.calculators.periods import completed_after, full_months_between
from bot.services.calculators.result import LAW, CalculatorInputError, CalculatorResult, LegalSource, cents

BURLG_3 = LegalSource("§ 3 BUrlG", f"{LAW}/burlg/__3.html")
BURLG_4 = LegalSource("§ 4 BUrlG", f"{LAW}/burlg/__4.html")
BURLG_5 = LegalSource("§ 5 BUrlG", f"{LAW}/burlg/__5.html")
BURLG_7 = LegalSource("§ 7 Abs. 4 BUrlG", f"{LAW}/burlg/__7.html")
BURLG_11 = LegalSource("§ 11 BUrlG", f"{LAW}/burlg/__11.html")

FULL = "full"
PARTIAL_STARTED_LATE = "5_1_a"  # waiting period cannot be completed in this year
PARTIAL_LEFT_EARLY = "5_1_b"  # left before the waiting period was completed
PARTIAL_FIRST_HALF = "5_1_c"  # left in the first half of the year after the waiting period


@dataclass(frozen=True, kw_only=True)
class VacationResult(CalculatorResult):
    kind = "vacation"
    year: int
    days_per_week: Decimal
    employed_from: dt.date
    employed_until: dt.date | None
    full_year_days: Decimal  # statutory minimum for a whole year at this number of days a week
    rule: str  # FULL or one of the § 5(1) cases
    full_months: int | None  # months counted for a partial entitlement
    entitlement_days: Decimal  # statutory minimum for this year, rounded per § 5(2)
    days_taken: Decimal
    days_open: Decimal
    monthly_pay: Decimal | None
    daily_pay: Decimal | None  # estimate: 3 months' pay / (13 weeks x days a week)
    payout: Decimal | None  # open days x daily pay, when the job ends and the pay is known


def round_partial(days: Decimal) -> Decimal:
    """§ 5(2) BUrlG: at least half a day rounds up to a full day; a smaller fraction stays (to two decimals)."""
    whole = days.to_integral_value(rounding=ROUND_FLOOR)
    if days - whole >= Decimal("0.5"):
        return days.to_integral_value(rounding=ROUND_CEILING)
    return days.quantize(Decimal("0.01"))


def calculate_vacation(
    days_per_week: Decimal,
    employed_from: dt.date,
    *,
    year: int,
    employed_until: dt.date | None = None,
    days_taken: Decimal = Decimal(0),
    monthly_pay: Decimal | None = None,
) -> VacationResult:
    """The statutory minimum leave in `year` and, when the job ends, what is to be paid out (module docstring)."""
    if not Decimal(0) < days_per_week <= 6:
        raise CalculatorInputError("working days per week must be more than 0 and at most 6", "calc_err_days_per_week")
    if employed_until is not None and employed_until < employed_from:
        raise CalculatorInputError("the job cannot end before it started", "calc_err_end_before_start")
    first_of_year, last_of_year = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if employed_from > last_of_year or (employed_until is not None and employed_until < first_of_year):
        raise CalculatorInputError(f"the job did not run during {year}", "calc_err_not_employed_in_year", year=year)
    if days_taken < 0 or (monthly_pay is not None and monthly_pay < 0):
        raise CalculatorInputError("days taken and pay cannot be negative", "calc_err_amount")

    full_year = Decimal(24) * days_per_week / Decimal(6)
    waiting_done = completed_after(employed_from, months=6)  # the full leave arises on this day at the earliest
    ends_in_year = employed_until is not None and employed_until <= last_of_year
    sources = [BURLG_3, BURLG_4, BURLG_5]
    if ends_in_year and employed_until is not None and employed_until < waiting_done:
        rule = PARTIAL_LEFT_EARLY
    elif waiting_done > last_of_year:
        rule = PARTIAL_STARTED_LATE
    elif ends_in_year and employed_until is not None and employed_until <= dt.date(year, 6, 30):
        rule = PARTIAL_FIRST_HALF
    else:
        rule = FULL

    if rule == FULL:
        months = None
        entitlement = full_year.quantize(Decimal("0.01"))
    else:
        months = full_months_between(
            max(employed_from, first_of_year), min(employed_until or last_of_year, last_of_year)
        )
        entitlement = round_partial(full_year * months / Decimal(12))
    entitlement = _tidy(entitlement)
    days_open = max(Decimal(0), entitlement - days_taken)

    daily = payout = None
    notes = ["vacation_contract_may_give_more"]
    if ends_in_year:
        sources.append(BURLG_7)
        notes.append("vacation_payout")
        if monthly_pay is not None:
            sources.append(BURLG_11)
            daily = cents(monthly_pay * 3 / (13 * days_per_week))
            payout = cents(daily * days_open)
    return VacationResult(
        year=year,
        days_per_week=days_per_week,
        employed_from=employed_from,
        employed_until=employed_until,
        full_year_days=_tidy(full_year.quantize(Decimal("0.01"))),
        rule=rule,
        full_months=months,
        entitlement_days=entitlement,
        days_taken=days_taken,
        days_open=_tidy(days_open),
        monthly_pay=monthly_pay,
        daily_pay=daily,
        payout=payout,
        sources=tuple(sources),
        notes=tuple(notes),
    )


def _tidy(value: Decimal) -> Decimal:
    """20.00 -> 20, 3.33 stays: whole days read as whole numbers."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
