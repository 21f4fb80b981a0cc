"""Steps the browser tests share: a person handing over in the web chat, an advisor watching the live queue."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import login

PHONE = {"width": 390, "height": 844}


def queue_ids(page: Any) -> set[int]:
    return {
        int(x)
        for x in page.locator("[data-testid=queue-item]").evaluate_all(
            "rows => rows.map(r => r.dataset.conversationId)"
        )
    }


def chat_send(page: Any, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()


def hand_over(page: Any, question: str) -> None:
    """A web-chat person asks, gets an answer, asks for an advisor and consents."""
    page.goto("/chat")
    expect(page.get_by_test_id("chat-msg-bot").first).to_be_visible()
    bots_before = page.get_by_test_id("chat-msg-bot").count()
    chat_send(page, question)
    expect(page.get_by_test_id("chat-msg-user").last).to_contain_text(question[:20])
    # the reply arrives; a message in the middle band of possible danger also brings the consent question
    expect(page.get_by_test_id("chat-msg-bot").nth(bots_before)).to_be_visible(timeout=60_000)
    advisor_button = page.locator("[data-testid=chat-button][data-action^='adv:']").last
    consent = page.locator("[data-testid=chat-button][data-action^='consent:'][data-action$=':y']").last
    # the bot's reply (and its buttons) arrived in one swap above
    if not consent.is_visible():
        if advisor_button.is_visible():
            advisor_button.click()
        else:  # whatever the bot made of the question, asking for a person always leads to consent
            chat_send(page, "Ich möchte mit einer Beraterin sprechen")
    expect(consent).to_be_visible()
    consent.click()
    expect(page.locator("[data-testid=chat-button][data-action^='consent:']")).to_have_count(0)


def wait_new_queue_item(page: Any, before: set[int]) -> int:
    """Waits (without reloading: the queue is live by SSE) for a conversation not in `before`."""
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=queue-item]').length > n", arg=len(before), timeout=30_000
    )
    new = queue_ids(page) - before
    assert new, "the queue grew but no new conversation id appeared"
    return max(new)


def log_in_to_queue(page: Any, username: str) -> set[int]:
    """Logs the advisor in and waits until the queue is live (by SSE); the conversations already waiting."""
    login(page, username)
    expect(page.get_by_test_id("queue-live")).to_be_visible()
    return queue_ids(page)
