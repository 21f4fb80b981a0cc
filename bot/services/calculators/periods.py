"""Counting periods the way §§ 187, 188 BGB do: weeks and months from an event, and lengths of employment.

Two kinds of start (§ 187 BGB): an event during a day (a letter received) does not count
that day, so n weeks end on the weekday of the event n weeks later; a start at the beginning
of a day (the first day of a job) counts that day, so a period ends the day before the
same-numbered day. A month without that day ends on its last day (§ 188(3) BGB).
"""

from __future__ import annotations

import calendar
import datetime as dt


def last_day_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same-numbered day `months` later (or earlier), or that month's last day if it has none (§ 188(3))."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def event_period_end(event: dt.date, *, weeks: int = 0, months: int = 0, days: int = 0) -> dt.date:
    """Last day of a period started by an event during `event` (§ 187(1), § 188(2) first case BGB)."""
    end = add_months(event, months) if months else event
    return end + dt.timedelta(days=days + 7 * weeks)


def completed_after(start: dt.date, *, years: int = 0, months: int = 0, days: int = 0) -> dt.date:
    """First day on which a period counted from the beginning of `start` lies completely behind.

    § 187(2), § 188(2) second case BGB: the period ends with the day before the same-numbered
    day; if that day does not exist (29 February, 31st), the period ends with the month's last
    day (§ 188(3)), so it is complete on the first of the next month.
    """
    if days:
        return start + dt.timedelta(days=days)
    index = start.year * 12 + start.month - 1 + 12 * years + months
    year, month = divmod(index, 12)
    month += 1
    if start.day > calendar.monthrange(year, month)[1]:
        return dt.date(year, month, calendar.monthrange(year, month)[1]) + dt.timedelta(days=1)
    return dt.date(year, month, start.day)


def full_months_between(first: dt.date, last: dt.date) -> int:
    """Full months from the beginning of `first` to the end of `last`, each counted from `first` (§ 188(2))."""
    count = 0
    while completed_after(first, months=count + 1) <= last + dt.timedelta(days=1):
        count += 1
    return count
