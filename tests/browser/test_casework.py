"""Case management in real Chromium (issue 15, major 8): an advisor states her languages, a colleague
transfers a conversation to her with a note (the person is told in their language), she closes it,
and finds it again in the archive by searching for what the person wrote."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.locales import t
from tests.browser.conftest import login, screenshot
from tests.browser.steps import PHONE, hand_over, log_in_to_queue, wait_new_queue_item

pytestmark = pytest.mark.browser


def test_transfer_with_a_note_then_find_the_closed_conversation_in_the_archive(new_page: Any) -> None:
    # Carl says which languages he speaks; colleagues see it when they choose whom to transfer to
    carl = new_page()
    login(carl, "berater2")
    carl.get_by_test_id("nav-me").click()
    carl.get_by_test_id("me-languages").fill("de, tr")
    carl.get_by_test_id("me-availability-available").check()
    carl.get_by_test_id("me-save").click()
    expect(carl.get_by_test_id("me-saved")).to_be_visible()

    bea = new_page()
    before = log_in_to_queue(bea, "berater1")
    person = new_page(viewport=PHONE)
    question = "Mein Arbeitgeber hat mir den Lohn für Oktober nicht gezahlt, Baustelle Garbsen."
    hand_over(person, question)
    conversation_id = wait_new_queue_item(bea, before)
    bea.get_by_test_id(f"claim-{conversation_id}").click()
    expect(bea.get_by_test_id("conversation-state")).to_have_text("in Beratung")

    # the transfer list: active advisors with languages and availability; no admin who does not advise
    form = bea.get_by_test_id("transfer-form")
    target = form.locator("[data-testid^=transfer-target-]", has_text="Carl Colleague")
    expect(target).to_contain_text("de, tr")
    expect(target).to_contain_text("erreichbar")
    expect(form).not_to_contain_text("Ada Admin")
    expect(form).not_to_contain_text("Edda Editor")
    note = "Lohn Oktober fehlt, Baustelle Garbsen; Stundenzettel liegen vor. Bitte Frist prüfen."
    target.locator("input[type=radio]").check()
    bea.get_by_test_id("transfer-note-text").fill(note)
    screenshot(bea, "transfer-with-note")
    bea.get_by_test_id("transfer").click()
    expect(bea).to_have_url(re.compile(r"/console/inbox"))

    # the person is told, in their language, that a colleague takes over
    expect(person.get_by_test_id("chat-msg-bot").last).to_contain_text(t("handoff_transferred", "de"))

    # Carl finds the conversation with the note, and closes it
    carl.goto("/console/inbox")
    carl.locator(f"[data-testid=mine-item] a[href$='/{conversation_id}']").click()
    expect(carl.get_by_test_id("transfer-note")).to_contain_text(note)
    expect(carl.get_by_test_id("transfer-note")).to_contain_text("Notiz zur Übergabe")
    carl.get_by_test_id("close-outcome").select_option("answered")
    carl.get_by_test_id("close").click()
    expect(carl).to_have_url(re.compile(r"/console/inbox"))

    # closed, it is gone from the inbox but the archive finds it by what the person wrote
    carl.get_by_test_id("nav-archive").click()
    carl.get_by_test_id("archive-q").fill("baustelle garbsen")
    carl.get_by_test_id("archive-state").select_option("closed")
    carl.get_by_test_id("archive-submit").click()
    rows = carl.get_by_test_id("archive-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-conversation-id", str(conversation_id))
    expect(rows.first).to_contain_text("abgeschlossen")
    expect(carl.get_by_test_id("archive-snippet").first).to_contain_text("Baustelle Garbsen")
    screenshot(carl, "archive-search")
    carl.get_by_test_id(f"archive-open-{conversation_id}").click()
    expect(carl.get_by_test_id("conversation-state")).to_have_text("abgeschlossen")
    expect(carl.get_by_test_id("msg-user").first).to_contain_text(question)
    expect(carl.get_by_test_id("transfer-note")).to_contain_text(note)

    # Bea handed it on: her archive no longer lists it
    bea.goto("/console/archive?q=Garbsen")
    expect(bea.get_by_test_id("archive-empty")).to_be_visible()
