"""The guided calculator dialogs, one question at a time, for any channel (Telegram, web chat).

A dialog is a small JSON state ({"kind", "step", "answers"}) that the caller keeps between
turns; each turn takes the person's text or the value of a tapped button and returns the
next question with its buttons, or the result. Every question has a cancel button, every
answer can be typed in the person's own words (dates via person_input), and impossible
answers are asked again with the reason. Nothing here knows aiogram or HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any

from bot.locales import t
from bot.services.calculators import (
    CalculatorInputError,
    CalculatorResult,
    calculate_dismissal,
    calculate_minimum_wage,
    calculate_sick_pay,
    calculate_vacation,
)
from bot.services.calculators.objection import calculate_objection
from bot.services.calculators.periods import add_months, completed_after
from bot.services.calculators.person_input import read_amount, read_date, read_month
from bot.services.calculators.render import Formatter, render

KINDS = ("dismissal", "minimum_wage", "vacation", "sick_pay", "objection")
# the calculator offered under an answer of these topics (knowledge/topics.yaml)
TOPIC_CALCULATORS = {
    "dismissal": "dismissal",
    "probation": "dismissal",
    "labour-court": "dismissal",
    "minimum-wage": "minimum_wage",
    "mini-job": "minimum_wage",
    "vacation": "vacation",
    "sick-leave": "sick_pay",
}
CANCEL = "cancel"
LETTER_DATE = "letter"  # the button that answers "when did you receive it?" with the letter's own date
AUTHORITIES = ("jobcenter", "employment_agency", "family_benefits", "immigration_office")
MENU_PREFIX = "k-"  # no colon: values travel inside packed callback data ("calc:k-vacation")


@dataclass(frozen=True)
class Choice:
    """A button: its label in the person's language and the short value that comes back when tapped."""

    label: str
    value: str


@dataclass(frozen=True)
class Turn:
    text: str  # Telegram-safe HTML
    choices: tuple[tuple[Choice, ...], ...] = ()
    state: dict[str, Any] | None = None  # keep it for the next answer; None: the dialog is over
    result: CalculatorResult | None = None
    cancelled: bool = False
    offer_advisor: bool = False  # show the channel's advisor button under this turn
    unreadable: bool = False  # the answer could not be read: the same question again


@dataclass(frozen=True)
class Step:
    name: str
    prompt: str  # locale key
    reads: str  # "date_past", "date_future", "date", "month", "number", or "choice" (buttons only)
    buttons: tuple[tuple[str, str], ...] = ()  # (locale key of the label, value)
    asked_if: Callable[[dict[str, Any]], bool] = field(default=lambda answers: True)


def _recent_job(answers: dict[str, Any]) -> bool:
    """Ask about probation only when the job was younger than six months at receipt."""
    since, received = answers.get("employed_since"), answers.get("received")
    if not since or not received:
        return False
    start = dt.date.fromisoformat(since)
    return dt.date.fromisoformat(received) < completed_after(start, months=6)


STEPS: dict[str, tuple[Step, ...]] = {
    "dismissal": (
        Step(
            "received",
            "calc_ask_received",
            "date_past",
            (("calc_btn_today", "today"), ("calc_btn_yesterday", "yesterday")),
        ),
        Step("employed_since", "calc_ask_employed_since", "date_past", (("calc_btn_skip", "skip"),)),
        Step(
            "probation",
            "calc_ask_probation",
            "choice",
            (("calc_btn_yes", "yes"), ("calc_btn_no", "no"), ("calc_btn_dont_know", "unknown")),
            _recent_job,
        ),
        Step("letter_end", "calc_ask_letter_end", "date_future", (("calc_btn_no_end_date", "skip"),)),
    ),
    "minimum_wage": (
        Step(
            "month",
            "calc_ask_month",
            "month",
            (("calc_btn_this_month", "this_month"), ("calc_btn_last_month", "last_month")),
        ),
        Step("hours", "calc_ask_hours", "number"),
        Step("pay", "calc_ask_pay", "number"),
    ),
    "vacation": (
        Step("days_per_week", "calc_ask_days_per_week", "number", tuple((f"{n}", f"{n}") for n in range(1, 7))),
        Step("job_start", "calc_ask_job_start", "date_past"),
        Step("job_end", "calc_ask_job_end", "date", (("calc_btn_continues", "skip"),)),
        Step("days_taken", "calc_ask_days_taken", "number", (("calc_btn_none", "0"),)),
        Step(
            "monthly_pay",
            "calc_ask_monthly_pay",
            "number",
            (("calc_btn_skip", "skip"),),
            lambda a: bool(a.get("job_end")),
        ),
    ),
    "sick_pay": (
        Step(
            "first_day_ill",
            "calc_ask_first_day_ill",
            "date",
            (("calc_btn_today", "today"), ("calc_btn_yesterday", "yesterday")),
        ),
        Step(
            "job_start",
            "calc_ask_job_start_sick",
            "date_past",
            (("calc_btn_long_ago", "skip"), ("calc_btn_skip", "skip")),
        ),
        Step("during_work", "calc_ask_during_work", "choice", (("calc_btn_yes", "yes"), ("calc_btn_no", "no"))),
    ),
    "objection": (
        Step("authority", "calc_ask_authority", "choice", tuple((f"calc_btn_auth_{a}", a) for a in AUTHORITIES)),
        Step(
            "received",
            "calc_ask_received_bescheid",
            "date_past",
            (("calc_btn_today", "today"), ("calc_btn_yesterday", "yesterday")),
        ),
    ),
}

