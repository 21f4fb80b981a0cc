"""Reporting for funders: how many conversations by language, topic, channel, outcome and emergency, how
long people waited for an advisor and for the first answer, per month and for a chosen date range.

Aggregates only: nothing here returns a conversation, a person or a text. A count below
`THRESHOLD` is shown as "<5", and when a breakdown has exactly one such cell its smallest other
cell is hidden too ("x"), because the total minus the shown cells would give the small one away.
A waiting or response time is only summarised over at least `THRESHOLD` conversations.

Times: "requested" is when the person's hand-over entered the queue (after their consent;
before it nobody could take it), "claimed" the claim's line in the record, "first reply" the
first advisor message after it. Every conversation counts in the month (Europe/Berlin) it began.
The report covers what retention and erasure have left in the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import STATE_CLOSED, Conversation, Handoff, Message, Person

BERLIN = ZoneInfo("Europe/Berlin")
# who may read the report: admins for every region, team leads for their own (`report_region`)
REPORT_ROLES = ("admin", "teamlead")
THRESHOLD = 5
SMALL = f"<{THRESHOLD}"
HIDDEN = "x"  # secondary suppression, as statistical offices mark a cell hidden to protect another
DIMENSIONS = ("language", "topic", "channel", "outcome", "emergency")
NOT_CLOSED = "not_closed"  # outcome category of a conversation still open
NO_OUTCOME = "none"
UNKNOWN = "unknown"
MAX_DAYS = 3 * 366  # a longer range is cut: one query loads a row per conversation


@dataclass(frozen=True)
class Cell:
    """One count as published: the number, or "<5" / "x" when it is suppressed."""

    category: str
    count: int
    shown: str

    @property
    def suppressed(self) -> bool:
        return self.shown != str(self.count)


@dataclass(frozen=True)
class Durations:
    """Median and 90th percentile in minutes over `count` conversations; None when too few to show."""

    count: int
    median: float | None
    p90: float | None

    @property
    def shown_count(self) -> str:
        return SMALL if 0 < self.count < THRESHOLD else str(self.count)


@dataclass(frozen=True)
class Row:
    """What one conversation contributes: categories and durations, no id, no text, no person."""

    started: dt.datetime
    language: str
    topic: str
    channel: str
    outcome: str
    emergency: str
    handed_over: bool
    wait_seconds: float | None
    response_seconds: float | None


@dataclass
class Period:
    """The figures of one month or of the whole range."""

    label: str
    total: Cell
    handovers: Cell
    emergencies: Cell
    breakdowns: dict[str, list[Cell]] = field(default_factory=dict)
    waiting: Durations = Durations(0, None, None)
    response: Durations = Durations(0, None, None)


@dataclass
class Report:
    start: dt.date
    end: dt.date  # inclusive
    region: str
    total: Period
    months: list[Period]
    threshold: int = THRESHOLD


def suppress(counts: dict[str, int]) -> list[Cell]:
    """The cells of one breakdown, largest first, small ones as "<5" and, when exactly one is small,
    the smallest other hidden as well (else the total would reveal it)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    small = [name for name, n in ordered if 0 < n < THRESHOLD]
    hide: set[str] = set()
    if len(small) == 1:
        others = [name for name, n in ordered if n >= THRESHOLD]
        if others:
            hide.add(others[-1])
    cells = []
    for name, n in ordered:
        shown = SMALL if name in small else HIDDEN if name in hide else str(n)
        cells.append(Cell(name, n, shown))
    return cells


def single(category: str, count: int) -> Cell:
    return Cell(category, count, SMALL if 0 < count < THRESHOLD else str(count))


def durations(seconds: Iterable[float]) -> Durations:
    values = sorted(s for s in seconds if s >= 0)
    if len(values) < THRESHOLD:
        return Durations(len(values), None, None)
    p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
    return Durations(len(values), round(statistics.median(values) / 60, 1), round(p90 / 60, 1))


