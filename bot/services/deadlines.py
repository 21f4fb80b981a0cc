"""Dates a person mentioned, and the legal deadlines they start, for the top of the advisor's handover packet.

People write "I got the letter on 3.11.", "fired yesterday" or "not paid for October and
November"; the advisor must see at once that the three weeks to sue (§ 4 KSchG) end on a
given day. This finds dates in the person's messages (numeric dates, simple relative ones,
and month names in the eight languages, `bot.services.month_names`; a month without a day is
shown as the month and starts no deadline), attaches the deadlines the conversation's topic or words imply, and
computes their ends in Europe/Berlin per §§ 187, 188, 193 BGB (a deadline ending on a
Saturday, Sunday or public holiday moves to the next working day). Periods and holidays come
from the deadline calculators (`calculators.periods`, `calculators.working_days`, which uses
the `holidays` package). It is an aid for the advisor, never shown to the person: every
deadline names its source to check.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.services.calculators.periods import event_period_end
from bot.services.calculators.working_days import DEFAULT_REGION, next_working_day_from
from bot.services.month_names import month_dates

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    label_de: str
    label_en: str
    days: int = 0
    weeks: int = 0
    months: int = 0
    source: str = ""
    url: str = ""
    topics: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()


RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        key="kschg-4",
        label_de="Kündigungsschutzklage beim Arbeitsgericht (3 Wochen ab Zugang der Kündigung)",
        label_en="Claim against the dismissal at the labour court (3 weeks from receipt)",
        weeks=3,
        source="§ 4 KSchG",
        url="https://www.gesetze-im-internet.de/kschg/__4.html",
        topics=frozenset({"dismissal", "probation"}),
        keywords=(
            "kündigung",
            "gekündigt",
            "entlassen",
            "fired",
            "dismiss",
            "terminat",
            "laid off",
            "licenci",
            "viré",
            "уволи",
            "увольн",
            "звільн",
            "kovul",
            "işten çıkar",
            "fesih",
            "فصل",
            "مفصول",
            "طرد",
            "اخراج",
        ),
    ),
    DeadlineRule(
        key="sgb3-38",
        label_de="Arbeitsuchend melden bei der Agentur für Arbeit (3 Tage nach Kenntnis)",
        label_en="Register as job-seeking with the Agentur für Arbeit (3 days after learning of the end)",
        days=3,
        source="§ 38 Abs. 1 SGB III",
        url="https://www.gesetze-im-internet.de/sgb_3/__38.html",
        topics=frozenset({"dismissal", "termination-agreement", "fixed-term-contract"}),
        keywords=("kündigung", "gekündigt", "fired", "dismiss", "уволи", "звільн", "kovul", "فصل", "اخراج"),
    ),
    DeadlineRule(
        key="agg-15",
        label_de="Entschädigung wegen Diskriminierung schriftlich verlangen (2 Monate)",
        label_en="Claim compensation for discrimination in writing (2 months)",
        months=2,
        source="§ 15 Abs. 4 AGG",
        url="https://www.gesetze-im-internet.de/agg/__15.html",
        topics=frozenset({"discrimination"}),
        keywords=("diskrimin", "discrimin", "дискрими", "ayrımcılık", "تمييز"),
    ),
    DeadlineRule(
        key="sgb3-324",
        label_de="Insolvenzgeld beantragen (2 Monate nach dem Insolvenzereignis)",
        label_en="Apply for insolvency money (2 months after the insolvency event)",
        months=2,
        source="§ 324 Abs. 3 SGB III",
        url="https://www.gesetze-im-internet.de/sgb_3/__324.html",
        topics=frozenset({"insolvency"}),
        keywords=("insolvenz", "insolvency", "bankrupt", "pleite", "банкрот", "iflas"),
    ),
)


@dataclass(frozen=True)
class MentionedDate:
    date: dt.date
    text: str  # the words that named it, e.g. "3.11." or "yesterday"
    message_at: dt.datetime
    month_only: bool = False  # "im Oktober": the month, not its first day; it starts no deadline


@dataclass(frozen=True)
class Deadline:
    rule: DeadlineRule
    start: MentionedDate
    ends: dt.date
    days_left: int
    moved: bool  # moved past a weekend or holiday (§ 193 BGB)

    def label(self, lang: str) -> str:
        return self.rule.label_de if lang == "de" else self.rule.label_en


_DMY = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_AGO = re.compile(
    r"(?:vor\s+(\d{1,2})\s+tag(?:en)?|(\d{1,2})\s+days?\s+ago"
    r"|il y a\s+(\d{1,2})\s+jours?|(\d{1,2})\s+gün\s+önce)",
    re.IGNORECASE,
)
_RELATIVE = {
    0: ("heute", "today", "aujourd'hui", "bugün", "сегодня", "сьогодні", "اليوم", "امروز"),
    1: ("gestern", "yesterday", "dün", "вчера", "вчора", "أمس", "امس", "دیروز"),
    2: ("vorgestern", "day before yesterday", "avant-hier", "позавчера", "позавчора"),
}


def extract_dates(text: str, message_at: dt.datetime) -> list[MentionedDate]:
    """Dates named in one message, resolved against the day the message was written (Berlin)."""
    local_day = message_at.astimezone(BERLIN).date()
    found: list[MentionedDate] = []
    for match in _ISO.finditer(text):
        day = _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if day:
            found.append(MentionedDate(day, match.group(0), message_at))
    for match in _DMY.finditer(text):
        d, m, y = int(match.group(1)), int(match.group(2)), match.group(3)
        if y is None:
            year = local_day.year
            day = _safe_date(year, m, d)
            if day and day > local_day:  # "3.12." written in January means last December
                day = _safe_date(year - 1, m, d)
        else:
            year = int(y) + (2000 if len(y) == 2 else 0)
            day = _safe_date(year, m, d)
        if day and abs((local_day - day).days) <= 400:
            found.append(MentionedDate(day, match.group(0), message_at))
    for match in _AGO.finditer(text):
        n = int(next(g for g in match.groups() if g))
        found.append(MentionedDate(local_day - dt.timedelta(days=n), match.group(0), message_at))
    lowered = text.lower()
    for offset in (2, 1, 0):  # longest words first: "vorgestern" contains "gestern"
        for word in _RELATIVE[offset]:
            if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered):
                found.append(MentionedDate(local_day - dt.timedelta(days=offset), word, message_at))
                lowered = lowered.replace(word, " ")
                break
    for day, words, month_only in month_dates(text, local_day):
        found.append(MentionedDate(day, words, message_at, month_only))
    unique: dict[tuple[dt.date, bool], MentionedDate] = {}
    for item in found:
        unique.setdefault((item.date, item.month_only), item)
    # "am 3. Oktober ... im Oktober": the day says more than its month
    days = {(m.date.year, m.date.month) for m in unique.values() if not m.month_only}
    kept = [m for m in unique.values() if not (m.month_only and (m.date.year, m.date.month) in days)]
    return sorted(kept, key=lambda m: (m.date, not m.month_only))


def deadlines_for(
    messages: Iterable[tuple[str, dt.datetime]],
    topic: str | None,
    today: dt.date | None = None,
    rules: Sequence[DeadlineRule] = RULES,
) -> tuple[list[MentionedDate], list[Deadline]]:
    """All dates mentioned in the person's messages, and each deadline a matching rule starts from them."""
    today = today or dt.datetime.now(BERLIN).date()
    dates: list[MentionedDate] = []
    deadlines: list[Deadline] = []
    for text, at in messages:
        mentioned = extract_dates(text, at)
        dates.extend(mentioned)
        mentioned = [m for m in mentioned if not m.month_only]  # a month alone gives no day to count from
        if not mentioned:
            continue
        lowered = text.lower()
        for rule in rules:
            if (topic and topic in rule.topics) or any(k in lowered for k in rule.keywords):
                for item in mentioned:
                    ends, moved = deadline_end(item.date, rule)
                    deadlines.append(Deadline(rule, item, ends, (ends - today).days, moved))
    seen: set[tuple[str, dt.date]] = set()
    unique = []
    for deadline in sorted(deadlines, key=lambda d: d.ends):
        if (deadline.rule.key, deadline.start.date) not in seen:
            seen.add((deadline.rule.key, deadline.start.date))
            unique.append(deadline)
    return dates, unique


def deadline_end(start: dt.date, rule: DeadlineRule, region: str = DEFAULT_REGION) -> tuple[dt.date, bool]:
    """§ 187(1) BGB: the day of the event does not count; § 188: weeks/months end on the same-named day,
    a missing day on the month's last; § 193: a weekend or public holiday of the region moves it on."""
    end = event_period_end(start, weeks=rule.weeks, months=rule.months, days=rule.days)
    return next_working_day_from(end, region)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
