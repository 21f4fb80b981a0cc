"""Safe contact: how a person who handed over wants to hear back, without ever giving a name or a number.

A written answer in the chat is the default and needs nothing. A call-back is asked for by
tapping a time window inside the opening hours (FAIRBOT_OPENING_HOURS, Berlin time); the number
to call is only ever typed by the person if they want a call, and it stays in the conversation
(erased and purged with it). Office hours are shown as the service profile states them
(`opening_hours`), or as the queue's clock when the profile has none, with the weekdays in the
person's language.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from bot.locales import t
from bot.services.handoff import BERLIN, OpeningHours

WINDOW_DAYS = 2  # call-back windows are offered on the next two days with opening hours
MIN_LEAD = dt.timedelta(minutes=30)  # a window that starts sooner than this is not offered any more
_DAY = re.compile(r"\b(Mo|Di|Tu|Mi|We|Do|Th|Fr|Sa|So|Su)\b\.?")
_DAY_INDEX = {"Mo": 0, "Di": 1, "Tu": 1, "Mi": 2, "We": 2, "Do": 3, "Th": 3, "Fr": 4, "Sa": 5, "So": 6, "Su": 6}
_STAMP = "%y%m%d%H%M"  # a window's start as its button carries it


@dataclass(frozen=True)
class Window:
    """A call-back time window in Berlin time."""

    start: dt.datetime
    end: dt.datetime

    def packed(self) -> tuple[str, str]:
        """(start, end) as the button carries them: "2612040900", "1300"."""
        return self.start.strftime(_STAMP), self.end.strftime("%H%M")

    def label(self, lang: str) -> str:
        day = t("calc_weekdays", lang).split(",")[self.start.weekday()].strip()
        return f"{day}, {self.start:%d.%m.} {self.start:%H:%M}–{self.end:%H:%M}"

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label_de": self.label("de")}


def localized_hours(text: str, lang: str) -> str:
    """Opening hours as written ("Mo-Do 09:00-16:00, Fr 09:00-13:00") with the weekdays in `lang`."""
    days = [d.strip() for d in t("calc_weekdays", lang).split(",")]
    out = _DAY.sub(lambda m: days[_DAY_INDEX[m.group(1)]], text)
    return re.sub(r"(?<=\S)\s*-\s*(?=\S)", "–", out)


def windows(hours: OpeningHours, now: dt.datetime, days: int = WINDOW_DAYS) -> list[Window]:
    """Each opening slot of the next `days` opening days, cut in two at the full hour nearest its middle."""
    local = now.astimezone(BERLIN)
    found: list[Window] = []
    opening_days = 0
    for offset in range(0, 8):
        date = (local + dt.timedelta(days=offset)).date()
        slots = sorted((s, e) for day, s, e in hours.slots if day == date.weekday())
        day_windows = []
        for start, end in slots:
            begin = dt.datetime.combine(date, start, tzinfo=BERLIN)
            finish = dt.datetime.combine(date, end, tzinfo=BERLIN)
            middle = begin + (finish - begin) / 2
            middle = middle.replace(minute=0, second=0, microsecond=0)
            cuts = [begin, middle, finish] if begin < middle < finish else [begin, finish]
            day_windows += [Window(a, b) for a, b in itertools.pairwise(cuts) if a - MIN_LEAD >= local]
        if day_windows:
            found += day_windows
            opening_days += 1
        if opening_days >= days:
            break
    return found


def find(hours: OpeningHours, now: dt.datetime, start: str, end: str) -> Window | None:
    """The offered window a button names, if it is still offered."""
    return next((w for w in windows(hours, now) if w.packed() == (start, end)), None)