def date_range(start: dt.date | None, end: dt.date | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The range asked for, or the last twelve months up to today; reversed dates swapped, length capped."""
    today = today or dt.datetime.now(BERLIN).date()
    end = end or today
    start = start or (end.replace(day=1) - dt.timedelta(days=330)).replace(day=1)
    if start > end:
        start, end = end, start
    if (end - start).days > MAX_DAYS:
        start = end - dt.timedelta(days=MAX_DAYS)
    return start, end


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BERLIN).astimezone(dt.UTC)


def _seconds(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None or later < earlier:
        return None
    return (later - earlier).total_seconds()


async def report_rows(session: AsyncSession, start: dt.date, end: dt.date, region: str = "") -> list[Row]:
    """One row per conversation begun in [start, end] (Berlin days), in `region` or all regions."""
    requested = (
        select(Handoff.conversation_id, func.min(Handoff.queued_at).label("at"))
        .where(Handoff.queued_at.is_not(None))
        .group_by(Handoff.conversation_id)
        .subquery()
    )
    claimed = (
        select(Message.conversation_id, func.min(Message.created_at).label("at"))
        .where(Message.author == "system", Message.action == "claimed")
        .group_by(Message.conversation_id)
        .subquery()
    )
    replied = (
        select(Message.conversation_id, func.min(Message.created_at).label("at"))
        .where(Message.author == "advisor")
        .group_by(Message.conversation_id)
        .subquery()
    )
    query = (
        select(
            Conversation.created_at,
            func.coalesce(Conversation.language, Person.chosen_lang, Person.detected_lang),
            Conversation.topic,
            Person.channel,
            Conversation.state,
            Conversation.outcome,
            Conversation.urgency,
            requested.c.at,
            claimed.c.at,
            replied.c.at,
        )
        .join(Person, Person.id == Conversation.person_id)
        .outerjoin(requested, requested.c.conversation_id == Conversation.id)
        .outerjoin(claimed, claimed.c.conversation_id == Conversation.id)
        .outerjoin(replied, replied.c.conversation_id == Conversation.id)
        .where(Conversation.created_at >= _utc_midnight(start))
        .where(Conversation.created_at < _utc_midnight(end + dt.timedelta(days=1)))
    )
    if region:
        query = query.where(Conversation.region == region)
    rows = []
    for started, lang, topic, channel, state, outcome, urgency, asked, taken, first in (
        await session.execute(query)
    ).all():
        if state != STATE_CLOSED:
            outcome = NOT_CLOSED
        rows.append(
            Row(
                started=started,
                language=lang or UNKNOWN,
                topic=topic or UNKNOWN,
                channel=channel or UNKNOWN,
                outcome=outcome or NO_OUTCOME,
                emergency="yes" if (urgency or 0) >= 2 else "no",
                handed_over=asked is not None,
                wait_seconds=_seconds(taken, asked),
                response_seconds=_seconds(first, taken),
            )
        )
    return rows


def period(label: str, rows: Sequence[Row]) -> Period:
    """The suppressed figures of a set of conversations."""
    figures = Period(
        label=label,
        total=single("total", len(rows)),
        handovers=single("handovers", sum(r.handed_over for r in rows)),
        emergencies=single("emergencies", sum(r.emergency == "yes" for r in rows)),
        waiting=durations(r.wait_seconds for r in rows if r.wait_seconds is not None),
        response=durations(r.response_seconds for r in rows if r.response_seconds is not None),
    )
    for dimension in DIMENSIONS:
        figures.breakdowns[dimension] = suppress(Counter(getattr(r, dimension) for r in rows))
    return figures


def _month(value: dt.datetime) -> str:
    return value.astimezone(BERLIN).strftime("%Y-%m")


def months_between(start: dt.date, end: dt.date) -> list[str]:
    labels, day = [], start.replace(day=1)
    while day <= end:
        labels.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return labels


def _column_suppressed(months: list[Period], attribute: str) -> None:
    """Month figures add up to the range's: one small month among them would be revealed by the rest."""
    cells = suppress({m.label: getattr(m, attribute).count for m in months})
    shown = {cell.category: cell for cell in cells}
    for month in months:
        cell = shown[month.label]
        setattr(month, attribute, Cell(attribute, cell.count, cell.shown))


async def build_report(
    session: AsyncSession, start: dt.date | None = None, end: dt.date | None = None, region: str = ""
) -> Report:
    start, end = date_range(start, end)
    rows = await report_rows(session, start, end, region)
    by_month: dict[str, list[Row]] = {label: [] for label in months_between(start, end)}
    for row in rows:
        by_month.setdefault(_month(row.started), []).append(row)
    months = [period(label, by_month[label]) for label in sorted(by_month)]
    for attribute in ("total", "handovers", "emergencies"):
        _column_suppressed(months, attribute)
    return Report(start=start, end=end, region=region, total=period("total", rows), months=months)


def _safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def report_csv(report: Report) -> str:
    """The report in long form (period, measure, category, value), for funders' spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["period", "measure", "category", "value"])
    for figures in (report.total, *report.months):
        label = "total" if figures is report.total else figures.label
        for cell in (figures.total, figures.handovers, figures.emergencies):
            writer.writerow([label, cell.category, "", cell.shown])
        for dimension, cells in figures.breakdowns.items():
            for cell in cells:
                writer.writerow([label, dimension, _safe(cell.category), cell.shown])
        for name, times in (("waiting_minutes", figures.waiting), ("response_minutes", figures.response)):
            writer.writerow([label, name, "conversations", times.shown_count])
            writer.writerow([label, name, "median", "" if times.median is None else times.median])
            writer.writerow([label, name, "p90", "" if times.p90 is None else times.p90])
    writer.writerow(["range", "from", "", report.start.isoformat()])
    writer.writerow(["range", "to", "", report.end.isoformat()])
    writer.writerow(["range", "region", "", report.region or "all"])
    writer.writerow(["range", "suppressed_below", "", report.threshold])
    return out.getvalue()


async def report_regions(session: AsyncSession) -> list[str]:
    """The regions that have conversations, for the report's region filter."""
    return sorted(r for r in (await session.scalars(select(Conversation.region).distinct())).all() if r)


def report_region(role: str, own_region: str, asked: str) -> str:
    """The region a report covers: an admin's choice ("" = all); a team lead's own, whatever was asked."""
    return asked if role == "admin" else own_region


def parse_day(value: str) -> dt.date | None:
    """A date field of the report form (YYYY-MM-DD); anything else means "the default"."""
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None
