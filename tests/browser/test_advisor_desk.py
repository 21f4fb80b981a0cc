"""The advisor's conversation page as a chat desk (issue 15, major 6), in real Chromium.

What an advisor at a 1366 x 768 laptop sees: after a long conversation the newest message and the reply box
are on screen without scrolling the page; a reply goes out without a reload and shows whether it was sent;
a lost connection leaves the text with a retry; the handover packet sits beside the chat, or under it on a
narrow window.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.steps import PHONE, chat_send, hand_over, log_in_to_queue, wait_new_queue_item

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
MESSAGES = 30


def csrf_of(page: Any) -> str:
    """The session's CSRF token, as every console page carries it for htmx."""
    headers = page.locator("body").get_attribute("hx-headers")
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', headers or "")
    assert match, headers
    return match.group(1)


def inside(inner: Any, outer: Any, slack: float = 1.0) -> bool:
    """True when the box `inner` lies within `outer` (Playwright bounding boxes, in CSS pixels)."""
    return (
        inner["y"] >= outer["y"] - slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
        and inner["x"] >= outer["x"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
    )


def test_chat_desk_opens_at_the_newest_message_and_sends_without_reload(new_page: Any) -> None:
    advisor = new_page(viewport=LAPTOP)
    before = log_in_to_queue(advisor, "berater1")
    person = new_page(viewport=PHONE)
    hand_over(person, "Mein Arbeitgeber zahlt meinen Lohn seit zwei Monaten nicht.")
    conversation_id = wait_new_queue_item(advisor, before)
    advisor.get_by_test_id(f"claim-{conversation_id}").click()
    expect(advisor.get_by_test_id("conversation-state")).to_have_text("in Beratung")

    # a long conversation: replies through the same route the page uses, until there are 30 messages
    token = csrf_of(advisor)
    url = f"/console/conversations/{conversation_id}/reply"
    already = advisor.locator("[data-testid=desk-log] [data-message-id]").count()
    for number in range(max(MESSAGES - already, 0)):
        response = advisor.request.post(
            url,
            form={"text": f"Nachricht {number + 1}: bitte Lohnabrechnungen bereithalten."},
            headers={"Accept": "application/json", "X-CSRF-Token": token},
        )
        assert response.ok and response.json() == {"ok": True}, response.text()
    advisor.goto(f"/console/conversations/{conversation_id}")
    log = advisor.get_by_test_id("desk-log")
    newest = advisor.get_by_test_id("msg-advisor").last
    expect(newest).to_contain_text(f"Nachricht {MESSAGES - already}:")
    assert advisor.locator("[data-testid=desk-log] [data-message-id]").count() >= MESSAGES

    def check_in_view() -> None:
        view = {"x": 0, "y": 0, "width": LAPTOP["width"], "height": LAPTOP["height"]}
        expect(newest).to_be_in_viewport()
        assert inside(newest.bounding_box(), log.bounding_box()), "the newest message is scrolled out of its box"
        assert inside(log.bounding_box(), view), log.bounding_box()
        assert inside(advisor.get_by_test_id("reply-text").bounding_box(), view)
        assert inside(advisor.get_by_test_id("reply-send").bounding_box(), view)

    check_in_view()
    assert advisor.evaluate("window.scrollY") == 0  # the page itself did not have to scroll
    packet = advisor.get_by_test_id("handover-packet").bounding_box()
    assert packet["x"] >= log.bounding_box()["x"] + log.bounding_box()["width"], "the packet sits beside the chat"
    screenshot(advisor, "desk-laptop")

    # the person writes: it arrives live (SSE) and the desk stays at the newest message
    advisor.evaluate("window.__deskMarker = 'no reload'")
    chat_send(person, "Ich habe die Abrechnungen von Oktober und November.")
    newest = advisor.get_by_test_id("msg-user").last
    expect(newest).to_contain_text("Oktober und November")
    check_in_view()

    # sending: no reload, a status on the bubble, then the stored message with its delivery
    reply = "Danke. Bitte schicken Sie mir ein Foto der Abrechnung von Oktober."
    advisor.get_by_test_id("reply-text").fill(reply)
    advisor.get_by_test_id("reply-send").click()
    expect(advisor.get_by_test_id("reply-text")).to_have_value("")
    newest = advisor.get_by_test_id("msg-advisor").last
    expect(newest).to_contain_text(reply)
    expect(newest.locator("[data-testid^=delivery-]")).to_have_text("zugestellt")
    expect(advisor.get_by_test_id("msg-pending")).to_have_count(0)
    assert advisor.evaluate("window.__deskMarker") == "no reload"
    expect(advisor).to_have_url(re.compile(rf"/console/conversations/{conversation_id}$"))
    check_in_view()
    expect(person.get_by_test_id("chat-msg-advisor").last).to_contain_text(reply)

    # the connection drops: the text stays on the page as "not sent", one click sends it again
    advisor.route(f"**{url}", lambda route: route.abort())
    lost = "Diese Nachricht geht erst beim zweiten Versuch raus."
    advisor.get_by_test_id("reply-text").fill(lost)
    advisor.get_by_test_id("reply-text").press("Enter")
    failed = advisor.get_by_test_id("msg-pending")
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed.get_by_test_id("msg-pending-status")).to_have_text("nicht gesendet")
    expect(failed).to_contain_text(lost)
    advisor.unroute(f"**{url}")
    failed.get_by_test_id("msg-retry").click()
    expect(advisor.get_by_test_id("msg-advisor").last).to_contain_text(lost)
    expect(advisor.get_by_test_id("msg-pending")).to_have_count(0)
    expect(person.get_by_test_id("chat-msg-advisor").last).to_contain_text(lost)
    assert advisor.evaluate("window.__deskMarker") == "no reload"

    # reading further up: a new message does not pull the transcript down, a button leads to it
    log.evaluate("box => { box.scrollTop = 0; }")
    chat_send(person, "Und was ist mit meinem Urlaub?")
    expect(advisor.get_by_test_id("msg-user").last).to_contain_text("Urlaub")
    expect(advisor.get_by_test_id("desk-jump")).to_be_visible()
    assert log.evaluate("box => box.scrollTop") == 0
    advisor.get_by_test_id("desk-jump").click()
    newest = advisor.get_by_test_id("msg-user").last
    check_in_view()
    expect(advisor.get_by_test_id("desk-jump")).to_be_hidden()

    # a narrow window: the packet goes under the chat, the reply box stays right under the transcript
    advisor.set_viewport_size(PHONE)
    log_box = log.bounding_box()
    packet = advisor.get_by_test_id("handover-packet").bounding_box()
    assert packet["y"] >= log_box["y"] + log_box["height"], "stacked on a narrow window"
    assert advisor.get_by_test_id("reply-text").bounding_box()["y"] >= log_box["y"] + log_box["height"]
    screenshot(advisor, "desk-phone")
