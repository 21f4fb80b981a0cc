"""A letter reading as the person reads it, in their language: kind, date, deadline, what to do next.

The same text serves Telegram (HTML), the web chat (the same HTML) and `fairbot read-letter`
(plain). Phrases come from bot/locales (keys letter_* and, for the deadline, the calculators'
calc_* keys); the letter's own words (amount labels) stay German, as they stand on the letter.
"""

from __future__ import annotations

import html as html_lib

from bot.locales import t
from bot.services.calculators.dismissal import DismissalResult
from bot.services.calculators.objection import ObjectionResult
from bot.services.calculators.render import Formatter
from bot.services.letters.kinds import UNKNOWN
from bot.services.letters.letter_date import PAY_PERIOD
from bot.services.letters.reader import LetterReading

MAX_AMOUNTS = 4


def _deadline_line(reading: LetterReading, f: Formatter) -> str | None:
    result, received = reading.deadline, reading.assumed_received
    if result is None or received is None:
        return None
    lang = f.lang
    if isinstance(result, DismissalResult):
        what, day, left = t("letter_what_claim", lang), result.claim_deadline, result.days_left
    elif isinstance(result, ObjectionResult):
        what, day, left = t(f"calc_remedy_{result.remedy}", lang), result.deadline, result.days_left
    else:
        return None
    if left < 0:
        return t("letter_deadline_passed", lang, received=f.date(received), what=what, date=f.date(day))
    return t("letter_deadline", lang, received=f.date(received), what=what, date=f.date(day), days=left)


def lines_of(reading: LetterReading, lang: str) -> list[str]:
    """The reading as plain lines (escape them for HTML)."""
    f = Formatter(lang)
    if not reading.legible:
        return [t("letter_unreadable", lang)]
    lines = []
    if reading.kind == UNKNOWN:
        lines.append(t("letter_unknown", lang))
    else:
        lines.append(t("letter_kind", lang, kind=t(f"letter_kind_{reading.kind}", lang)))
    date = reading.facts.letter_date
    if date is None:
        lines.append(t("letter_no_date", lang))
    else:  # a payslip without a date of issue is dated by its pay period's end: say so, it is not printed
        key = "letter_date_pay_period" if reading.facts.letter_date_cue == PAY_PERIOD else "letter_date"
        lines.append(t(key, lang, date=f.date(date)))
    amounts = [a for a in reading.facts.amounts if a.label][-MAX_AMOUNTS:] if reading.kind != UNKNOWN else []
    if amounts:
        listed = "; ".join(f"{a.label}: {f.money(a.value)} €" for a in amounts)
        lines.append(t("letter_amounts", lang, amounts=listed))
    deadline = _deadline_line(reading, f)
    if deadline:
        lines += ["", "⏰ " + deadline, t("letter_ask_received", lang)]
    lines += ["", t("letter_next", lang), t(f"letter_next_{reading.kind}", lang)]
    lines += ["", t("letter_machine_read", lang)]
    return lines


def render_reading(reading: LetterReading, lang: str, *, html: bool = False, consent_note: bool = True) -> str:
    """The whole reply; with `consent_note`, the line that nothing is kept unless the person taps 📎."""
    lines = lines_of(reading, lang)
    if consent_note and reading.legible:
        lines.append(t("letter_not_kept", lang))
    if not html:
        return "\n".join(lines)
    escaped = [html_lib.escape(line, quote=False) for line in lines]
    escaped[0] = f"<b>{escaped[0]}</b>"
    return "\n".join(escaped)
