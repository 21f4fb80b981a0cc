"""A calculator result as text in the person's language: for the chat (Telegram HTML), the web chat and the CLI.

Every rendering ends the same way: the caveats of the case, the "first estimate" warning,
the legal sources with their links, and the offer of an advisor. Phrases come from
bot/locales (keys calc_*); dates are written as German letters write them (02.11.2026) with
the weekday in the person's language, amounts with the person's decimal separator.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
from collections.abc import Callable
from decimal import Decimal

from bot.locales import t
from bot.services.calculators.dismissal import (
    ANY_DAY,
    KEPT,
    MONTH_END,
    NOT_A_PERMITTED_DAY,
    TOO_SHORT,
    DismissalResult,
)
from bot.services.calculators.minimum_wage import MinimumWageResult
from bot.services.calculators.objection import ObjectionResult
from bot.services.calculators.result import CalculatorResult
from bot.services.calculators.sick_pay import SickPayResult
from bot.services.calculators.vacation import FULL, VacationResult


class Formatter:
    """Dates, months and numbers in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.weekdays = t("calc_weekdays", lang).split(",")
        self.months = t("calc_months", lang).split(",")
        self.separator = t("calc_decimal_separator", lang)

    def date(self, day: dt.date) -> str:
        return f"{self.weekdays[day.weekday()].strip()}, {day:%d.%m.%Y}"

    def month(self, day: dt.date) -> str:
        return f"{self.months[day.month - 1].strip()} {day.year}"

    def number(self, value: Decimal | int) -> str:
        text = f"{value:.2f}" if isinstance(value, Decimal) and value != value.to_integral_value() else f"{value:.0f}"
        return text.replace(".", self.separator)

    def money(self, value: Decimal) -> str:
        return f"{value:.2f}".replace(".", self.separator)


def _dismissal(r: DismissalResult, f: Formatter) -> list[str]:
    lang = f.lang
    lines = []
    if r.days_left >= 0:
        lines.append(t("calc_dismissal_claim", lang, date=f.date(r.claim_deadline), days=r.days_left))
    else:
        lines.append(t("calc_dismissal_claim_passed", lang, date=f.date(r.claim_deadline)))
    if r.claim_deadline_moved_from and r.claim_deadline_moved_reason:
        reason = r.claim_deadline_moved_reason
        weekend = reason in ("saturday", "sunday")
        said = t("calc_reason_weekend", lang) if weekend else t("calc_reason_holiday", lang, name=reason)
        lines.append(t("calc_dismissal_moved", lang, date=f.date(r.claim_deadline_moved_from), reason=said))
    if r.notice_ends_on == ANY_DAY:
        lines.append(t("calc_dismissal_notice_probation", lang))
    elif r.notice_ends_on == MONTH_END:
        lines.append(t("calc_dismissal_notice_months", lang, years=r.years_employed, months=r.notice_months))
    else:
        lines.append(t("calc_dismissal_notice_basic", lang))
    if r.earliest_end:
        lines.append(t("calc_dismissal_earliest_end", lang, date=f.date(r.earliest_end)))
    verdicts = {
        KEPT: "calc_dismissal_kept",
        TOO_SHORT: "calc_dismissal_too_short",
        NOT_A_PERMITTED_DAY: "calc_dismissal_not_permitted",
    }
    if r.notice_kept and r.letter_end:
        lines.append(t(verdicts[r.notice_kept], lang, date=f.date(r.letter_end)))
    key = "calc_dismissal_register_days" if r.registration_rule == "three_days" else "calc_dismissal_register_months"
    lines.append(t(key, lang, date=f.date(r.registration_deadline)))
    return lines


def _minimum_wage(r: MinimumWageResult, f: Formatter) -> list[str]:
    lang, month = f.lang, f.month(r.month)
    hours = f.number(r.hours)
    lines = [
        t("calc_mw_hourly", lang, pay=f.money(r.pay), hours=hours, hourly=f.money(r.hourly_pay)),
        t(
            "calc_mw_minimum",
            lang,
            month=month,
            minimum=f.money(r.minimum_wage),
            hours=hours,
            owed=f.money(r.owed_at_minimum),
        ),
    ]
    if r.below_minimum:
        lines.append(t("calc_mw_below", lang, shortfall=f.money(r.shortfall)))
    else:
        lines.append(t("calc_mw_ok", lang))
    return lines


