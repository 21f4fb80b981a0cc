"""Continued pay during illness: when the employer's six weeks end, and the four-week wait in a new job (§ 3 EFZG).

- § 3(1) EFZG: pay continues for up to six weeks (42 calendar days) of the same illness.
  The first day counts when the illness began before work that day; if it began during
  work, that day is paid as worked and the six weeks start the next day.
- § 3(3) EFZG: the right arises after four weeks of uninterrupted employment, counted from
  the first day of the job (§§ 187(2), 188(2) BGB). Days of illness inside those four
  weeks are not paid by the employer (the health insurer may pay Krankengeld) and do not
  use up the six weeks: they start on the first day of the fifth week.
- After the six weeks the health insurer pays Krankengeld (§ 44 SGB V).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.services.calculators.periods import completed_after
from bot.services.calculators.result import LAW, CalculatorInputError, CalculatorResult, LegalSource

EFZG_3 = LegalSource("§ 3 EFZG", f"{LAW}/entgfg/__3.html")
EFZG_4 = LegalSource("§ 4 EFZG", f"{LAW}/entgfg/__4.html")
SGB5_44 = LegalSource("§ 44 SGB V", f"{LAW}/sgb_5/__44.html")
BGB_187 = LegalSource("§ 187 BGB", f"{LAW}/bgb/__187.html")

SIX_WEEKS = dt.timedelta(days=42)


@dataclass(frozen=True, kw_only=True)
class SickPayResult(CalculatorResult):
    kind = "sick_pay"
    first_day_ill: dt.date
    began_during_work: bool
    employed_since: dt.date | None
    waiting_period_ends: dt.date | None  # last day of the four weeks, when the job started recently
    in_waiting_period: bool  # the illness began inside the four weeks
    pay_from: dt.date  # first day the employer's continued pay covers
    pay_until: dt.date  # last day of the six weeks
    krankengeld_from: dt.date  # the health insurer's sick pay from here if the illness lasts longer


def calculate_sick_pay(
    first_day_ill: dt.date, *, employed_since: dt.date | None = None, began_during_work: bool = False
) -> SickPayResult:
    """The employer's six weeks for an illness beginning on `first_day_ill` (see the module docstring)."""
    if employed_since is not None and employed_since > first_day_ill:
        raise CalculatorInputError("the illness began before the job started", "calc_err_ill_before_start")
    start = first_day_ill + dt.timedelta(days=1) if began_during_work else first_day_ill
    notes = ["sick_pay_certificate", "sick_pay_same_illness"]
    sources = [EFZG_3, EFZG_4, BGB_187, SGB5_44]
    waiting_end = None
    in_waiting = False
    if employed_since is not None:
        entitled_from = completed_after(employed_since, days=28)
        waiting_end = entitled_from - dt.timedelta(days=1)
        if first_day_ill < entitled_from:
            in_waiting = True
            notes.insert(0, "sick_pay_waiting_period")
            start = max(start, entitled_from)
    until = start + SIX_WEEKS - dt.timedelta(days=1)
    return SickPayResult(
        first_day_ill=first_day_ill,
        began_during_work=began_during_work,
        employed_since=employed_since,
        waiting_period_ends=waiting_end,
        in_waiting_period=in_waiting,
        pay_from=start,
        pay_until=until,
        krankengeld_from=until + dt.timedelta(days=1),
        sources=tuple(sources),
        notes=tuple(notes),
    )