# which question to ask again when the calculator refuses the answers (CalculatorInputError.reason)
ASK_AGAIN = {
    "calc_err_future": ("received", "first_day_ill"),
    "calc_err_start_after_received": ("employed_since",),
    "calc_err_end_before_received": ("letter_end",),
    "calc_err_hours": ("hours",),
    "calc_err_amount": ("pay", "days_taken", "monthly_pay"),
    "calc_err_no_rate": ("month",),
    "calc_err_days_per_week": ("days_per_week",),
    "calc_err_end_before_start": ("job_end",),
    "calc_err_not_employed_in_year": ("job_start",),
    "calc_err_ill_before_start": ("job_start",),
}


def _label(key: str, lang: str) -> str:
    return key if key.isdigit() else t(key, lang)


def _question(kind: str, step: Step, answers: dict[str, Any], lang: str, today: dt.date, lead: str = "") -> Turn:
    year = (answers.get("job_end") or "")[:4] or today.year
    text = escape(t(step.prompt, lang, year=year), quote=False)
    lead = escape(lead, quote=False)
    buttons = [Choice(_label(key, lang), value) for key, value in step.buttons]
    if step.name == "received" and answers.get("suggested"):  # from a letter the person sent: its date first
        day = Formatter(lang).date(dt.date.fromisoformat(answers["suggested"]))
        buttons.insert(0, Choice(t("calc_btn_letter_date", lang, date=day), LETTER_DATE))
    rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)] if buttons else []
    rows.append((Choice(t("calc_btn_cancel", lang), CANCEL),))
    state = {"kind": kind, "step": step.name, "answers": answers}
    return Turn(text=f"{lead}\n\n{text}".strip() if lead else text, choices=tuple(rows), state=state)


def menu(lang: str) -> Turn:
    """The four calculators as buttons."""
    rows = tuple((Choice(t(f"calc_btn_{kind}", lang), f"{MENU_PREFIX}{kind}"),) for kind in KINDS)
    cancel = (Choice(t("calc_btn_cancel", lang), CANCEL),)
    return Turn(
        text=escape(t("calc_menu", lang), quote=False),
        choices=(*rows, cancel),
        state={"kind": None, "step": "menu", "answers": {}},
    )


def start(kind: str, lang: str, today: dt.date, answers: dict[str, Any] | None = None) -> Turn:
    """The first question of calculator `kind` (answers may be pre-filled, e.g. a letter's date)."""
    if kind not in KINDS:
        return menu(lang)
    return _next(kind, dict(answers or {}), lang, today)


def _next(kind: str, answers: dict[str, Any], lang: str, today: dt.date, lead: str = "") -> Turn:
    for step in STEPS[kind]:
        if step.name not in answers and step.asked_if(answers):
            return _question(kind, step, answers, lang, today, lead)
    try:
        result = compute(kind, answers, today)
    except CalculatorInputError as error:
        again = next((name for name in ASK_AGAIN.get(error.reason, ()) if name in answers), None)
        if again is None:
            raise
        answers = {k: v for k, v in answers.items() if k != again}
        step = next(s for s in STEPS[kind] if s.name == again)
        return _question(kind, step, answers, lang, today, _error_text(error, lang))
    return Turn(text=render(result, lang, html=True), result=result, offer_advisor=True)


def _error_text(error: CalculatorInputError, lang: str) -> str:
    f = Formatter(lang)
    params = {k: f.date(v) if isinstance(v, dt.date) else v for k, v in error.params.items()}
    return t(error.reason, lang, **params)


def answer(
    state: dict[str, Any], lang: str, today: dt.date, *, text: str | None = None, choice: str | None = None
) -> Turn:
    """The next turn after the person wrote `text` or tapped the button with value `choice`."""
    if choice == CANCEL or (text is not None and _means_cancel(text, lang)):
        return Turn(text=escape(t("calc_cancelled", lang), quote=False), cancelled=True)
    if choice and choice.startswith(MENU_PREFIX):
        return start(choice.removeprefix(MENU_PREFIX), lang, today)
    kind = state.get("kind")
    if kind not in KINDS:
        return menu(lang)
    answers = dict(state.get("answers") or {})
    step = next((s for s in STEPS[kind] if s.name == state.get("step")), None)
    if step is None:
        return start(kind, lang, today, answers)
    if choice == LETTER_DATE and answers.get("suggested") and step.name == "received":
        value, problem = answers["suggested"], None
    else:
        value, problem = _read(step, lang, today, text, choice)
    if problem:
        again = _question(kind, step, answers, lang, today, t(problem, lang))
        return Turn(text=again.text, choices=again.choices, state=again.state, unreadable=True)
    answers[step.name] = value
    return _next(kind, answers, lang, today)


