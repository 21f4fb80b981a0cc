"""The statutory minimum wage per period, read from knowledge/minimum_wage.yaml (dated data, not code).

Amounts change by ordinance (§ 11 MiLoG); the calculator looks the amount up by the
month worked, so a new ordinance is a new period in the YAML file, checked by a test
against the dated minimum-wage entries. Pure library: no bot, no settings.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml

RATES_FILE = Path(__file__).with_name("minimum_wage.yaml")


class MinimumWageDataError(ValueError):
    """The rates file is malformed: the message names the period and what to fix."""


@dataclass(frozen=True)
class MinimumWageRate:
    valid_from: dt.date
    valid_until: dt.date
    eur_per_hour: Decimal
    source_title: str
    source_url: str

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until


def parse_rates(text: str, name: str = "minimum_wage.yaml") -> tuple[MinimumWageRate, ...]:
    """Every period of the file, oldest first; raises MinimumWageDataError on overlaps, gaps or bad values."""
    data = yaml.safe_load(text) or {}
    rates = []
    for number, row in enumerate(data.get("rates") or [], 1):
        where = f"{name}: period {number}"
        try:
            valid_from, valid_until = row["valid_from"], row["valid_until"]
            amount = Decimal(str(row["eur_per_hour"]))
            source = row["source"]
            rate = MinimumWageRate(valid_from, valid_until, amount, str(source["title"]), str(source["url"]))
        except (KeyError, TypeError, InvalidOperation) as exc:
            raise MinimumWageDataError(
                f"{where}: needs valid_from, valid_until, eur_per_hour and source {{title, url}} ({exc!r})"
            ) from None
        if not (isinstance(valid_from, dt.date) and isinstance(valid_until, dt.date)):
            raise MinimumWageDataError(f"{where}: valid_from and valid_until must be dates (YYYY-MM-DD)")
        if valid_from.day != 1 or valid_until < valid_from or amount <= 0:
            raise MinimumWageDataError(
                f"{where}: a period starts on the first of a month, ends after it starts and has a positive amount"
            )
        if not rate.source_url.startswith("https://"):
            raise MinimumWageDataError(f"{where}: the source needs an https URL")
        rates.append(rate)
    rates.sort(key=lambda r: r.valid_from)
    for before, after in itertools.pairwise(rates):
        if after.valid_from != before.valid_until + dt.timedelta(days=1):
            raise MinimumWageDataError(
                f"{name}: the period from {after.valid_from} must start the day after {before.valid_until}"
            )
    if not rates:
        raise MinimumWageDataError(f"{name}: no periods under 'rates:'")
    return tuple(rates)


@lru_cache(maxsize=4)
def load_rates(path: Path = RATES_FILE) -> tuple[MinimumWageRate, ...]:
    return parse_rates(path.read_text(encoding="utf-8"), path.name)


def rate_on(day: dt.date, rates: tuple[MinimumWageRate, ...] | None = None) -> MinimumWageRate | None:
    """The period covering `day`, or None when the data does not reach that far (before or after)."""
    for rate in rates if rates is not None else load_rates():
        if rate.covers(day):
            return rate
    return None
