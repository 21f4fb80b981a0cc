"""New activity in an advisor's own conversations (issue 15, major 7), in real Chromium: when the person
writes into a claimed chat, the inbox shows an unread badge and the tab title a "(2) …" counter, live;
opening the conversation clears both. Sound and desktop notifications are opt-in controls in the header.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.steps import PHONE, chat_send, hand_over, log_in_to_queue, wait_new_queue_item

pytestmark = pytest.mark.browser

INBOX_TITLE = "Posteingang · fairbot"


def test_unread_badge_and_title_counter(new_page: Any) -> None:
    advisor = new_page()
    before = log_in_to_queue(advisor, "berater1")
    person = new_page(viewport=PHONE)
    hand_over(person, "Ich bekomme keinen Urlaub und mein Chef schreit mich an.")
    conversation_id = wait_new_queue_item(advisor, before)
    advisor.get_by_test_id(f"claim-{conversation_id}").click()
    expect(advisor.get_by_test_id("conversation-state")).to_have_text("in Beratung")

    # back in the inbox: everything was seen on the conversation page, so nothing is unread
    advisor.goto("/console/inbox")
    expect(advisor.get_by_test_id("mine-item").filter(has_text=f"#{conversation_id}")).to_be_visible()
    expect(advisor.get_by_test_id(f"unread-{conversation_id}")).to_have_count(0)
    expect(advisor).to_have_title(INBOX_TITLE)
    advisor.evaluate("window.__inboxMarker = 'live'")

    # the person writes twice: the badge and the title counter arrive live (SSE), without a reload
    chat_send(person, "Hallo? Sind Sie noch da?")
    expect(person.get_by_test_id("chat-msg-user").last).to_contain_text("Sind Sie noch da")
    chat_send(person, "Ich habe auch eine Abmahnung bekommen.")
    expect(person.get_by_test_id("chat-msg-user").last).to_contain_text("Abmahnung")
    badge = advisor.get_by_test_id(f"unread-{conversation_id}")
    expect(badge).to_have_attribute("data-count", "2")
    expect(advisor).to_have_title(f"(2) {INBOX_TITLE}")
    assert advisor.evaluate("window.__inboxMarker") == "live"
    screenshot(advisor, "inbox-unread")

    # the sound is off until switched on, and remembered
    sound = advisor.get_by_test_id("sound-toggle")
    expect(sound).to_have_attribute("aria-pressed", "false")
    sound.click()
    expect(sound).to_have_attribute("aria-pressed", "true")
    # notifications are asked for only on a click; the button shows while the browser has not been asked
    permission = advisor.evaluate("'Notification' in window ? Notification.permission : 'none'")
    notify = advisor.get_by_test_id("notify-enable")
    if permission == "default":
        expect(notify).to_be_visible()
    else:
        expect(notify).to_be_hidden()

    # opening the conversation reads the messages: the badge and the counter are gone
    advisor.get_by_role("link", name=f"#{conversation_id}").click()
    expect(advisor.get_by_test_id("msg-user").last).to_contain_text("Abmahnung")
    expect(advisor).to_have_title(re.compile(rf"^#{conversation_id} · fairbot$"))
    advisor.goto("/console/inbox")
    expect(advisor.get_by_test_id("mine-item").filter(has_text=f"#{conversation_id}")).to_be_visible()
    expect(advisor.get_by_test_id(f"unread-{conversation_id}")).to_have_count(0)
    expect(advisor).to_have_title(INBOX_TITLE)
    expect(advisor.get_by_test_id("sound-toggle")).to_have_attribute("aria-pressed", "true")
