"""Dates, months and amounts as people write them in the chat, read with dateparser and a few exact rules.

People answer "3.11.2026", "3.11.", "zum 30.11.2026", "gestern", "3 ноября", "أمس",
"۳/۱۱/۲۰۲۶" or "1.950,50 €". Numeric dates are read day first (as German letters and
most of the served languages write them) by an exact rule; words ("yesterday", "3 ноября",
"le 3 novembre") go to dateparser in the person's language, with German and English as
fallbacks because people copy words from their letters.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Literal

import dateparser
from dateparser.search import search_dates

Prefer = Literal["past", "future", "current_period"]

_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[./-]\s*(\d{1,2})\s*(?:[./-]\s*(\d{4}|\d{2}))?(?![\d/-])\.?")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC_MONTH = re.compile(r"^\s*(\d{1,2})\s*[./-]\s*(\d{4})\s*$|^\s*(\d{4})\s*-\s*(\d{1,2})\s*$")
_AMOUNT = re.compile(r"[-+]?\d[\d.,'\s\u00a0\u202f]*")


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits (and their separators) as ASCII, so "۳/۱۱" reads like "3/11"."""
    out = []
    for char in text:
        if char.isdigit() and not char.isascii():
            out.append(str(unicodedata.digit(char)))
        elif char == "٫":  # Arabic decimal separator
            out.append(",")
        elif char == "٬":  # Arabic thousands separator
            out.append(".")
        else:
            out.append(char)
    return "".join(out)


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _numeric(text: str, today: dt.date, prefer: Prefer) -> dt.date | None:
    iso = _ISO_DATE.search(text)
    if iso:
        return _safe(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    match = _NUMERIC_DATE.search(text)
    if not match:
        return None
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if year:
        return _safe(int(year) + (2000 if len(year) == 2 else 0), month, day)
    found = _safe(today.year, month, day)
    if found is None:
        return None
    if prefer == "past" and found > today:
        return _safe(today.year - 1, month, day)
    if prefer == "future" and found < today:
        return _safe(today.year + 1, month, day)
    return found


def _languages(lang: str) -> list[str]:
    return list(dict.fromkeys([lang, "de", "en"]))


def read_date(text: str, lang: str, today: dt.date, prefer: Prefer = "past") -> dt.date | None:
    """The one date `text` names, or None; a day and month without a year take the year `prefer` implies."""
    cleaned = ascii_digits(text).strip()
    if not cleaned or len(cleaned) > 80:
        return None
    numeric = _numeric(cleaned, today, prefer)
    if numeric is not None or re.fullmatch(r"[\d\s./-]+", cleaned):
        return numeric
    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": prefer,
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time(12)),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(cleaned, languages=_languages(lang), settings=settings)
    if parsed is None:
        found = search_dates(cleaned, languages=_languages(lang), settings=settings) or []
        if len(found) != 1:
            return None
        parsed = found[0][1]
    return parsed.date()


def read_month(text: str, lang: str, today: dt.date) -> dt.date | None:
    """The first day of the month `text` names ("11/2026", "2026-11", "November 2026", "ноябрь"), or None."""
    cleaned = ascii_digits(text).strip()
    numeric = _NUMERIC_MONTH.match(cleaned)
    if numeric:
        month, year = (numeric.group(1), numeric.group(2)) if numeric.group(1) else (numeric.group(4), numeric.group(3))
        return _safe(int(year), int(month), 1)
    if re.fullmatch(r"[\d\s./-]*", cleaned):
        return None
    settings = {
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time(12)),
        "REQUIRE_PARTS": ["month"],
    }
    parsed = dateparser.parse(cleaned, languages=_languages(lang), settings=settings)
    return parsed.date().replace(day=1) if parsed else None


def read_amount(text: str) -> Decimal | None:
    """A number as people write it: "1950", "1.950,50", "1,950.50", "12,5", "160 h", "1 950 €"; None if there is none."""
    cleaned = ascii_digits(text).strip()
    found = _AMOUNT.findall(cleaned)
    if len(found) != 1:
        return None
    number = re.sub(r"['\s\u00a0\u202f]", "", found[0]).rstrip(".,")
    if "," in number and "." in number:
        decimal_mark = "," if number.rfind(",") > number.rfind(".") else "."
    elif number.count(",") == 1 and len(number.split(",")[1]) != 3:
        decimal_mark = ","
    elif number.count(".") == 1 and len(number.split(".")[1]) != 3:
        decimal_mark = "."
    else:
        decimal_mark = ""  # "1.950" and "1,950" are thousands, as on German and English payslips
    thousands = {",": ".", ".": ",", "": ".,"}[decimal_mark]
    for mark in thousands:
        number = number.replace(mark, "")
    try:
        return Decimal(number.replace(",", "."))
    except InvalidOperation:
        return None
