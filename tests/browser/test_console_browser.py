"""The console and the web chat in real Chromium: what advisors, editors and people actually do.

Every step goes through the browser (or, for the claim race, through concurrent HTTP
requests carrying real browser sessions); elements are found by data-testid.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from bot.locales import t
from bot.services.calculators.working_days import today_in_berlin
from tests.browser.conftest import PASSWORD, LiveServer, login, screenshot
from tests.browser.steps import PHONE, chat_send, hand_over, log_in_to_queue, queue_ids, wait_new_queue_item

pytestmark = pytest.mark.browser


def test_login_lockout_and_roles(new_page: Any) -> None:
    page = new_page()
    page.goto("/console/inbox")
    expect(page).to_have_url(re.compile(r"/console/login"))
    for _ in range(5):
        login(page, "locky", "wrong-password-123")
        expect(page.get_by_test_id("login-error")).to_be_visible()
    login(page, "locky")  # the right password no longer helps
    expect(page.get_by_test_id("login-error")).to_contain_text("gesperrt")
    expect(page).to_have_url(re.compile(r"/console/login"))

    # keyboard only: the username field has focus, Tab to the password, Enter submits
    page.goto("/console/login")
    expect(page.get_by_test_id("login-username")).to_be_focused()  # autofocus
    page.keyboard.type("berater1")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/inbox"))
    expect(page.get_by_test_id("whoami")).to_contain_text("Bea Berater")
    page.goto("/console/editor")
    expect(page.get_by_test_id("error-message")).to_be_visible()  # advisors do not edit the knowledge base
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("logout")).to_have_text("Log out")
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/console/login"))


def test_handover_claim_reply_seen_by_person(new_page: Any) -> None:
    advisor = new_page()
    before = log_in_to_queue(advisor, "berater1")

    person = new_page(viewport=PHONE)
    question = "Mein Chef hat mir am 3.11. per WhatsApp gekündigt, gilt das?"
    hand_over(person, question)
    screenshot(person, "webchat-phone")

    conversation_id = wait_new_queue_item(advisor, before)
    screenshot(advisor, "inbox")
    advisor.get_by_test_id(f"claim-{conversation_id}").click()
    expect(advisor).to_have_url(re.compile(rf"/console/conversations/{conversation_id}"))
    expect(advisor.get_by_test_id("conversation-state")).to_have_text("in Beratung")
    expect(advisor.get_by_test_id("packet-language")).to_have_text("de")
    expect(advisor.get_by_test_id("packet-dates")).to_contain_text("03.11.")
    expect(advisor.locator("[data-testid=deadline][data-rule=kschg-4]").first).to_contain_text("§ 4 KSchG")
    expect(advisor.get_by_test_id("msg-user").first).to_contain_text(question)
    expect(advisor.get_by_test_id("msg-entry").first).to_have_text(re.compile(r"dismissal-"))
    screenshot(advisor, "transcript")

    # canned reply fills the box, the advisor edits and sends
    advisor.get_by_test_id("canned-select").select_option(label="[de] Begrüßung")
    expect(advisor.get_by_test_id("reply-text")).to_have_value("Guten Tag, hier ist die Beratung.")
    reply = "Guten Tag, hier ist Bea. Bitte schicken Sie mir ein Foto der Nachricht."
    advisor.get_by_test_id("reply-text").fill(reply)
    advisor.get_by_test_id("reply-send").click()
    last_advisor = advisor.get_by_test_id("msg-advisor").last
    expect(last_advisor).to_contain_text(reply)
    expect(last_advisor.locator("[data-testid^=delivery-]")).to_have_text("zugestellt")

    # the person sees it live, and their answer reaches the advisor live
    expect(person.get_by_test_id("chat-msg-advisor").last).to_contain_text(reply)
    chat_send(person, "Danke, ich schicke das Foto gleich.")
    expect(advisor.get_by_test_id("msg-user").last).to_contain_text("ich schicke das Foto")

    advisor.get_by_test_id("note-text").fill("Frist prüfen: Zugang des Briefs erfragen")
    advisor.get_by_test_id("note-add").click()
    expect(advisor.get_by_test_id("note").last).to_contain_text("Frist prüfen")

    advisor.set_viewport_size(PHONE)
    expect(advisor.get_by_test_id("reply-send")).to_be_visible()
    screenshot(advisor, "transcript-phone")
    advisor.set_viewport_size({"width": 1280, "height": 900})

    advisor.get_by_test_id("close-outcome").select_option("answered")
    advisor.get_by_test_id("close").click()
    expect(advisor).to_have_url(re.compile(r"/console/inbox"))
    expect(person.get_by_test_id("chat-msg-bot").last).to_be_visible()


def test_claim_race_has_one_winner(new_page: Any, live_server: LiveServer) -> None:
    first, second = new_page(), new_page()
    login(first, "berater1")
    login(second, "berater2")
    before = queue_ids(first)
    person = new_page()
    hand_over(person, "Ich habe seit zwei Monaten keinen Lohn bekommen, was kann ich tun?")
    conversation_id = wait_new_queue_item(first, before)
    second.reload()
    expect(second.get_by_test_id(f"claim-{conversation_id}")).to_be_visible()

    # Both browsers submit at once: each arms a copy of its claim form outside the live queue
    # (which re-renders when the other advisor wins), then both fire without waiting.
    arm = """id => {
        const form = document.querySelector(`[data-testid=claim-${id}]`).form.cloneNode(true);
        form.hidden = true;
        document.body.appendChild(form);
        window.fireClaim = () => form.requestSubmit();
    }"""
    first.evaluate(arm, conversation_id)
    second.evaluate(arm, conversation_id)
    first.evaluate("window.fireClaim()")
    second.evaluate("window.fireClaim()")
    first.wait_for_load_state()
    second.wait_for_load_state()
    outcomes = []
    for page in (first, second):
        page.wait_for_selector("[data-testid=conversation-state], [data-testid=claim-error]")
        outcomes.append("won" if page.get_by_test_id("conversation-state").count() else "lost")
    assert sorted(outcomes) == ["lost", "won"], outcomes
    loser = first if outcomes[0] == "lost" else second
    winner = second if loser is first else first
    expect(loser.get_by_test_id("claim-error")).to_contain_text("bereits übernommen")

    # the winner hands the conversation to the colleague, who now finds it under "my conversations"
    winner.get_by_test_id("transfer-form").get_by_label(
        loser.get_by_test_id("whoami").inner_text().split(" (")[0]
    ).check()
    winner.get_by_test_id("transfer").click()
    expect(winner).to_have_url(re.compile(r"/console/inbox"))
    loser.goto("/console/inbox")
    expect(loser.locator(f"[data-testid=mine-item] a[href$='/{conversation_id}']")).to_be_visible()
    winner.goto(f"/console/conversations/{conversation_id}")
    expect(winner.get_by_test_id("error-message")).to_be_visible()  # no longer theirs to see

    # And many concurrent requests with both advisors' real sessions: still exactly one winner.
    person2 = new_page()
    first.goto("/console/inbox")
    before = queue_ids(first)
    hand_over(person2, "Mein Arbeitgeber zahlt den Lohn nicht, wer hilft mir?")
    conversation_id = wait_new_queue_item(first, before)
    clients = [_http_client(page, live_server) for page in (first, second)]
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def claim(client: tuple[httpx.Client, str]) -> None:
        http, token = client
        barrier.wait()
        response = http.post(f"/console/conversations/{conversation_id}/claim", data={"csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=claim, args=(clients[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [303] + [409] * 7, statuses


def _http_client(page: Any, live_server: LiveServer) -> tuple[httpx.Client, str]:
    page.goto("/console/inbox")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return httpx.Client(base_url=live_server.url, cookies=cookies, follow_redirects=False, timeout=60), str(token)


def test_editor_publish_changes_the_bots_next_answer(new_page: Any, live_server: LiveServer) -> None:
    from bot.services.answers import AnswerService

    # a second "bot process" that loaded the index before the edit
    other_process = AnswerService.from_settings(live_server.settings, build_if_missing=False)
    question = "Mein Chef hat mir per WhatsApp gekündigt, ist das gültig?"
    assert other_process.respond(question).entry_id == "dismissal-written-form"

    editor = new_page()
    login(editor, "redaktion")
    expect(editor).to_have_url(re.compile(r"/console/editor"))
    editor.get_by_test_id("nav-canned").click()
    editor.get_by_test_id("canned-language").select_option("ar")
    editor.get_by_test_id("canned-title").fill("Termin")
    editor.get_by_test_id("canned-text").fill("مرحبا، يمكننا تحديد موعد.")
    editor.get_by_test_id("canned-add").click()
    expect(editor.get_by_test_id("canned-row").filter(has_text="Termin")).to_be_visible()
    editor.goto("/console/editor")
    expect(editor.locator("[data-testid=entry-row]")).to_have_count(3)
    screenshot(editor, "editor-workspace")
    editor.get_by_test_id("entry-link-dismissal-written-form").click()
    marker = "Wichtig (geprüft im Browsertest):"
    answer = editor.get_by_test_id("entry-answer")
    new_answer = f"{marker} Eine Kündigung per WhatsApp ist unwirksam. Sie brauchen ein Papier mit Unterschrift."
    answer.fill(new_answer)
    expect(editor.get_by_test_id("entry-preview")).to_contain_text(marker)  # live preview, no reload
    screenshot(editor, "editor-entry")
    editor.get_by_test_id("save-draft").click()
    expect(editor.get_by_test_id("notice")).to_be_visible()
    expect(editor.get_by_test_id("revision")).to_have_count(1)
    editor.get_by_test_id("publish").click()
    expect(editor.get_by_test_id("notice")).to_contain_text("Veröffentlicht", timeout=120_000)

    person = new_page()
    person.goto("/chat")
    chat_send(person, question)
    expect(person.get_by_test_id("chat-msg-bot").last).to_contain_text(marker, timeout=60_000)
    # the other process swaps to the new index on its next request, without a restart
    assert marker in other_process.respond(question).html

    # the unanswered report lists what people asked without a good answer: here, this person's next question
    unanswered = "Wie backe ich einen Apfelkuchen mit Streuseln?"
    assert other_process.respond(unanswered).action == "fallback"
    chat_send(person, unanswered)
    # the fallback reply is stored in the same transaction as the report's row: once it shows, the row is there
    expect(person.get_by_test_id("chat-msg-bot").last).to_contain_text(t("fallback", "de"), timeout=60_000)
    editor.get_by_test_id("nav-unanswered").click()
    expect(editor.get_by_test_id("unanswered-item").filter(has_text=unanswered)).to_have_count(1)
    expect(editor.get_by_test_id("unanswered-empty")).to_have_count(0)
    screenshot(editor, "editor-unanswered")
    # the "try a question" box shows the ranking with scores
    editor.goto("/console/editor/try")
    editor.get_by_test_id("try-input").fill(question)
    editor.get_by_test_id("try-submit").click()
    expect(editor.get_by_test_id("try-rank").first).to_contain_text("dismissal-written-form")
    # the stale-translation marker: German changed after the other languages
    editor.goto("/console/editor?state=stale")
    expect(editor.locator("[data-testid=entry-row]")).to_have_count(1)
    # revision diff and rollback
    editor.goto("/console/editor/entries/dismissal-written-form")
    editor.get_by_test_id("revision-diff").first.click()
    expect(editor.get_by_test_id("diff")).to_contain_text(marker)
    editor.get_by_test_id("rollback").click()
    expect(editor.get_by_test_id("notice")).to_be_visible()
    expect(editor.get_by_test_id("revision")).to_have_count(2)


def test_xss_payloads_stay_text(new_page: Any) -> None:
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script><b>fett</b>'
    advisor = new_page()
    login(advisor, "berater2")
    before = queue_ids(advisor)
    person = new_page()
    hand_over(person, payload)
    expect(person.get_by_test_id("chat-msg-user").first).to_contain_text(payload)
    assert person.locator("#chatlog img, #chatlog script, #chatlog .text b").count() == 0
    conversation_id = wait_new_queue_item(advisor, before)
    advisor.goto(f"/console/conversations/{conversation_id}")
    expect(advisor.get_by_test_id("msg-user").first).to_contain_text(payload)
    assert advisor.locator("[data-testid=transcript] img, [data-testid=transcript] script").count() == 0

    editor = new_page()
    login(editor, "redaktion")
    editor.goto("/console/editor/entries/wage-unpaid-claim-deadlines?lang=en")
    editor.get_by_test_id("entry-title").fill(payload)
    expect(editor.get_by_test_id("entry-preview")).to_contain_text("alert(2)")
    assert editor.locator("[data-testid=entry-preview] img, [data-testid=entry-preview] script").count() == 0
    editor.get_by_test_id("entry-answer").fill(payload)
    editor.get_by_test_id("save-draft").click()
    expect(editor.get_by_test_id("form-errors")).to_contain_text("plain text")
    assert editor.locator("main img, main script").count() == 0


def test_security_headers_and_csrf(new_page: Any, live_server: LiveServer) -> None:
    page = new_page()
    response = page.goto("/console/login")
    assert response is not None
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    cookie = next(c for c in page.context.cookies() if c["name"] == "fairbot_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    # a login form posted without the session's token is refused
    forged = httpx.post(
        f"{live_server.url}/console/login", data={"username": "admin", "password": PASSWORD}, timeout=30
    )
    assert forged.status_code == 403


def test_audit_log_records_transcript_openings(new_page: Any) -> None:
    """An advisor opens a transcript (set up here, not left by an earlier test); the admin sees who opened which."""
    advisor = new_page()
    before = log_in_to_queue(advisor, "berater2")
    hand_over(new_page(viewport=PHONE), "Mein Arbeitgeber zahlt mir den Urlaub nicht aus")
    conversation_id = wait_new_queue_item(advisor, before)
    advisor.goto(f"/console/conversations/{conversation_id}")
    expect(advisor.get_by_test_id("conversation-state")).to_be_visible()

    admin = new_page(viewport=PHONE)
    login(admin, "admin")
    admin.goto("/console/audit?action=transcript.open")
    opened = admin.get_by_test_id("audit-row").filter(has_text=re.compile(rf"conversation {conversation_id}\b"))
    expect(opened).to_have_count(1)
    expect(opened).to_contain_text("berater2")
    expect(opened).to_contain_text("transcript.open")
    screenshot(admin, "audit-phone")


@pytest.mark.parametrize("locale", ["ar-SY", "fa-IR"])
def test_right_to_left_web_chat_fits_a_phone(new_page: Any, locale: str) -> None:
    """The Arabic and Persian web chat opened blank on a phone: the page scrolled to an off-screen label."""
    person = new_page(viewport=PHONE, locale=locale)
    person.goto("/chat")
    expect(person.locator("html")).to_have_attribute("dir", "rtl")
    chat_send(person, "صاحب العمل لم يدفع راتبي" if locale.startswith("ar") else "کارفرما حقوقم را نداده")
    replies = person.get_by_test_id("chat-msg-bot")
    expect(replies.nth(1)).to_be_visible(timeout=60_000)
    width = person.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    assert person.evaluate("window.scrollX") == 0
    for locator in (person.get_by_test_id("chat-input"), replies.last):
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(person, f"chat-rtl-{locale}")


def test_a_running_deadline_is_marked_and_comes_first_in_the_queue(new_page: Any) -> None:
    """A person computes a dismissal deadline in the web chat and asks for an advisor: the inbox marks the
    conversation with the days left and lists it before every conversation without a mark."""
    advisor = new_page()
    before = log_in_to_queue(advisor, "berater1")

    plain = new_page(viewport=PHONE)
    hand_over(plain, "Ich möchte mit einer Beraterin über meinen Arbeitsvertrag sprechen")
    wait_new_queue_item(advisor, before)
    before = queue_ids(advisor)

    person = new_page(viewport=PHONE)
    person.goto("/chat")
    expect(person.get_by_test_id("chat-msg-bot").first).to_be_visible()
    chat_send(person, "/frist")
    person.locator("[data-testid=chat-button][data-action='calc:k-dismissal']").last.click()
    expect(person.get_by_test_id("chat-msg-bot").last).to_contain_text("Kündigungsschreiben")
    received = today_in_berlin() - dt.timedelta(days=20)
    chat_send(person, f"{received:%d.%m.%Y}")
    expect(person.get_by_test_id("chat-msg-bot").last).to_contain_text("Seit wann arbeiten Sie dort?")
    person.locator("[data-testid=chat-button][data-action='calc:skip']").last.click()
    expect(person.get_by_test_id("chat-msg-bot").last).to_contain_text("Enddatum")
    person.locator("[data-testid=chat-button][data-action='calc:skip']").last.click()
    expect(person.get_by_test_id("chat-msg-bot").last).to_contain_text("erste Einschätzung")
    person.locator("[data-testid=chat-button][data-action^='adv:']").last.click()
    consent = person.locator("[data-testid=chat-button][data-action^='consent:'][data-action$=':y']").last
    consent.click()
    expect(person.locator("[data-testid=chat-button][data-action^='consent:']")).to_have_count(0)

    conversation_id = wait_new_queue_item(advisor, before)
    mark = advisor.get_by_test_id(f"triage-{conversation_id}")
    expect(mark).to_contain_text(
        re.compile(r"Frist läuft: noch \d+ Tage? \(Kündigungsschutzklage bis \d\d\.\d\d\.\d{4}\)")
    )
    rows = advisor.locator("[data-testid=queue-item]").evaluate_all(
        "rows => rows.map(r => [Number(r.dataset.conversationId), r.dataset.triage])"
    )
    ours = next(i for i, (cid, _) in enumerate(rows) if cid == conversation_id)
    unmarked = [i for i, (_, kind) in enumerate(rows) if not kind]
    assert unmarked and ours < min(unmarked), rows
    screenshot(advisor, "inbox-triage")
