"""The buttons the bot shows, and the callback data they carry back (the same on every channel)."""

from __future__ import annotations

from collections.abc import Callable

from bot.locales import t
from bot.services.answers import Reply
from bot.services.channels import Button, Keyboard
from bot.services.conversations.people import UI_LANGUAGES

LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "ru": "Русский",
    "uk": "Українська",
    "tr": "Türkçe",
    "fr": "Français",
}


def advisor(lang: str, reason: str = "request") -> Button:
    return Button(t("btn_advisor", lang), f"adv:{reason}")


def topics_row(lang: str) -> Keyboard:
    return [[Button(t("btn_topics", lang), "topics")]]


def topic(title: str, topic_id: str) -> Button:
    return Button(title, f"topic:{topic_id}")


def answer_keyboard(lang: str) -> Keyboard:
    """Under every answer: helpful / not helpful (naming the answer, see `outgoing`), and a human."""
    return [
        [Button(t("btn_helpful", lang), "fb:{mid}:1"), Button(t("btn_not_helpful", lang), "fb:{mid}:0")],
        [advisor(lang)],
    ]


def reply_keyboard(reply: Reply, lang: str, title_of: Callable[[str, str], str]) -> Keyboard | None:
    """The buttons of a retrieval reply: feedback under an answer, topics and a human under a fallback."""
    if reply.action == "answer":
        return answer_keyboard(lang)
    if reply.action == "fallback":
        rows = [[topic(title_of(s.topic, lang), s.topic)] for s in reply.suggestions[:3]]
        rows.append([advisor(lang, "fallback")])
        return rows
    if reply.action == "greeting":
        return topics_row(lang)
    return None


def language_keyboard() -> Keyboard:
    buttons = [Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in UI_LANGUAGES]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def consent_keyboard(handoff_id: int, lang: str) -> Keyboard:
    return [
        [
            Button(t("btn_consent_yes", lang), f"consent:{handoff_id}:y"),
            Button(t("btn_consent_no", lang), f"consent:{handoff_id}:n"),
        ]
    ]


def delete_keyboard(lang: str) -> Keyboard:
    return [[Button(t("btn_delete_yes", lang), "del:y"), Button(t("btn_delete_no", lang), "del:n")]]


def rating_keyboard(conversation_id: int) -> Keyboard:
    return [[Button(str(n), f"rate:{conversation_id}:{n}") for n in range(1, 6)]]
