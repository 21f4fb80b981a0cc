"""Which of the dates on a letter is the letter's own: the day every deadline is counted from.

A letter names many dates (a dismissal's end "zum 30.11.2026", a period "vom 01.12.2026 bis
30.11.2027", a birth date, an appointment, a payment deadline "bis zum 15.11.2026") and marks its
own in a few fixed ways. In that order of trust:

1. an explicit cue, wherever on the page it stands, the topmost one winning: a label ("Datum:",
   "Abrechnungsdatum", "Erstellt am", "Druckdatum"), a place before a comma ("Hannover, 14.10.2026",
   "Schkeuditz, den 09.11.2026"), or the cell under "Datum" in a reference table whose values stand
   on the row below ("Ihr Zeichen  Unser Zeichen  Datum" / "-  PF/NUE-2291  22.09.2026");
2. for a payslip without a date of issue, the last day of the pay period it names ("Abrechnung
   für Oktober 2026", "Abrechnungsmonat: 11/2026"): the day its pay fell due at the latest;
3. a date near the top set to the right margin, alone or with its place (where letters put it);
4. the first date near the top that nothing marks as another day: not after "geb.", "bis (zum)",
   "vom", "ab", "zum", "am", "Eintritt", a weekday, nor the start of a period "... bis ...".

The order is by position on the page (`layout.py`), not by Tesseract's reading order, which can put
a right-aligned date line after the first body line. Without positions (a PDF's text layer, a test)
the text's own lines stand in, with leading spaces as the indent.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.services.letters.layout import RIGHT_ALIGNED_SHARE, Line, PageLayout

HEADER_LINES = 14  # letterhead, address window, reference block, date and subject
WEEKDAYS = r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag"
MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "marz": 3, "april": 4, "mai": 5, "juni": 6,
    "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(MONTHS)

# the words right before a date that say "this is the letter's date"
_LABEL = re.compile(
    r"(?:(?<![a-zäöüß])(?:abrechnungs|druck|ausstellungs|erstellungs|bescheid|brief|schreiben)?datum"
    r"|(?:erstellt|ausgestellt|gedruckt|gefertigt)\s+am|(?<![a-zäöüß])(?:ausdruck|druck)\s+vom)\s*[:.]?\s*$",
    re.I,
)
_PLACE_COMMA = re.compile(r",\s*(?:den|am)?\s*$")  # "Hannover, " / "Main, den " right before the date
_PLACE_WORDS = {"am", "an", "der", "im", "in", "bei", "ob", "a.", "a.d.", "i.", "v.", "d."}
_SEGMENT_BREAK = re.compile(r"\s{3,}|[·|•]|:\s")  # what separates a place from other text on its line
# the words right before a date that say "this is another day"
_OTHER_DAY = re.compile(
    rf"(?:\bgeb(?:oren|\.|urtsdatum)?(?:\s+am)?|\bbis(?:\s+(?:zum|zur|sp(?:ä|ae|a)testens))?"
    rf"|\bsp(?:ä|ae|a)testens(?:\s+(?:am|bis))?|\bvom|\bvon|\bab(?:\s+dem)?|\bseit(?:\s+dem)?|\bzum"
    rf"|\bmit\s+ablauf\s+des|\bmit\s+wirkung\s+(?:zum|vom|ab)|\bam|\beintritt\w*|\baustritt\w*|\bbeginn\w*"
    rf"|\bende\b|\bfrist\w*|\btermin\w*|\bf(?:ä|ae|a)llig\w*(?:\s+am)?|\bzeitraum"
    rf"|\babrechnungs(?:monat|zeitraum)|\b(?:{WEEKDAYS})\s*,?\s*(?:den)?|[-–])\s*[:.]?\s*$",
    re.I,
)
_PERIOD_START = re.compile(r"^\s*(?:bis|-|–)\s*\d", re.I)  # the date opens a period "01.10.2026 - 31.10.2026"
# "Datum" or a label of the letter's date ("Erstellungsdatum"), or glued to its neighbour cell by the OCR
# ("AnsprechpartnerDatum"), but not "Geburtsdatum" or "Eintrittsdatum"
_TABLE_HEADER = re.compile(
    r"^(?:[Dd]atum|DATUM|\w*[a-zäöüß]Datum|(?:[Aa]brechnungs|[Dd]ruck|[Aa]usstellungs|[Ee]rstellungs|[Bb]rief)datum)\W*$"
)
_HAS_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2}")
# a header cell above a date that names another day ("Eintritt", "Geburtsdatum", "Fällig am")
_OTHER_HEADER = re.compile(
    r"^(?:eintritt\w*|austritt\w*|beginn\w*|ende|frist\w*|f(?:ä|ae|a)llig\w*|geb(?:oren|\.|urtsdatum)"
    r"|\w*zeitraum|g(?:ü|ue|u)ltig\w*|termin\w*|bis|vom|ab)\W*$",
    re.I,
)
_PAY_PERIOD_MONTH = re.compile(
    rf"(?:abrechnungs(?:monat|zeitraum)|abrechnung\b[^\n]{{0,40}}?|(?:lohn|gehalts|entgelt|verdienst|bez(?:ü|ue|u)ge)"
    rf"\w*|monat)\s*(?:f(?:ü|ue|u)r|vom)?\s*:?\s*(?:(?P<name>{_MONTH_NAMES})|(?P<number>0?[1-9]|1[0-2])\s*[/.])"
    rf"\s*(?P<year>20\d{{2}})",
    re.I,
)
_PAY_PERIOD_SPAN = re.compile(r"zeitraum\W*$", re.I)
GAP = 2.0  # a space wider than this many line heights separates two things set on one line
ROWS_UP = 2.5  # how far above a value row (in its heights) a table's header row may stand

EXPLICIT = "explicit"
PAY_PERIOD = "pay-period"
RIGHT_ALIGNED = "right-aligned"
HEADER = "header"


@dataclass(frozen=True)
class Candidate:
    """One date on the page, where it stands and what its line says around it."""

    day: dt.date
    rank: int  # its line's place from the top of the page
    before: str  # the text before it on its line
    after: str  # the text after it on its line
    left: int  # its box, in the layout's units
    right: int
    top: int
    bottom: int
    line: Line


@dataclass(frozen=True)
class LetterDate:
    day: dt.date
    cue: str  # EXPLICIT, PAY_PERIOD, RIGHT_ALIGNED or HEADER: why this date was taken


def _span(line: Line, start: int, end: int) -> tuple[int, ...]:
    """Left, right, top and bottom of the characters start:end of a line (its words joined by spaces)."""
    position, inside = 0, []
    for word in line.words:
        word_end = position + len(word.text)
        if word_end > start and position < end:
            inside.append(word)
        position = word_end + 1
    if not inside:
        return line.left, line.right, line.top, line.bottom
    return (
        min(w.left for w in inside),
        max(w.right for w in inside),
        min(w.top for w in inside),
        max(w.bottom for w in inside),
    )


def candidates(layout: PageLayout, find: Callable[[str], Iterable[tuple[dt.date, int, int]]]) -> list[Candidate]:
    """Every date on the page, top to bottom; `find(text)` yields (date, start, end) for each date in a line."""
    found = []
    for rank, line in enumerate(layout.lines):
        for day, start, end in find(line.text):
            left, right, top, bottom = _span(line, start, end)
            found.append(Candidate(day, rank, line.text[:start], line.text[end:], left, right, top, bottom, line))
    return found


def _is_place(before: str) -> bool:
    """ "Hannover," or "30161 Hannover  Frankfurt am Main, den": a place and a comma, not "am Donnerstag,"."""
    comma = _PLACE_COMMA.search(before)
    if comma is None:
        return False
    words = _SEGMENT_BREAK.split(before[: comma.start()])[-1].split()
    place: list[str] = []
    while words and len(place) < 4 and (words[-1][:1].isupper() or words[-1].lower() in _PLACE_WORDS):
        place.insert(0, words.pop())
    while place and not place[0][:1].isupper():  # "am Main" needs its "Frankfurt"
        words.append(place.pop(0))
    if not place or any(re.fullmatch(WEEKDAYS, word.lower()) for word in place):
        return False
    return not words or bool(re.fullmatch(r"[\d\W]+", words[-1]))  # alone, or after the postcode of an address


def is_explicit(candidate: Candidate) -> bool:
    """A date its own words mark as the letter's: "Datum:", "Erstellt am", "Hannover, den" ending its line.

    A place-and-date line ends with the date (or a wide gap: the other signature's place and date);
    "Hoa Tran, 14.07.1999, Vor dem Steintor 80" is a name and a birth date in running text.
    """
    return bool(_LABEL.search(candidate.before)) or (_is_place(candidate.before) and _ends_its_part(candidate))


def _ends_its_part(candidate: Candidate) -> bool:
    """Nothing follows the date on its line but punctuation or, after a wide gap, something set apart."""
    if not candidate.after.strip(" ,.;"):
        return True
    line = candidate.line
    following = [word.left for word in line.words if word.left >= candidate.right]
    height = max(line.bottom - line.top, 1)
    return bool(following) and min(following) - candidate.right > GAP * height


def is_other_day(candidate: Candidate, layout: PageLayout) -> bool:
    """A date the words around it, or the table cell above it, mark as another day (a birth, a deadline, a period).

    A date that opens a line of running text is read with the end of the line above it: "seit dem" /
    "01.04.2019 bestehende Arbeitsverhältnis" is a start date however the line broke.
    """
    if _OTHER_DAY.search(candidate.before) or _PERIOD_START.match(candidate.after):
        return True
    if not candidate.before.strip() and candidate.rank > 0:
        above = layout.lines[candidate.rank - 1]
        height = max(candidate.line.bottom - candidate.line.top, 1)
        if candidate.line.top - above.bottom < height and _OTHER_DAY.search(above.text):
            return True
    header = column_header(candidate, layout)
    return bool(header and _OTHER_HEADER.match(header))


def column_header(candidate: Candidate, layout: PageLayout) -> str | None:
    """The word right above a date, at most ROWS_UP rows up: in a table, its column's header.

    Nearest by horizontal distance plus twice the vertical one, not "the row above": on a crooked
    photo the left cells of the value row stand higher than a date at the right end of it.
    """
    height = max(candidate.bottom - candidate.top, 1)
    above = [  # words of other lines whose middle is above the date
        (word, line)
        for line in layout.lines[max(candidate.rank - 4, 0) : candidate.rank + 1]
        if line is not candidate.line
        for word in line.words
        if (word.top + word.bottom) / 2 < candidate.top - 0.2 * height
        and candidate.top - word.bottom <= ROWS_UP * height
    ]
    if not above:
        return None
    centre = (candidate.left + candidate.right) / 2
    word, line = min(
        above,
        key=lambda found: abs((found[0].left + found[0].right) / 2 - centre) + 2 * (candidate.top - found[0].bottom),
    )
    if _HAS_DATE.search(line.text):
        return None  # a row of values or a sentence, not a header
    return word.text


def under_date_header(candidate: Candidate, layout: PageLayout) -> bool:
    """The value row of a reference table: the header cell right above this date says "Datum"."""
    header = column_header(candidate, layout)
    return bool(header and _TABLE_HEADER.match(header))


def set_right(candidate: Candidate, layout: PageLayout) -> bool:
    """The date stands in a group of words set to the right margin (a wide gap, or nothing, to its left)."""
    line = candidate.line
    height = max(line.bottom - line.top, 1)
    first = next((i for i, word in enumerate(line.words) if word.right >= candidate.left), 0)
    while first > 0 and candidate.line.words[first].left - line.words[first - 1].right < GAP * height:
        first -= 1
    group_left = line.words[first].left if line.words else line.left
    width = layout.right - layout.left
    return width > 0 and group_left - layout.left > RIGHT_ALIGNED_SHARE * width


def pay_period_end(layout: PageLayout, found: list[Candidate]) -> dt.date | None:
    """The last day of the pay period a payslip names: "für Oktober 2026", "Abrechnungsmonat 11/2026", a span."""
    for line in layout.lines:
        match = _PAY_PERIOD_MONTH.search(line.text)
        if match:
            month = MONTHS[match["name"].lower()] if match["name"] else int(match["number"])
            year = int(match["year"])
            return dt.date(year, month, calendar.monthrange(year, month)[1])
    for candidate in found:  # "Abrechnungszeitraum 01.10.2026 - 31.10.2026"
        if _PAY_PERIOD_SPAN.search(candidate.before) and _PERIOD_START.match(candidate.after):
            ends = [c.day for c in found if c.line is candidate.line and c.day > candidate.day]
            if ends:
                return max(ends)
    return None


def choose(layout: PageLayout, found: list[Candidate], *, payslip: bool = False) -> LetterDate | None:
    """The letter's own date (see the module docstring), or None when the page does not say."""
    for candidate in found:
        if is_explicit(candidate) or under_date_header(candidate, layout):
            return LetterDate(candidate.day, EXPLICIT)
    if payslip:
        end = pay_period_end(layout, found)
        if end is not None:
            return LetterDate(end, PAY_PERIOD)
    header = [c for c in found if c.rank < HEADER_LINES and not is_other_day(c, layout)]
    for candidate in header:
        if set_right(candidate, layout):
            return LetterDate(candidate.day, RIGHT_ALIGNED)
    return LetterDate(header[0].day, HEADER) if header else None