def label_of(state: dict[str, Any] | None, value: str, lang: str) -> str:
    """The text of the button with `value` in the question `state` is at (what the person "said" by tapping)."""
    if value == CANCEL:
        return t("calc_btn_cancel", lang)
    if value.startswith(MENU_PREFIX) and value.removeprefix(MENU_PREFIX) in KINDS:
        return t(f"calc_btn_{value.removeprefix(MENU_PREFIX)}", lang)
    kind = (state or {}).get("kind")
    suggested = ((state or {}).get("answers") or {}).get("suggested")
    if value == LETTER_DATE and suggested:
        return t("calc_btn_letter_date", lang, date=Formatter(lang).date(dt.date.fromisoformat(suggested)))
    for step in STEPS.get(kind or "", ()):
        if step.name == (state or {}).get("step"):
            return next((_label(key, lang) for key, v in step.buttons if v == value), value)
    return value


def _means_cancel(text: str, lang: str) -> bool:
    words = {"/cancel", "cancel", t("calc_btn_cancel", lang).strip("✖️ ").lower()}
    return text.strip().lower() in words


def _read(step: Step, lang: str, today: dt.date, text: str | None, choice: str | None) -> tuple[Any, str | None]:
    """The answer as stored in the state (ISO date, decimal string, yes/no, or None), or the problem's locale key."""
    allowed = {value for _, value in step.buttons}
    if choice is not None:
        if choice not in allowed:
            return None, "calc_use_buttons"
        if choice == "skip":
            return None, None
        if choice == "today":
            return today.isoformat(), None
        if choice == "yesterday":
            return (today - dt.timedelta(days=1)).isoformat(), None
        if choice == "this_month":
            return today.replace(day=1).isoformat(), None
        if choice == "last_month":
            return add_months(today.replace(day=1), -1).isoformat(), None
        return choice, None
    text = (text or "").strip()
    if step.reads.startswith("date"):
        prefer = {"date_past": "past", "date_future": "future"}.get(step.reads, "current_period")
        day = read_date(text, lang, today, prefer)  # type: ignore[arg-type]
        return (day.isoformat(), None) if day else (None, "calc_bad_date")
    if step.reads == "month":
        month = read_month(text, lang, today)
        return (month.isoformat(), None) if month else (None, "calc_bad_date")
    if step.reads == "number":
        amount = read_amount(text)
        return (str(amount), None) if amount is not None else (None, "calc_bad_number")
    lowered = text.lower()
    for key, value in step.buttons:  # a typed "yes" / "ja" / "да" counts like the button
        if lowered == _label(key, lang).lower():
            return value, None
    return None, "calc_use_buttons"


def _date(answers: dict[str, Any], key: str) -> dt.date | None:
    value = answers.get(key)
    return dt.date.fromisoformat(value) if value else None


def compute(kind: str, answers: dict[str, Any], today: dt.date) -> CalculatorResult:
    """The calculator's result from a dialog's answers (raises CalculatorInputError for impossible ones)."""
    if kind == "dismissal":
        received = _date(answers, "received")
        assert received is not None
        return calculate_dismissal(
            received,
            today=today,
            employed_since=_date(answers, "employed_since"),
            letter_end=_date(answers, "letter_end"),
            probation=answers.get("probation") == "yes",
        )
    if kind == "minimum_wage":
        month = _date(answers, "month")
        assert month is not None
        return calculate_minimum_wage(month, Decimal(answers["hours"]), Decimal(answers["pay"]))
    if kind == "vacation":
        start_day, end_day = _date(answers, "job_start"), _date(answers, "job_end")
        assert start_day is not None
        pay = answers.get("monthly_pay")
        return calculate_vacation(
            Decimal(answers["days_per_week"]),
            start_day,
            year=end_day.year if end_day else today.year,
            employed_until=end_day,
            days_taken=Decimal(answers.get("days_taken") or 0),
            monthly_pay=Decimal(pay) if pay else None,
        )
    if kind == "objection":
        received = _date(answers, "received")
        assert received is not None
        return calculate_objection(
            received,
            today=today,
            authority=answers.get("authority") or AUTHORITIES[0],
            remedy=answers.get("remedy"),
            instructions_missing=bool(answers.get("instructions_missing")),
        )
    first = _date(answers, "first_day_ill")
    assert first is not None
    return calculate_sick_pay(
        first, employed_since=_date(answers, "job_start"), began_during_work=answers.get("during_work") == "yes"
    )
