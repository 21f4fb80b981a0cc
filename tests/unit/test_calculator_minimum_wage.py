"""The minimum-wage calculator and its dated amounts, checked against the dated minimum-wage entries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.services.calculators import CalculatorInputError, calculate_minimum_wage
from knowledge.loader import load_entries
from knowledge.minimum_wage import MinimumWageDataError, MinimumWageRate, load_rates, parse_rates, rate_on

D, M = dt.date, Decimal
ENTRIES = Path(__file__).resolve().parents[2] / "knowledge" / "entries"


def test_a_month_below_the_minimum_wage() -> None:
    # November 2026: 13.90 €/h. 160 h for 2,000 € gross -> 2,000 / 160 = 12.50 €/h;
    # owed 160 x 13.90 = 2,224.00 €, missing 224.00 €
    r = calculate_minimum_wage(D(2026, 11, 1), M("160"), M("2000"))
    assert (r.hourly_pay, r.minimum_wage, r.owed_at_minimum, r.shortfall, r.below_minimum) == (
        M("12.50"),
        M("13.90"),
        M("2224.00"),
        M("224.00"),
        True,
    )


def test_the_amount_changes_with_the_new_year() -> None:
    # 100 h for 1,400 €: December 2026 at 13.90 -> 1,390.00 owed, nothing missing;
    # January 2027 at 14.60 -> 1,460.00 owed, 60.00 missing
    december = calculate_minimum_wage(D(2026, 12, 31), M(100), M(1400))
    january = calculate_minimum_wage(D(2027, 1, 1), M(100), M(1400))
    assert (december.minimum_wage, december.shortfall, december.below_minimum) == (M("13.90"), M(0), False)
    assert (january.minimum_wage, january.shortfall, january.below_minimum) == (M("14.60"), M("60.00"), True)
    assert "MiLoV5" in january.sources[1].label


def test_2025_with_fractional_hours() -> None:
    # March 2025: 12.82 €/h (Fourth ordinance). 120.5 h x 12.82 = 1,544.81 €; paid 1,500 -> 44.81 missing;
    # 1,500 / 120.5 = 12.448… -> 12.45 €/h
    r = calculate_minimum_wage(D(2025, 3, 1), M("120.5"), M("1500"))
    assert (r.minimum_wage, r.owed_at_minimum, r.shortfall, r.hourly_pay) == (
        M("12.82"),
        M("1544.81"),
        M("44.81"),
        M("12.45"),
    )
    assert "MiLoV4" in r.sources[1].label


def test_exactly_the_minimum_is_enough() -> None:
    # June 2026: 173.5 h x 13.90 = 2,411.65 € -> paid exactly that: nothing missing
    r = calculate_minimum_wage(D(2026, 6, 1), M("173.5"), M("2411.65"))
    assert (r.shortfall, r.below_minimum, r.hourly_pay) == (M(0), False, M("13.90"))


def test_months_outside_the_data_and_impossible_hours_are_refused() -> None:
    for month in (D(2023, 12, 1), D(2028, 1, 1)):
        with pytest.raises(CalculatorInputError) as error:
            calculate_minimum_wage(month, M(100), M(1000))
        assert error.value.reason == "calc_err_no_rate"
        assert error.value.params == {"first": D(2024, 1, 1), "last": D(2027, 12, 31)}
    for hours in (M(0), M(-3), M(745)):
        with pytest.raises(CalculatorInputError):
            calculate_minimum_wage(D(2026, 5, 1), hours, M(1000))
    with pytest.raises(CalculatorInputError):
        calculate_minimum_wage(D(2026, 5, 1), M(100), M(-1))


def test_the_rates_file_refuses_gaps_and_bad_periods() -> None:
    good = """rates:
  - {valid_from: 2026-01-01, valid_until: 2026-12-31, eur_per_hour: "13.90", source: {title: t, url: "https://x"}}
"""
    assert _rate(D(2026, 7, 1), parse_rates(good)).eur_per_hour == M("13.90")
    gap = (
        good
        + '  - {valid_from: 2027-02-01, valid_until: 2027-12-31, eur_per_hour: "14.60", source: {title: t, url: "https://x"}}\n'
    )
    with pytest.raises(MinimumWageDataError, match="must start the day after 2026-12-31"):
        parse_rates(gap)
    with pytest.raises(MinimumWageDataError, match="first of a month"):
        parse_rates(good.replace("2026-01-01", "2026-01-02"))
    with pytest.raises(MinimumWageDataError, match="needs valid_from"):
        parse_rates("rates:\n  - {valid_from: 2026-01-01}\n")


def _rate(day: dt.date, rates: tuple[MinimumWageRate, ...]) -> MinimumWageRate:
    found = rate_on(day, rates)
    assert found is not None, f"no period covers {day}"
    return found


def _amount_in(title: str) -> Decimal:
    found = re.search(r"(\d+),(\d{2}) €", title)
    assert found, f"no amount in the title {title!r}"
    return Decimal(f"{found.group(1)}.{found.group(2)}")


def test_the_rates_agree_with_the_dated_minimum_wage_entries() -> None:
    """Each general minimum-wage entry states the amount of its period in its title; the table must agree,
    and each entry's validity dates must be period boundaries of the table."""
    rates = load_rates()
    starts = {r.valid_from for r in rates}
    ends = {r.valid_until for r in rates}
    entries = [e for e in load_entries(ENTRIES / "minimum-wage") if e.id.startswith("minimum-wage-amount")]
    assert len(entries) >= 2
    for entry in entries:
        assert entry.valid_until in ends, f"{entry.id}: valid_until {entry.valid_until} is no end of a period"
        if entry.valid_from:
            assert entry.valid_from in starts, f"{entry.id}: valid_from {entry.valid_from} starts no period"
        assert entry.valid_until is not None
        stated = _amount_in(entry.text("de").title)
        rate = _rate(entry.valid_until, rates)
        assert rate.eur_per_hour == stated, entry.id
        assert rate.source_url in {str(s.url) for s in entry.sources}, f"{entry.id} cites another ordinance"
