"""The web chat as a person on a phone sees it (issue 15): emergency numbers one tap from a call.

Real Chromium against the real app; elements are found by data-testid, boxes are checked against a
390 px viewport.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def chat_send(page: Any, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()


def assert_inside_phone(locator: Any) -> None:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["height"] > 0 and box["width"] > 0, box


def test_emergency_numbers_are_tappable_and_repeated_while_waiting(new_page: Any) -> None:
    """Arabic on a phone: 110 and 112 are tel: links in the emergency reply and again under the waiting message."""
    person = new_page(viewport=PHONE, locale="ar-SY")
    person.goto("/chat")
    chat_send(person, "صاحب العمل ضربني وحبسني في غرفة")
    emergency = person.get_by_test_id("chat-msg-bot").nth(1)
    expect(emergency.locator('a[href="tel:110"]')).to_be_visible(timeout=60_000)
    expect(emergency.locator('a[href="tel:112"]')).to_have_text("112")
    assert emergency.locator('a[href^="tel:"][target]').count() == 0  # dialled, not opened in a new tab
    assert_inside_phone(emergency.locator('a[href="tel:110"]'))

    consent = person.locator("[data-testid=chat-button][data-action^='consent:'][data-action$=':y']").last
    consent.click()
    waiting = person.get_by_test_id("chat-msg-bot").last
    expect(waiting.locator('a[href="tel:110"]')).to_be_visible()
    expect(waiting.locator('a[href="tel:112"]')).to_be_visible()
    assert_inside_phone(waiting.locator('a[href="tel:112"]'))
    screenshot(person, "chat-emergency-waiting-ar-phone")