def _vacation(r: VacationResult, f: Formatter) -> list[str]:
    lang = f.lang
    lines = [t("calc_vac_full_year", lang, per_week=f.number(r.days_per_week), days=f.number(r.full_year_days))]
    if r.rule == FULL:
        lines.append(t("calc_vac_full", lang, year=r.year, days=f.number(r.entitlement_days)))
    else:
        reason = t(f"calc_vac_reason_{r.rule}", lang, year=r.year)
        lines.append(
            t(
                "calc_vac_partial",
                lang,
                year=r.year,
                reason=reason,
                months=r.full_months,
                days=f.number(r.entitlement_days),
            )
        )
    lines.append(t("calc_vac_open", lang, taken=f.number(r.days_taken), open=f.number(r.days_open)))
    if r.employed_until is not None and r.employed_until.year == r.year:
        lines.append(t("calc_vac_payout", lang))
        if r.payout is not None and r.daily_pay is not None:
            lines.append(
                t(
                    "calc_vac_payout_amount",
                    lang,
                    daily=f.money(r.daily_pay),
                    open=f.number(r.days_open),
                    payout=f.money(r.payout),
                )
            )
    return lines


def _sick_pay(r: SickPayResult, f: Formatter) -> list[str]:
    lang = f.lang
    lines = []
    if r.in_waiting_period and r.employed_since and r.waiting_period_ends:
        lines.append(
            t("calc_sick_waiting", lang, job_start=f.date(r.employed_since), waiting_end=f.date(r.waiting_period_ends))
        )
    elif r.began_during_work:
        lines.append(t("calc_sick_during_work", lang))
    lines.append(t("calc_sick_pay", lang, start=f.date(r.pay_from), end=f.date(r.pay_until)))
    lines.append(t("calc_sick_krankengeld", lang, date=f.date(r.krankengeld_from)))
    return lines


def _objection(r: ObjectionResult, f: Formatter) -> list[str]:
    lang = f.lang
    what = t(f"calc_remedy_{r.remedy}", lang)
    if r.days_left >= 0:
        lines = [t("calc_objection_deadline", lang, what=what, date=f.date(r.deadline), days=r.days_left)]
    else:
        lines = [t("calc_objection_passed", lang, what=what, date=f.date(r.deadline))]
    if r.deadline_moved_from:
        lines.append(t("calc_objection_moved", lang, date=f.date(r.deadline_moved_from)))
    return lines


_BODIES: dict[str, Callable] = {
    "dismissal": _dismissal,
    "minimum_wage": _minimum_wage,
    "vacation": _vacation,
    "sick_pay": _sick_pay,
    "objection": _objection,
}


def title(result: CalculatorResult, lang: str) -> str:
    f = Formatter(lang)
    if isinstance(result, MinimumWageResult):
        return t("calc_mw_title", lang, month=f.month(result.month))
    if isinstance(result, VacationResult):
        return t("calc_vac_title", lang, year=result.year)
    return t(f"calc_{'sick' if result.kind == 'sick_pay' else result.kind}_title", lang)


def render(result: CalculatorResult, lang: str, *, html: bool = False, offer_advisor: bool = True) -> str:
    """The whole result as one message: title, findings, caveats, first-estimate warning, sources, advisor offer."""
    esc = html_lib.escape if html else (lambda text: text)
    f = Formatter(lang)
    head = esc(title(result, lang))
    lines = [f"<b>{head}</b>" if html else head, ""]
    lines += [esc(line) for line in _BODIES[result.kind](result, f)]
    lines += [f"• {esc(t(f'calc_note_{note}', lang))}" for note in result.notes]
    lines += ["", esc(t("calc_first_estimate", lang)), ""]
    label = esc(t("calc_sources", lang))
    if html:
        links = ", ".join(f'<a href="{esc(s.url)}">{esc(s.label)}</a>' for s in result.sources)
        lines.append(f"{label}: {links}")
    else:
        lines.append(f"{label}:")
        lines += [f"  {s.label} – {s.url}" for s in result.sources]
    if offer_advisor:
        lines += ["", esc(t("calc_offer_advisor", lang))]
    return "\n".join(lines)
