"""Every screen as people see it, in German and Arabic, on a phone and a desktop, checked by axe-core.

Screenshots go to test-output/screenshots/screens/ (<screen>-<lang>-<phone|desktop>.png) for a human to
look through; axe-core (bundled by axe-playwright-python, run inside Chromium) checks the web chat, the
inbox, the conversation page and the editor for violations of WCAG rules. Serious and critical ones fail
the test with what axe says and where; minor and moderate ones are listed in the screenshot folder's
report, so they are seen without blocking.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, login
from tests.browser.steps import hand_over, log_in_to_queue, queue_ids, wait_new_queue_item

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
LOCALES = {"de": "de-DE", "ar": "ar-SY"}
QUESTIONS = {"de": "Mein Chef zahlt mir seit zwei Monaten keinen Lohn", "ar": "صاحب العمل لم يدفع راتبي منذ شهرين"}
BLOCKING = {"serious", "critical"}
SCREENS = SCREENSHOTS / "screens"
_axe = Axe()
_found: dict[str, list[dict[str, Any]]] = {}


def _check(page: Any, screen: str, *, record: bool = True) -> list[str]:
    """axe on the page as it is now: the blocking violations, described; every violation is recorded."""
    violations = _axe.run(page).response["violations"]
    if not record:
        return [f"{v['id']} ({v['impact']})" for v in violations if v["impact"] in BLOCKING]
    _found[screen] = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "axe-report.json").write_text(json.dumps(_found, indent=1, ensure_ascii=False), encoding="utf-8")
    return [
        f"{screen}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def _shoot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_the_web_chat_in_every_size(new_page: Any, lang: str) -> None:
    problems: list[str] = []
    for size, viewport in SIZES.items():
        person = new_page(viewport=viewport, locale=LOCALES[lang])
        person.goto("/chat")
        expect(person.get_by_test_id("chat-msg-bot").first).to_be_visible()
        _shoot(person, f"chat-start-{lang}-{size}")
        problems += _check(person, f"chat-start-{lang}-{size}")
        person.get_by_test_id("chat-input").fill(QUESTIONS[lang])
        person.get_by_test_id("chat-send").click()
        expect(person.get_by_test_id("chat-msg-bot").nth(1)).to_be_visible(timeout=60_000)
        _shoot(person, f"chat-answer-{lang}-{size}")
        problems += _check(person, f"chat-answer-{lang}-{size}")
    assert not problems, "\n".join(problems)


def test_the_console_screens_in_every_size(new_page: Any) -> None:
    """Inbox, conversation (an Arabic and a German person), archive and editor, as advisors and editors see them."""
    problems: list[str] = []
    advisor = new_page(viewport=SIZES["desktop"])
    log_in_to_queue(advisor, "berater1")
    waiting: dict[str, int] = {}
    for lang in ("ar", "de"):
        before = queue_ids(advisor)
        hand_over(new_page(viewport=SIZES["phone"], locale=LOCALES[lang]), QUESTIONS[lang])
        waiting[lang] = wait_new_queue_item(advisor, before)
    for size, viewport in SIZES.items():
        advisor.set_viewport_size(viewport)
        advisor.goto("/console/inbox")
        _shoot(advisor, f"inbox-de-{size}")
        problems += _check(advisor, f"inbox-{size}")
    advisor.set_viewport_size(SIZES["desktop"])
    for lang, conversation_id in waiting.items():
        advisor.goto("/console/inbox")
        advisor.get_by_test_id(f"claim-{conversation_id}").click()
        expect(advisor).to_have_url(re.compile(rf"/console/conversations/{conversation_id}"))
        for size, viewport in SIZES.items():
            advisor.set_viewport_size(viewport)
            advisor.reload()
            expect(advisor.get_by_test_id("reply-send")).to_be_visible()
            _shoot(advisor, f"conversation-{lang}-{size}")
            problems += _check(advisor, f"conversation-{lang}-{size}")
    advisor.goto("/console/archive")
    _shoot(advisor, "archive-de-desktop")

    editor = new_page(viewport=SIZES["desktop"])
    login(editor, "redaktion")
    for size, viewport in SIZES.items():
        editor.set_viewport_size(viewport)
        editor.goto("/console/editor")
        _shoot(editor, f"editor-list-de-{size}")
        problems += _check(editor, f"editor-list-{size}")
        for lang in ("de", "ar"):
            editor.goto(f"/console/editor/entries/dismissal-written-form?lang={lang}")
            expect(editor.get_by_test_id("entry-form")).to_be_visible()
            _shoot(editor, f"editor-entry-{lang}-{size}")
            problems += _check(editor, f"editor-entry-{lang}-{size}")
    assert not problems, "\n".join(problems)


def test_the_check_fails_on_a_serious_violation(new_page: Any) -> None:
    """The checker itself: a button without a name (axe: button-name, critical) must be reported."""
    page = new_page(viewport=SIZES["phone"])
    page.goto("/chat")
    expect(page.get_by_test_id("chat-msg-bot").first).to_be_visible()
    page.evaluate("document.querySelector('main').appendChild(document.createElement('button'))")
    problems = _check(page, "self-check", record=False)
    assert any("button-name" in p for p in problems), problems
