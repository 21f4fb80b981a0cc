"""After a Bescheid: the last day to object (or to sue, where the letter names the court).

- Jobcenter and Agentur für Arbeit (SGB II, SGB III), and the Familienkasse for the
  Kinderzuschlag: Widerspruch within one month of notification (§ 84 SGG).
- Familienkasse for Kindergeld (a tax matter): Einspruch within one month (§ 355 AO).
- Ausländerbehörde: Widerspruch within one month (§ 70 VwGO); in Lower Saxony most decisions
  go straight to the administrative court, the claim within one month (§ 74 VwGO, § 80 NJG),
  and the letter's instructions on remedies say which.
- Counted from the day of receipt, to be safe: a letter sent by post counts as notified on the
  fourth day after posting unless it arrived later, so receipt is never later than notification
  for a letter that arrived on time. A month ends on the same-numbered day (§ 188(2), (3) BGB);
  a last day on a weekend or public holiday moves to the next working day (§ 64(3) SGG,
  § 57(2) VwGO with § 222(2) ZPO, § 108(3) AO).
- Without instructions on remedies the period is one year (§ 66(2) SGG, § 58(2) VwGO, § 356(2) AO).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.services.calculators.periods import event_period_end
from bot.services.calculators.result import LAW, CalculatorInputError, CalculatorResult, LegalSource
from bot.services.calculators.working_days import DEFAULT_REGION, next_working_day_from

WIDERSPRUCH = "widerspruch"
EINSPRUCH = "einspruch"
KLAGE = "klage"
REMEDIES = (WIDERSPRUCH, EINSPRUCH, KLAGE)

SGG_84 = LegalSource("§ 84 SGG", f"{LAW}/sgg/__84.html")
SGG_64 = LegalSource("§ 64 SGG", f"{LAW}/sgg/__64.html")
SGG_66 = LegalSource("§ 66 SGG", f"{LAW}/sgg/__66.html")
AO_355 = LegalSource("§ 355 AO", f"{LAW}/ao_1977/__355.html")
AO_108 = LegalSource("§ 108 AO", f"{LAW}/ao_1977/__108.html")
AO_356 = LegalSource("§ 356 AO", f"{LAW}/ao_1977/__356.html")
VWGO_70 = LegalSource("§ 70 VwGO", f"{LAW}/vwgo/__70.html")
VWGO_74 = LegalSource("§ 74 VwGO", f"{LAW}/vwgo/__74.html")
VWGO_57 = LegalSource("§ 57 VwGO", f"{LAW}/vwgo/__57.html")
VWGO_58 = LegalSource("§ 58 VwGO", f"{LAW}/vwgo/__58.html")
ZPO_222 = LegalSource("§ 222 Abs. 2 ZPO", f"{LAW}/zpo/__222.html")
BGB_188 = LegalSource("§ 188 BGB", f"{LAW}/bgb/__188.html")
SOCIAL = "social"  # Jobcenter, Agentur für Arbeit, Kinderzuschlag: the social courts' rules
TAX = "tax"  # Kindergeld: the tax code
ADMINISTRATIVE = "administrative"  # Ausländerbehörde: the administrative courts' rules
LAW_OF_AUTHORITY = {
    "jobcenter": SOCIAL,
    "employment_agency": SOCIAL,
    "family_benefits": TAX,
    "immigration_office": ADMINISTRATIVE,
}


@dataclass(frozen=True, kw_only=True)
class ObjectionResult(CalculatorResult):
    kind = "objection"
    received: dt.date
    today: dt.date
    authority: str  # jobcenter, employment_agency, family_benefits, immigration_office
    remedy: str  # widerspruch, einspruch or klage
    deadline: dt.date
    deadline_moved_from: dt.date | None
    days_left: int
    instructions_missing: bool  # no Rechtsbehelfsbelehrung: one year instead of one month


def _sources(law: str, remedy: str, missing: bool) -> list[LegalSource]:
    if law == TAX:
        return [AO_355, AO_108, *([AO_356] if missing else [])]
    if law == ADMINISTRATIVE:
        main = VWGO_74 if remedy == KLAGE else VWGO_70
        return [main, VWGO_57, ZPO_222, *([VWGO_58] if missing else [])]
    return [SGG_84, SGG_64, *([SGG_66] if missing else [])]


def calculate_objection(
    received: dt.date,
    *,
    today: dt.date,
    authority: str,
    remedy: str | None = None,
    instructions_missing: bool = False,
    region: str = DEFAULT_REGION,
) -> ObjectionResult:
    """Last day to object to (or sue against) a Bescheid received on `received` (see the module docstring)."""
    if received > today:
        raise CalculatorInputError(
            f"the letter cannot have been received after today ({today})", "calc_err_future", date=received
        )
    law = LAW_OF_AUTHORITY.get(authority, SOCIAL)
    chosen = remedy if remedy in REMEDIES else (EINSPRUCH if law == TAX else WIDERSPRUCH)
    period = event_period_end(received, months=12 if instructions_missing else 1)
    deadline, moved = next_working_day_from(period, region)
    notes = ["objection_counted_from_receipt"]
    if chosen != KLAGE:  # a claim is written to the court; the immigration note says so
        notes.append("objection_in_writing")
    if instructions_missing:
        notes.insert(0, "objection_no_instructions")
    if law == ADMINISTRATIVE:
        notes.append("objection_immigration_court")
    return ObjectionResult(
        received=received,
        today=today,
        authority=authority,
        remedy=chosen,
        deadline=deadline,
        deadline_moved_from=period if moved else None,
        days_left=(deadline - today).days,
        instructions_missing=instructions_missing,
        sources=(*_sources(law, chosen, instructions_missing), BGB_188),
        notes=tuple(notes),
    )
