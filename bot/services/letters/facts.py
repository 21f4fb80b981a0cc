"""What a letter says in figures: its date, the other dates it names, euro amounts, and the remedy it offers.

Dates are found where German letters write them (03.11.2026, 3. November 2026, 3. Nov. 2026) and each
candidate is read by dateparser in German, day first; words alone ("Mai", "heute") are never
taken for dates, so nothing is invented from ordinary text. Which of them is the letter's own
date is decided by `letter_date.py`, from the page's layout when the OCR gave one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import dateparser

from bot.services.letters import letter_date
from bot.services.letters.kinds import EMPLOYER_KINDS, PAYSLIP
from bot.services.letters.layout import PageLayout, text_layout

_MONTHS = "januar|februar|m(?:ä|ae|a)rz|april|mai|juni|juli|august|september|oktober|november|dezember"
# letterheads and software abbreviate ("3. Nov. 2026", "21. Okt. 2026", "5. Sept. 2026"); dateparser reads them all
_SHORT_MONTHS = r"(?:jan|feb|m(?:ä|ae|a)r|mrz|apr|jun|jul|aug|sept?|okt|nov|dez)\.?"
_DATE = re.compile(
    rf"(?<![\d.])(\d{{1,2}})\s?\.\s?(\d{{1,2}})\s?\.\s?((?:19|20)\d{{2}}|\d{{2}})(?![\d])"
    rf"|(?<!\d)(\d{{1,2}})\.?\s+({_MONTHS}|{_SHORT_MONTHS})\s+((?:19|20)\d{{2}})",
    re.I,
)
_AMOUNT = re.compile(r"(?:(?:EUR|€)\s?)?(?<![\d.,])(\d{1,3}(?:[.\s]\d{3})*,\d{2})(?![\d,])\s?(?:€|EUR|Euro)?", re.I)
_END = re.compile(r"(?:zum|mit\s+ablauf\s+des|endet\s+am|mit\s+wirkung\s+(?:zum|vom))\s*$", re.I)
PARSER_SETTINGS = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]}

WIDERSPRUCH = "widerspruch"
EINSPRUCH = "einspruch"
KLAGE = "klage"


@dataclass(frozen=True)
class FoundDate:
    day: dt.date
    line: int  # 0-based line of the text it stands on
    before: str  # the words before it on that line (its label, e.g. "Datum:" or "zum")


@dataclass(frozen=True)
class Amount:
    value: Decimal
    label: str  # the words before it on its line, e.g. "Auszahlungsbetrag"


@dataclass(frozen=True)
class Facts:
    letter_date: dt.date | None
    dates: tuple[dt.date, ...]  # every date named, in order of appearance, without repeats
    end_date: dt.date | None  # "zum 30.11.2026", "mit Ablauf des 31.12.2026": the end a letter names
    amounts: tuple[Amount, ...]
    remedy: str | None  # widerspruch, einspruch or klage, from the instructions on remedies
    has_remedy_instructions: bool  # a "Rechtsbehelfsbelehrung": without one the deadline is a year
    letter_date_cue: str | None = None  # why letter_date was taken (letter_date.EXPLICIT, PAY_PERIOD, ...)


def parse_date(text: str) -> dt.date | None:
    """One date as a German letter writes it, read by dateparser; None if it is no real date."""
    parsed = dateparser.parse(text, languages=["de"], settings=PARSER_SETTINGS)
    return parsed.date() if parsed else None


def dates_in(line: str) -> Iterator[tuple[dt.date, int, int]]:
    """Each real date in one line of text, with where it starts and ends."""
    for match in _DATE.finditer(line):
        day = parse_date(re.sub(r"\s*\.\s*", ".", match.group(0)) if match.group(1) else match.group(0))
        if day is not None and 1900 < day.year < 2100:
            yield day, match.start(), match.end()


def find_dates(text: str) -> list[FoundDate]:
    return [
        FoundDate(day, number, line[:start])
        for number, line in enumerate(text.splitlines())
        for day, start, _ in dates_in(line)
    ]


def find_letter_date(
    text: str, layout: PageLayout | None = None, *, kind: str | None = None
) -> letter_date.LetterDate | None:
    """The letter's own date and why (`letter_date.py`), from the OCR's layout if there is one, else from the text."""
    page = layout if layout is not None and layout.lines else text_layout(text)
    return letter_date.choose(page, letter_date.candidates(page, dates_in), payslip=kind == PAYSLIP)


def find_amounts(text: str) -> list[Amount]:
    amounts = []
    for line in text.splitlines():
        for match in _AMOUNT.finditer(line):
            digits = re.sub(r"[.\s]", "", match.group(1)).replace(",", ".")
            try:
                value = Decimal(digits)
            except InvalidOperation:
                continue
            label = re.sub(r"[\d.,€]+", " ", line[: match.start()]).strip(" :-\t")
            amounts.append(Amount(value, " ".join(label.split()[-3:])))
    return amounts


# A sentence that says a remedy does NOT exist: Bavaria, Lower Saxony and other Länder abolished the Widerspruch
# for many notices, and their instructions say so ("Es besteht keine Möglichkeit, … Widerspruch einzulegen").
# Naming that remedy would send the person to a procedure that does not exist while the month for the Klage runs.
_NO_REMEDY = re.compile(
    r"(?:widerspruch|einspruch)\w*\b[^.]{0,80}(?:abgeschafft|entf(?:ä|ae|a)llt|ausgeschlossen|nicht\s+(?:statthaft|"
    r"zul(?:ä|ae|a)ssig|m(?:ö|oe|o)glich|gegeben|vorgesehen|erforderlich))|\bkein(?:e|en)?\b[^.]{0,60}(?:widerspruch|einspruch)"
)


# "Einspruch kann eingelegt werden; per einfacher E-Mail ist er nicht zulässig" rules out a channel, not the remedy
_CHANNEL = re.compile(r"e-?mail|elektronisch|telefon|fax|m(?:ü|ue|u)ndlich")


def _rules_out(sentence: str) -> bool:
    return bool(_NO_REMEDY.search(sentence)) and not _CHANNEL.search(sentence)


def _remedy(flat: str) -> str | None:
    """The remedy the letter's instructions offer, the first of Einspruch, Widerspruch, Klage that they name and do
    not rule out (a Jobcenter's instructions name the Klage too, as the step after the Widerspruch)."""
    instructions = flat[flat.find("rechtsbehelfsbelehrung") :] if "rechtsbehelfsbelehrung" in flat else flat
    offered = " ".join(s for s in re.split(r"(?<=[.!?])\s", instructions) if not _rules_out(s))
    for word, remedy in (("einspruch", EINSPRUCH), ("widerspruch", WIDERSPRUCH), ("klage", KLAGE)):
        if word in offered:
            return remedy
    return None


def extract(text: str, layout: PageLayout | None = None, *, kind: str | None = None) -> Facts:
    """The figures of a letter's text (see the module docstring); `layout` and `kind` help find its date."""
    found = find_dates(text)
    dates = tuple(dict.fromkeys(f.day for f in found))
    end = next((f.day for f in found if _END.search(f.before)), None)
    flat = " ".join(text.split()).lower()
    own = find_letter_date(text, layout, kind=kind)
    return Facts(
        letter_date=own.day if own else None,
        dates=dates,
        end_date=end,
        amounts=tuple(find_amounts(text)),
        # an employer's letter offers no remedy: the Klage a dismissal mentions is the person's, with its own deadline
        remedy=None if kind in EMPLOYER_KINDS else _remedy(flat),
        has_remedy_instructions="rechtsbehelfsbelehrung" in flat,
        letter_date_cue=own.cue if own else None,
    )
