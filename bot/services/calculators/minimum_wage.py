"""Pay of one month against the statutory minimum wage valid in that month, and the shortfall (§ 1 MiLoG).

The amount per hour comes from the dated table in knowledge/minimum_wage.yaml, never from
code: the month worked picks the period. Gross pay is compared, as the law sets a gross
amount per hour actually worked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from bot.services.calculators.result import LAW, CalculatorInputError, CalculatorResult, LegalSource, cents
from knowledge.minimum_wage import MinimumWageRate, load_rates, rate_on

MILOG_1 = LegalSource("§ 1 MiLoG", f"{LAW}/milog/__1.html")
MILOG_3 = LegalSource("§ 3 MiLoG", f"{LAW}/milog/__3.html")
MAX_HOURS_PER_MONTH = Decimal(31 * 24)


@dataclass(frozen=True, kw_only=True)
class MinimumWageResult(CalculatorResult):
    kind = "minimum_wage"
    month: dt.date  # first day of the month worked
    hours: Decimal
    pay: Decimal  # gross pay received for the month
    hourly_pay: Decimal  # pay / hours, to the cent
    minimum_wage: Decimal  # per hour, valid in that month
    owed_at_minimum: Decimal  # hours x minimum wage
    shortfall: Decimal  # what is missing to the minimum wage; 0 when nothing is
    below_minimum: bool


def calculate_minimum_wage(
    month: dt.date, hours: Decimal, pay: Decimal, rates: tuple[MinimumWageRate, ...] | None = None
) -> MinimumWageResult:
    """Compare `pay` (gross euros) for `hours` worked in `month` with the minimum wage of that month."""
    if not Decimal(0) < hours <= MAX_HOURS_PER_MONTH:
        raise CalculatorInputError(
            f"hours worked must be more than 0 and at most {MAX_HOURS_PER_MONTH}", "calc_err_hours"
        )
    if pay < 0:
        raise CalculatorInputError("the pay cannot be negative", "calc_err_amount")
    first = month.replace(day=1)
    table = rates if rates is not None else load_rates()
    rate = rate_on(first, table)
    if rate is None:
        raise CalculatorInputError(
            f"no minimum wage known for {first:%Y-%m}; known from {table[0].valid_from} to {table[-1].valid_until}",
            "calc_err_no_rate",
            first=table[0].valid_from,
            last=table[-1].valid_until,
        )
    owed = cents(hours * rate.eur_per_hour)
    shortfall = max(Decimal(0), owed - cents(pay))
    return MinimumWageResult(
        month=first,
        hours=hours,
        pay=cents(pay),
        hourly_pay=cents(pay / hours),
        minimum_wage=rate.eur_per_hour,
        owed_at_minimum=owed,
        shortfall=shortfall,
        below_minimum=shortfall > 0,
        sources=(MILOG_1, LegalSource(rate.source_title, rate.source_url), MILOG_3),
        notes=("minimum_wage_gross", "minimum_wage_exceptions"),
    )
