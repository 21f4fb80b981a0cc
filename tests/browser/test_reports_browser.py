"""The funders' report in real Chromium: an admin finds it in the navigation, reads counts and bars,
narrows the dates, and downloads the CSV; it fits a phone, and nothing about a person is on it."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, login, screenshot
from tests.integration.test_reports import SECRET, _seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> LiveServer:
    live_server.run(lambda runtime: _seed(runtime.db))
    return live_server


def test_report_page_bars_dates_and_csv_download(new_page: Any, seeded: LiveServer, tmp_path: Path) -> None:
    page = new_page()
    login(page, "admin")
    page.get_by_test_id("nav-reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bericht für Förderer")
    page.get_by_test_id("report-start").fill("2026-09-01")
    page.get_by_test_id("report-end").fill("2026-11-30")
    page.get_by_test_id("report-region").select_option("ni")
    page.get_by_test_id("report-show").click()
    expect(page.get_by_test_id("report-total")).to_have_text("19")
    expect(page.get_by_test_id("report-emergencies")).to_have_text("<5")
    # a bar per shown cell, none for a suppressed one (its length would tell the count)
    languages = page.get_by_test_id("report-language")
    expect(languages.locator("[data-category=de] svg rect")).to_have_count(1)
    expect(languages.locator("[data-category=fa] svg rect")).to_have_count(0)
    expect(languages.locator("[data-category=fa] td.num")).to_have_text("<5")
    bar = languages.locator("[data-category=de] rect").bounding_box()
    assert bar is not None and bar["width"] > 100
    expect(page.get_by_test_id("report-month")).to_have_count(3)
    assert SECRET not in page.content()
    screenshot(page, "report-de-desktop")

    with page.expect_download() as info:
        page.get_by_test_id("report-csv").click()
    download = info.value
    assert download.suggested_filename == "fairbot-report-2026-09-01-2026-11-30.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = target.read_text(encoding="utf-8")
    rows = {(p, m, c): v for p, m, c, v in list(csv.reader(io.StringIO(text)))[1:]}
    assert rows["total", "total", ""] == "19" and rows["total", "language", "fa"] == "<5"
    assert rows["range", "region", ""] == "ni" and SECRET not in text

    # narrowed to October: one month row, its twelve conversations
    page.get_by_test_id("report-start").fill("2026-10-01")
    page.get_by_test_id("report-end").fill("2026-10-31")
    page.get_by_test_id("report-show").click()
    expect(page.get_by_test_id("report-month")).to_have_count(1)
    expect(page.get_by_test_id("report-total")).to_have_text("12")

    # in English, on a phone: the tables stay inside the viewport
    phone = new_page(viewport={"width": 390, "height": 844})
    login(phone, "admin")
    phone.goto("/console/lang/en")
    phone.goto("/console/reports?start=2026-09-01&end=2026-11-30&region=ni")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Report for funders")
    for testid in ("report-summary", "report-language", "report-months"):
        box = phone.get_by_test_id(testid).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, (testid, box)
    screenshot(phone, "report-en-phone")


def test_report_is_not_in_an_advisors_navigation(new_page: Any, seeded: LiveServer) -> None:
    page = new_page()
    login(page, "berater1")
    expect(page.get_by_test_id("nav-inbox")).to_be_visible()
    expect(page.get_by_test_id("nav-reports")).to_have_count(0)
    response = page.goto("/console/reports")
    assert response is not None and response.status == 403
