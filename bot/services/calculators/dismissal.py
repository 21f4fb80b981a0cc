"""After a dismissal letter: the last day to sue, the statutory notice period and the job-seeker registration.

- Claim at the labour court: three weeks from receipt (§ 4 KSchG), counted per §§ 187(1),
  188(2) BGB; a last day on a Saturday, Sunday or public holiday moves to the next working
  day (§ 222(2) ZPO, § 193 BGB).
- Notice period the employer must keep (§ 622 BGB): 2 weeks during an agreed probation,
  4 weeks to the 15th or the end of a month, after 2/5/8/10/12/15/20 years of employment
  1/2/3/4/5/6/7 months to the end of a month.
- Registering as job-seeking (§ 38(1) SGB III): three months before the end, or within
  three days of learning of it when less than three months are left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.services.calculators.periods import (
    add_months,
    completed_after,
    event_period_end,
    last_day_of_month,
)
from bot.services.calculators.result import LAW, CalculatorInputError, CalculatorResult, LegalSource
from bot.services.calculators.working_days import DEFAULT_REGION, holiday_name, next_working_day_from

KSCHG_4 = LegalSource("§ 4 KSchG", f"{LAW}/kschg/__4.html")
KSCHG_5 = LegalSource("§ 5 KSchG", f"{LAW}/kschg/__5.html")
ZPO_222 = LegalSource("§ 222 Abs. 2 ZPO", f"{LAW}/zpo/__222.html")
BGB_187 = LegalSource("§ 187 BGB", f"{LAW}/bgb/__187.html")
BGB_188 = LegalSource("§ 188 BGB", f"{LAW}/bgb/__188.html")
BGB_193 = LegalSource("§ 193 BGB", f"{LAW}/bgb/__193.html")
BGB_622 = LegalSource("§ 622 BGB", f"{LAW}/bgb/__622.html")
BGB_626 = LegalSource("§ 626 BGB", f"{LAW}/bgb/__626.html")
SGB3_38 = LegalSource("§ 38 Abs. 1 SGB III", f"{LAW}/sgb_3/__38.html")
SGB10_26 = LegalSource("§ 26 Abs. 3 SGB X", f"{LAW}/sgb_10/__26.html")

# § 622(2) BGB: (years of employment, months of notice to the end of a calendar month), longest first
LONGER_NOTICE: tuple[tuple[int, int], ...] = ((20, 7), (15, 6), (12, 5), (10, 4), (8, 3), (5, 2), (2, 1))

# how the notice period ends
ANY_DAY = "any_day"  # probation: two weeks, any day
MID_OR_MONTH_END = "15th_or_month_end"  # basic period: four weeks to the 15th or the end of a month
MONTH_END = "month_end"  # longer periods: to the end of a calendar month

KEPT = "kept"
TOO_SHORT = "too_short"
NOT_A_PERMITTED_DAY = "not_a_permitted_day"


@dataclass(frozen=True, kw_only=True)
class DismissalResult(CalculatorResult):
    kind = "dismissal"
    received: dt.date
    today: dt.date
    claim_deadline: dt.date  # last day to file the claim at the labour court
    claim_deadline_moved_from: dt.date | None  # the day three weeks after receipt, when it was no working day
    claim_deadline_moved_reason: str | None  # "saturday", "sunday" or the holiday's German name
    days_left: int  # until the claim deadline, from `today`; negative when it has passed
    employed_since: dt.date | None
    years_employed: int | None  # full years at receipt
    probation: bool
    notice_weeks: int | None  # 2 or 4, or None when the period is in months
    notice_months: int | None
    notice_ends_on: str | None  # ANY_DAY, MID_OR_MONTH_END or MONTH_END
    earliest_end: dt.date | None  # first lawful end of employment after this notice
    letter_end: dt.date | None  # the end date written in the letter
    notice_kept: str | None  # KEPT, TOO_SHORT, NOT_A_PERMITTED_DAY; None without an end date in the letter
    registration_deadline: dt.date  # register as job-seeking with the Agentur für Arbeit by this day
    registration_rule: str  # "three_days" or "three_months_before_end"


def years_completed(since: dt.date, on: dt.date) -> int:
    """Full years of employment lying completely behind `on` (§§ 187(2), 188(2), (3) BGB)."""
    years = 0
    while completed_after(since, years=years + 1) <= on:
        years += 1
    return years


def _notice_rule(years: int | None, probation: bool) -> tuple[int | None, int | None, str]:
    if probation:
        return 2, None, ANY_DAY
    for threshold, months in LONGER_NOTICE:
        if years is not None and years >= threshold:
            return None, months, MONTH_END
    return 4, None, MID_OR_MONTH_END


def earliest_end_of(received: dt.date, weeks: int | None, months: int | None, ends_on: str) -> dt.date:
    """The first day the employment can end when the notice was received on `received`."""
    if months:
        return last_day_of_month(add_months(received, months))
    period_end = event_period_end(received, weeks=weeks or 0)
    if ends_on == ANY_DAY:
        return period_end
    mid = period_end.replace(day=15)
    return mid if period_end <= mid else last_day_of_month(period_end)


def _is_permitted_end(day: dt.date, ends_on: str) -> bool:
    if ends_on == ANY_DAY:
        return True
    month_end = day == last_day_of_month(day)
    return month_end or (ends_on == MID_OR_MONTH_END and day.day == 15)


def _moved_reason(day: dt.date, region: str) -> str:
    if day.weekday() == 5:
        return "saturday"
    if day.weekday() == 6:
        return "sunday"
    return holiday_name(day, region) or "holiday"


def calculate_dismissal(
    received: dt.date,
    *,
    today: dt.date,
    employed_since: dt.date | None = None,
    letter_end: dt.date | None = None,
    probation: bool = False,
    region: str = DEFAULT_REGION,
) -> DismissalResult:
    """Deadlines and notice period for a dismissal letter received on `received` (see the module docstring)."""
    if received > today:
        raise CalculatorInputError(
            f"the letter cannot have been received after today ({today})", "calc_err_future", date=received
        )
    if employed_since is not None and employed_since > received:
        raise CalculatorInputError(
            "the job must have started before the dismissal letter arrived", "calc_err_start_after_received"
        )
    if letter_end is not None and letter_end < received:
        raise CalculatorInputError(
            "the end date in the letter lies before the day it was received", "calc_err_end_before_received"
        )
    sources = [KSCHG_4, BGB_187, BGB_188, ZPO_222, BGB_193]
    notes: list[str] = []

    unmoved = event_period_end(received, weeks=3)
    deadline, moved = next_working_day_from(unmoved, region)
    days_left = (deadline - today).days
    if days_left < 0:
        notes.append("dismissal_late_claim")
        sources.append(KSCHG_5)

    years = years_completed(employed_since, received) if employed_since else None
    if probation and employed_since is not None and received >= completed_after(employed_since, months=6):
        probation = False  # § 622(3): a probation lasts six months at most
        notes.append("dismissal_probation_over")
    weeks, months, ends_on = _notice_rule(years, probation)
    sources.append(BGB_622)
    known_period = employed_since is not None or probation
    earliest = earliest_end_of(received, weeks, months, ends_on)
    if not known_period:
        notes.append("dismissal_employment_unknown")
    elif employed_since is not None and received < completed_after(employed_since, months=6) and not probation:
        notes.append("dismissal_probation_possible")

    verdict = None
    if letter_end is not None:
        if letter_end < earliest:
            verdict = TOO_SHORT
            notes.append("dismissal_immediate")
            sources.append(BGB_626)
        elif not _is_permitted_end(letter_end, ends_on):
            verdict = NOT_A_PERMITTED_DAY
        else:
            verdict = KEPT
    notes.append("dismissal_contract_may_differ")

    end_for_registration = letter_end or (earliest if known_period else None)
    if end_for_registration is not None and add_months(received, 3) <= end_for_registration:
        registration, rule = add_months(end_for_registration, -3), "three_months_before_end"
    else:
        registration, _ = next_working_day_from(received + dt.timedelta(days=3), region)
        rule = "three_days"
        sources.append(SGB10_26)
    sources.insert(1, SGB3_38)

    return DismissalResult(
        received=received,
        today=today,
        claim_deadline=deadline,
        claim_deadline_moved_from=unmoved if moved else None,
        claim_deadline_moved_reason=_moved_reason(unmoved, region) if moved else None,
        days_left=days_left,
        employed_since=employed_since,
        years_employed=years,
        probation=probation,
        notice_weeks=weeks,
        notice_months=months,
        notice_ends_on=ends_on,
        earliest_end=earliest,
        letter_end=letter_end,
        notice_kept=verdict,
        registration_deadline=registration,
        registration_rule=rule,
        sources=tuple(sources),
        notes=tuple(notes),
    )
