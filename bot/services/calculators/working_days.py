"""Which days a deadline may end on: not a Saturday, Sunday or public holiday of the region (holidays package).

§ 193 BGB and § 222(2) ZPO move a deadline that ends on such a day to the next working
day; the holidays that count are those at the place where the act is done (the labour
court, the Agentur für Arbeit), so the region's own list is used: Niedersachsen ("ni")
by default, like every conversation's region.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_REGION = "ni"
BERLIN = ZoneInfo("Europe/Berlin")


def today_in_berlin() -> dt.date:
    """Legal deadlines are counted in German time, whatever the server's clock zone."""
    return dt.datetime.now(BERLIN).date()


@lru_cache(maxsize=64)
def public_holidays(year: int, region: str = DEFAULT_REGION) -> dict[dt.date, str]:
    """The region's public holidays in `year`, with their German names (e.g. 31 October: Reformationstag)."""
    found = holidays.country_holidays("DE", subdiv=region.upper(), years=year, language="de")
    return dict(found.items())


def holiday_name(day: dt.date, region: str = DEFAULT_REGION) -> str | None:
    return public_holidays(day.year, region).get(day)


def is_working_day(day: dt.date, region: str = DEFAULT_REGION) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year, region)


def next_working_day_from(day: dt.date, region: str = DEFAULT_REGION) -> tuple[dt.date, bool]:
    """`day` itself if a deadline may end on it, else the next working day; and whether it moved."""
    moved = day
    while not is_working_day(moved, region):
        moved += dt.timedelta(days=1)
    return moved, moved != day
