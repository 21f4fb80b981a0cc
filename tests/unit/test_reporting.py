"""The report's disclosure rules without a database: small cells, the cell that would reveal a small one,
times over too few conversations, the default and capped date ranges, CSV cells a spreadsheet would run."""

from __future__ import annotations

import datetime as dt

from bot.services import reporting
from bot.services.reporting import Cell, suppress


def test_small_cells_are_shown_as_below_the_threshold() -> None:
    assert suppress({"de": 7, "ar": 3, "fa": 1}) == [Cell("de", 7, "7"), Cell("ar", 3, "<5"), Cell("fa", 1, "<5")]
    assert suppress({"de": 7, "ar": 5}) == [Cell("de", 7, "7"), Cell("ar", 5, "5")]
    assert suppress({}) == []


def test_one_small_cell_hides_the_smallest_other() -> None:
    """Total 20 = 12 + 6 + 2: without hiding the 6, the 2 follows from the total."""
    cells = {c.category: c.shown for c in suppress({"de": 12, "ar": 6, "fa": 2})}
    assert cells == {"de": "12", "ar": "x", "fa": "<5"}
    # only small cells: nothing else to hide
    assert [c.shown for c in suppress({"fa": 2})] == ["<5"]


def test_times_need_enough_conversations() -> None:
    assert reporting.durations([60, 120, 180, 240]) == reporting.Durations(4, None, None)
    five = reporting.durations([60, 120, 180, 240, 600])
    assert (five.count, five.median, five.p90) == (5, 3.0, 7.6)
    assert reporting.Durations(3, None, None).shown_count == "<5"


def test_date_range_defaults_swaps_and_caps() -> None:
    today = dt.date(2026, 12, 3)
    assert reporting.date_range(None, None, today) == (dt.date(2026, 1, 1), today)
    assert reporting.date_range(dt.date(2026, 5, 1), dt.date(2026, 3, 1), today) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 5, 1),
    )
    start, end = reporting.date_range(dt.date(2000, 1, 1), today, today)
    assert (end - start).days == reporting.MAX_DAYS
    assert reporting.parse_day("2026-02-30") is None and reporting.parse_day(" 2026-02-03 ") == dt.date(2026, 2, 3)
    assert reporting.months_between(dt.date(2026, 11, 20), dt.date(2027, 1, 2)) == ["2026-11", "2026-12", "2027-01"]


def test_csv_cells_that_look_like_formulas_are_quoted() -> None:
    assert reporting._safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and reporting._safe("dismissal") == "dismissal"


def test_team_leads_get_their_own_region_whatever_they_ask() -> None:
    assert reporting.report_region("admin", "ni", "") == "" and reporting.report_region("admin", "ni", "hb") == "hb"
    assert (
        reporting.report_region("teamlead", "hb", "") == "hb"
        and reporting.report_region("teamlead", "hb", "ni") == "hb"
    )
