"""The web chat as a person on a phone sees it (issue 15): emergency numbers one tap from a call.

Real Chromium against the real app; elements are found by data-testid, boxes are checked against a
390 px viewport.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from bot.locales import t
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def chat_send(page: Any, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()


def assert_inside_phone(locator: Any) -> None:
    for attempt in range(3):
        try:
            locator.scroll_into_view_if_needed()
            box = locator.bounding_box()
            break
        except PlaywrightError as error:  # the live log re-rendered under the action: find the element again
            if "not attached" not in str(error) or attempt == 2:
                raise
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
    # The handover's waiting message comes from a second round trip; on a loaded CI machine that takes
    # longer than Playwright's 5 s default (it failed once that way in a combined browser run).
    expect(waiting.locator('a[href="tel:110"]')).to_be_visible(timeout=30_000)
    expect(waiting.locator('a[href="tel:112"]')).to_be_visible(timeout=30_000)
    assert_inside_phone(waiting.locator('a[href="tel:112"]'))
    screenshot(person, "chat-emergency-waiting-ar-phone")


def _luminance(rgb: str) -> float:
    """Relative luminance (WCAG 2) of a computed CSS colour like "rgb(10, 61, 112)"."""
    parts = [int(p) / 255 for p in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    lin = [p / 12.92 if p <= 0.03928 else ((p + 0.055) / 1.055) ** 2.4 for p in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_stands_out_at_least_three_to_one(new_page: Any) -> None:
    """Issue 15, minor 12: the ring had 1.87:1 on white."""
    person = new_page(viewport=PHONE, locale="de-DE")
    person.goto("/chat")
    person.keyboard.press("Tab")
    person.get_by_test_id("chat-input").focus()
    person.keyboard.press("Shift+Tab")
    person.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    ring = person.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"""
    )
    assert ring[0] != "none" and float(ring[1].removesuffix("px")) >= 2, ring
    for background in ("rgb(255, 255, 255)", person.evaluate("getComputedStyle(document.body).backgroundColor")):
        assert contrast(ring[2], background) >= 3.0, (ring, background)


@pytest.mark.parametrize("locale", ["de-DE", "fa-IR"])
def test_the_persons_own_messages_are_clearly_their_own(new_page: Any, locale: str) -> None:
    """Issue 15, minor 12: the person's bubbles differ from the bot's in colour and side (mirrored in Persian)."""
    person = new_page(viewport=PHONE, locale=locale)
    person.goto("/chat")
    chat_send(person, "Mein Chef zahlt meinen Lohn nicht" if locale == "de-DE" else "کارفرما حقوقم را نداده")
    mine = person.get_by_test_id("chat-msg-user").last
    expect(person.get_by_test_id("chat-msg-bot").nth(1)).to_be_visible(timeout=60_000)
    bot = person.get_by_test_id("chat-msg-bot").nth(1)
    colours = [m.evaluate("e => getComputedStyle(e).backgroundColor") for m in (mine, bot)]
    assert contrast(*colours) >= 3.0, colours  # not two shades of light blue
    assert contrast(mine.evaluate("e => getComputedStyle(e).color"), colours[0]) >= 4.5  # readable text
    log = person.get_by_test_id("chat-log").bounding_box()
    own, other = mine.bounding_box(), bot.bounding_box()
    assert log is not None and own is not None and other is not None
    log_right, own_right, other_right = log["x"] + log["width"], own["x"] + own["width"], other["x"] + other["width"]
    if locale == "de-DE":  # own at the right, the bot's at the left
        assert log_right - own_right < 20 and own["x"] - log["x"] > 30 and other["x"] - log["x"] < 20
    else:  # right to left: mirrored
        assert own["x"] - log["x"] < 20 and log_right - own_right > 30 and log_right - other_right < 20
    expect(mine).to_contain_text(t("webchat_you", locale[:2]))  # read aloud: "You: …" (visually hidden)
    screenshot(person, f"chat-own-messages-{locale}")


