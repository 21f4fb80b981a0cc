"""Canned replies in real Chromium: an advisor proposes one from the conversation page, an admin approves
it, an editor puts a service-profile field into another; the advisor picks both and the reply box gets
the text with the profile's phone number filled in, and never a placeholder."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, login, screenshot
from tests.integration.test_console_http import _waiting_conversation

pytestmark = pytest.mark.browser
PHONE = "+49 511 1234567"


@pytest.fixture(scope="module")
def conversation_id(live_server: LiveServer) -> int:
    profile = live_server.settings.fairbot_data_dir / "service-profile.yaml"
    profile.write_text(f'phone: "{PHONE}"\n', encoding="utf-8")
    return int(live_server.run(lambda runtime: _waiting_conversation(runtime.db)))


def test_propose_approve_edit_and_pick(new_page: Any, conversation_id: int) -> None:
    advisor = new_page()
    login(advisor, "berater1")
    advisor.goto(f"/console/conversations/{conversation_id}")
    advisor.get_by_test_id("claim").click()
    expect(advisor.get_by_test_id("canned-select")).to_be_visible()

    # the advisor proposes a reply; it is not offered yet
    advisor.get_by_test_id("canned-propose-link").click()
    expect(advisor.get_by_test_id("propose-language")).to_have_value("de")
    advisor.get_by_test_id("propose-title").fill("Termin anbieten")
    advisor.get_by_test_id("propose-text").fill("Wir können gern einen Termin vereinbaren.")
    advisor.get_by_test_id("propose-submit").click()
    expect(advisor.get_by_test_id("notice")).to_contain_text("Vorschlag gesendet")
    advisor.goto(f"/console/conversations/{conversation_id}")
    expect(advisor.locator("[data-testid=canned-select] option", has_text="Termin anbieten")).to_have_count(0)

    # an admin approves it; an editor adds the phone field to the English greeting
    admin = new_page()
    login(admin, "admin")
    admin.get_by_test_id("nav-canned").click()
    proposal = admin.get_by_test_id("canned-proposal").filter(has_text="Termin anbieten")
    expect(proposal).to_be_visible()
    screenshot(admin, "canned-proposal-de-desktop")
    proposal.get_by_role("button", name="Freigeben").click()
    expect(admin.get_by_test_id("notice")).to_contain_text("freigegeben")
    editor = new_page()
    login(editor, "redaktion")
    editor.get_by_test_id("nav-canned").click()
    greeting = editor.get_by_test_id("canned-row").filter(has_text="Greeting")
    greeting.locator("summary").click()
    greeting.locator("textarea").fill("Hello, this is your advisor.\nYou can also call us: {phone}\nE-mail: {email}")
    greeting.get_by_role("button", name="Speichern").click()
    expect(editor.get_by_test_id("notice")).to_contain_text("gespeichert")

    # the advisor picks both: the approved proposal, and the greeting with the phone and no e-mail line
    advisor.reload()
    advisor.get_by_test_id("canned-select").select_option(label="[de] Termin anbieten")
    expect(advisor.get_by_test_id("reply-text")).to_have_value("Wir können gern einen Termin vereinbaren.")
    advisor.get_by_test_id("canned-select").select_option(label="[en] Greeting")
    expect(advisor.get_by_test_id("reply-text")).to_have_value(
        f"Hello, this is your advisor.\nYou can also call us: {PHONE}"
    )
    screenshot(advisor, "canned-filled-de-desktop")
