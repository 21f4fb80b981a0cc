"""The bot's own phrases promise only what the service promises: free, and anonymous on request (issue 14).

Why: no official source (BMAS, the counselling ordinance, faire-integration.de) says the counselling is
confidential; the fact sheet (../shared/knowledge-facts.md, about-service) confirms "free" and "anonymous
counselling possible on request". A phrase that says "vertraulich/confidential" is an unsourced promise to
vulnerable people, so the four phrases that introduce the service must say the sourced wording instead.
"""

from __future__ import annotations

import re

import pytest

from bot.locales import strings

LANGUAGES = ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")
KEYS = ("greeting", "start_intro", "webchat_privacy", "calc_offer_advisor")

# "confidential" in each language, as the old phrases said it (word stems, so inflections are caught too)
CONFIDENTIAL = re.compile(r"vertraulich|confiden|конфиденц|конфіденц|محرمان|سري|سرية|بسرية|\bgizli", re.IGNORECASE)
# "anonymous (on request)" in each language
ANONYMOUS = {
    "de": "auf Wunsch anonym",
    "en": "anonymous",
    "ar": "دون ذكر",
    "fa": "ناشناس",
    "ru": "анонимно",
    "uk": "анонімно",
    "tr": "anonim",
    "fr": "anonym",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_service_is_introduced_as_free_and_anonymous_on_request_never_as_confidential(lang: str) -> None:
    phrases = strings(lang)
    for key in KEYS:
        text = phrases[key]
        assert not CONFIDENTIAL.search(text), f"{lang}:{key} promises confidentiality: {text[:120]}"
        assert ANONYMOUS[lang].lower() in text.lower(), f"{lang}:{key} lacks the sourced 'anonymous on request'"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_consent_question_promises_only_what_holds(lang: str) -> None:
    """It used to say the advisors are "bound to confidentiality" (unsourced); now it says what the
    about-service entry says after its legal check: nothing passed on without consent unless a law or a
    court requires it (e.g. §§ 94, 95 StPO), and no name needed."""
    text = strings(lang)["consent_question"]
    assert not CONFIDENTIAL.search(text), f"{lang}: consent_question promises confidentiality: {text[:120]}"