def test_spaces_are_not_sent_and_the_counter_counts_to_4000(new_page: Any) -> None:
    """Issue 15, minor 11: whitespace-only is blocked with a reason; a counter shows the 4,000 limit."""
    person = new_page(viewport=PHONE, locale="de-DE")
    person.goto("/chat")
    counter = person.get_by_test_id("chat-counter")
    expect(counter).to_have_text("0 / 4000")
    person.get_by_test_id("chat-input").fill("   \n  ")
    person.get_by_test_id("chat-send").click()
    expect(person.get_by_test_id("chat-toast")).to_have_text(t("empty_message", "de"))
    assert person.get_by_test_id("chat-msg-user").count() == 0
    person.get_by_test_id("chat-input").fill("x" * 3990)
    expect(counter).to_have_text("3990 / 4000")
    person.get_by_test_id("chat-input").press("End")
    person.keyboard.type("y" * 20)  # the box stops at the limit
    expect(counter).to_have_text("4000 / 4000")
    assert len(person.get_by_test_id("chat-input").input_value()) == 4000


def test_an_expired_chat_says_so_in_the_persons_language_and_keeps_the_text(new_page: Any) -> None:
    """Issue 15, minor 11: an expired session showed raw text and lost what was typed."""
    person = new_page(viewport=PHONE, locale="ar-SY")
    person.goto("/chat")
    chat_send(person, "صاحب العمل لم يدفع راتبي")
    expect(person.get_by_test_id("chat-msg-bot").nth(1)).to_be_visible(timeout=60_000)
    person.context.clear_cookies(name="fairbot_chat")  # the idle period ran out
    draft = "وأيضاً لم يعطني عقداً مكتوباً"
    chat_send(person, draft)
    expect(person.get_by_test_id("chat-toast")).to_have_text(t("webchat_expired", "ar"))
    expect(person.get_by_test_id("chat-input")).to_have_value(draft)
    person.get_by_test_id("chat-notice-action").click()  # "start again": a fresh chat, the text still there
    expect(person.get_by_test_id("chat-input")).to_have_value(draft)
    person.get_by_test_id("chat-send").click()
    expect(person.get_by_test_id("chat-msg-user").last).to_contain_text(draft)
    expect(person.get_by_test_id("chat-input")).to_have_value("")


def test_a_failed_send_says_so_and_offers_to_try_again(new_page: Any) -> None:
    """Issue 15, minor 11: a message lost on the way (no connection) is not lost from the box."""
    person = new_page(viewport=PHONE, locale="tr-TR")
    person.goto("/chat")
    person.route("**/chat/send", lambda route: route.abort("internetdisconnected"))
    chat_send(person, "Patronum maaşımı ödemiyor")
    expect(person.get_by_test_id("chat-toast")).to_have_text(t("webchat_send_failed", "tr"))
    expect(person.get_by_test_id("chat-input")).to_have_value("Patronum maaşımı ödemiyor")
    person.unroute("**/chat/send")
    person.get_by_test_id("chat-notice-action").click()  # "try again"
    expect(person.get_by_test_id("chat-msg-user").last).to_contain_text("Patronum maaşımı ödemiyor")
    expect(person.get_by_test_id("chat-input")).to_have_value("")


@pytest.mark.tesseract
def test_a_photographed_letter_uploaded_from_a_phone_is_read(new_page: Any) -> None:
    """Persian on a phone: the file field and its button fit the screen; the upload (HTMX, multipart, CSRF
    header) comes back as the reading in Persian with the 📎 button."""
    from tests.letter_samples import render

    person = new_page(viewport=PHONE, locale="fa-IR")
    person.goto("/chat")
    assert_inside_phone(person.get_by_test_id("chat-letter-send"))
    person.get_by_test_id("chat-letter-input").set_input_files(
        {"name": "nameh.jpg", "mimeType": "image/jpeg", "buffer": render("warning", look="phone", seed=3, fmt="JPEG")}
    )
    person.get_by_test_id("chat-letter-send").click()
    reading = person.get_by_test_id("chat-msg-bot").last
    expect(reading).to_contain_text("Abmahnung", timeout=90_000)
    expect(reading).to_contain_text("02.11.2026")
    expect(reading.get_by_text(t("letter_btn_keep", "fa"))).to_be_visible()
    screenshot(person, "chat-letter-fa-phone")
