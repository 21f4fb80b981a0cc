"""Dates people write with a month's name, in the eight served languages: "im Oktober und November",
"on 3 October", "в октябре", "у жовтні", "Ekim'de", "في أكتوبر ونوفمبر", "اکتبر", "le 3 octobre".

Why a word list and not dateparser's `search_dates`: tried on such messages, it found no month in
the Russian and Ukrainian locative ("в октябре", "у жовтні") or with the Arabic "and" attached
("ونوفمبر"), and it turned "may", "now", "je", "on Sunday" and "2 Jahren" into dates. The packet
needs few false dates more than many: a list of the Gregorian month names (with their inflected
stems) finds the month, a number right before or after it the day, four digits the year.

A month without a day ("October") is a month, not its first day: it is shown as a month and never
starts a deadline. Without a year, a month or day later than the message means the year before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.services.calculators.person_input import ascii_digits

# Turkish case endings: Ekim'de, kasımda, martta, temmuzun (the ones these names take, so "Martin" is no March)
_TR = r"(?:'\w{1,5}|d[ae]n?|t[ae]n?|[ıiuü]n?(?:d[ae])?)?"
_RU = r"\w*"  # Russian stems: октября, октябре
# month number → name patterns (lower case), all languages at once: people mix languages and copy words
# from German letters. Latin-script names match whole (no "mail" for "Mai"), Cyrillic stems with endings.
_NAMES: dict[int, tuple[str, ...]] = {
    1: (
        "januar",
        "jänner",
        "january",
        "janvier",
        f"ocak{_TR}",
        f"январ{_RU}",
        "січ(?:ень|ня|ні)",
        "يناير",
        "كانون الثاني",
        "ژانویه",
    ),
    2: (
        "februar",
        "february",
        "f[ée]vrier",
        f"şubat{_TR}",
        f"феврал{_RU}",
        "лют(?:ий|ого|ому)",
        "فبراير",
        "شباط",
        "فوریه",
    ),
    3: ("m(?:ä|ae)rz", "mars", "mart(?:'\\w{1,5}|t[ae]n?|ın|ı)?", f"март{_RU}", "берез(?:ень|ня|ні)", "مارس", "آذار"),
    4: ("april", "avril", f"nisan{_TR}", f"апрел{_RU}", "квіт(?:ень|ня|ні)", "[أاإ]بريل", "نيسان", "آوریل"),
    5: ("mai", f"mayıs{_TR}", "ма[йяе]", "трав(?:ень|ня|ні)", "مايو", "أيار"),
    6: ("juni", "june", "juin", f"haziran{_TR}", f"июн{_RU}", "черв(?:ень|ня|ні)", "يونيو", "حزيران", "ژوئن"),
    7: ("juli", "july", "juillet", f"temmuz{_TR}", f"июл{_RU}", "лип(?:ень|ня|ні)", "يوليو", "تموز", "ژوئیه", "جولای"),
    8: ("august", "ao[uû]t", f"ağustos{_TR}", f"август{_RU}", "серп(?:ень|ня|ні)", "[أا]غسطس", "اوت", "آگوست"),
    9: ("september", "septembre", f"eylül{_TR}", f"сентябр{_RU}", "верес(?:ень|ня|ні)", "سبتمبر", "أيلول", "سپتامبر"),
    10: ("oktober", "october", "octobre", f"ekim{_TR}", f"октябр{_RU}", "жовт(?:ень|ня|ні)", "[أا]كتوبر", "اکتبر"),
    11: ("november", "novembre", f"kasım{_TR}", f"ноябр{_RU}", "листопад[а-яіїє]*", "نوفمبر", "نوامبر"),
    12: (
        "dezember",
        "december",
        "d[ée]cembre",
        f"aralık{_TR}",
        f"декабр{_RU}",
        "груд(?:ень|ня|ні)",
        "ديسمبر",
        "دسامبر",
    ),
}
# English "may" and "march" and Persian "مه" (May) are ordinary words too: only with a day next to them
_ONLY_WITH_DAY: dict[int, tuple[str, ...]] = {3: ("march",), 5: ("may", "مه")}
# Arabic and Persian attach "and", "in", "for" to the next word (ونوفمبر, بأكتوبر)
_PREFIX = r"(?:[وبفل]|وب|في\s?)?"
_DAY_BEFORE = re.compile(r"(?<!\d)(\d{1,2})(?:\.|st|nd|rd|th|er|-?го|-?е)?\s*(?:de\s+|of\s+|du\s+)?$")
_DAY_AFTER = re.compile(r"^\s*(\d{1,2})(?:st|nd|rd|th|\.)?(?!\d)")
_YEAR = re.compile(r"^\s*,?\s*((?:19|20)\d\d)(?!\d)")


def _compile(names: dict[int, tuple[str, ...]]) -> list[tuple[int, re.Pattern[str]]]:
    return [(month, re.compile(rf"(?<!\w){_PREFIX}(?:{'|'.join(words)})(?!\w)")) for month, words in names.items()]


_MONTHS = _compile(_NAMES)
_AMBIGUOUS = _compile(_ONLY_WITH_DAY)


@dataclass(frozen=True)
class MonthMention:
    """A month named in a text; `day` None when only the month was named."""

    month: int
    day: int | None
    year: int | None
    words: str  # as written, e.g. "3. Oktober" or "ноябре"


def _mentions(text: str) -> list[MonthMention]:
    # lower(), not casefold(): it keeps the length (ß stays ß), so positions point into `text`
    lowered = ascii_digits(text).lower()
    found: list[tuple[int, MonthMention]] = []
    for patterns, needs_day in ((_MONTHS, False), (_AMBIGUOUS, True)):
        for month, pattern in patterns:
            for match in pattern.finditer(lowered):
                start, end = match.start(), match.end()
                before = lowered[max(0, start - 12) : start]
                day_before = _DAY_BEFORE.search(before)
                day_after = None if day_before else _DAY_AFTER.match(lowered[end:])
                day = day_before or day_after
                if needs_day and day is None:
                    continue
                if day_before:
                    start -= len(before) - day_before.start()
                if day_after:
                    end += day_after.end()
                year = _YEAR.match(lowered[end:])
                if year:
                    end += year.end()
                mention = MonthMention(
                    month,
                    int(day.group(1)) if day else None,
                    int(year.group(1)) if year else None,
                    text[start:end].strip(),
                )
                found.append((start, mention))
    return [mention for _start, mention in sorted(found, key=lambda item: item[0])]


def month_dates(text: str, local_day: dt.date) -> list[tuple[dt.date, str, bool]]:
    """(date, words, month only) for each month named in `text`, resolved against the day it was written:
    a month only gives its first day; without a year, a later month or day means the year before."""
    out = []
    for mention in _mentions(text):
        year = mention.year or local_day.year
        try:
            day = dt.date(year, mention.month, mention.day or 1)
        except ValueError:
            continue
        if mention.year is None and (day > local_day if mention.day else mention.month > local_day.month):
            try:
                day = day.replace(year=year - 1)
            except ValueError:  # 29 February
                continue
        out.append((day, mention.words, mention.day is None))
    return out
