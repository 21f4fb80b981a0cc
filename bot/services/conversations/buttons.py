"""The buttons the bot shows and the typed callback data they carry back, one class per kind of press.

Every channel carries the same packed strings ("consent:12:y"): Telegram as
callback data (its routers filter with `Consent.filter()` and get a `Consent`),
the web chat as a form field (`parse` turns it back into the same classes).
Forged or stale data parses to None and gets a polite toast, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.locales import t
from bot.services.answers import Reply
from bot.services.calculators.dialog import MENU_PREFIX, TOPIC_CALCULATORS
from bot.services.channels import Button, Keyboard
from bot.services.conversations.people import UI_LANGUAGES, UiLanguage

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
# Ids are 32-bit integers in the database: a forged longer one names nothing (and must not reach a query).
MAX_DB_ID = 2**31 - 1
RowId = Annotated[int, Field(le=MAX_DB_ID)]


class Language(CallbackData, prefix="lang"):
    """A language chosen from the keyboard of /start or /language."""

    code: UiLanguage


class Topics(CallbackData, prefix="topics"):
    """Show the topics of the knowledge base."""


class Topic(CallbackData, prefix="topic"):
    """Answer with the best entry of a topic."""

    topic: Annotated[str, Field(min_length=1)]


class Alternative(CallbackData, prefix="alt"):
    """Under a near-tie: answer with this entry of the other topic instead ("Or is your question about …?")."""

    entry: Annotated[str, Field(min_length=1, max_length=58, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class Helpful(CallbackData, prefix="fb"):
    """Helpful / not helpful under the answer `message_id`."""

    message_id: RowId
    helpful: bool  # packed as 1 / 0


class Advisor(CallbackData, prefix="adv"):
    """Talk to a human; `reason` "fallback" when the bot could not answer, else a plain request."""

    reason: str


class Consent(CallbackData, prefix="consent"):
    """Yes / no to sharing the conversation with an advisor."""

    handoff_id: RowId
    answer: Literal["y", "n"]


class Rate(CallbackData, prefix="rate"):
    """The 1–5 rating after a handover."""

    conversation_id: RowId
    rating: Annotated[int, Field(ge=1, le=5)]


class Delete(CallbackData, prefix="del"):
    """Yes / no under the question whether to erase everything."""

    answer: Literal["y", "n"]


class Calculator(CallbackData, prefix="calc"):
    """A calculator button: "k-<kind>" starts one (menu, under an answer), anything else answers its question."""

    value: Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[a-z0-9_-]+$")]


class Remind(CallbackData, prefix="rem"):
    """Deadline reminders: "on" under a calculator result (`id`: its message), "off" to stop them (`id`: the reminder)."""

    action: Literal["on", "off"]
    id: RowId


class Letter(CallbackData, prefix="ltr"):
    """Under a letter's reading: "keep" it for the advisor (consent), or "calc": open its calculator with the
    letter's figures, which travel in the button itself (no letter is stored for it): the calculator (d, o, m),
    the letter's date and end date (YYYYMMDD), the authority, the remedy and whether instructions were missing."""

    action: Literal["keep", "calc"]
    calc: Literal["d", "o", "m", "-"] = "-"
    day: Annotated[str, Field(pattern=r"^(\d{8})?$")] = ""
    end: Annotated[str, Field(pattern=r"^(\d{8})?$")] = ""
    auth: Literal["jc", "aa", "fk", "ab", ""] = ""
    remedy: Literal["w", "e", "k", ""] = ""
    missing: bool = False


class Contact(CallbackData, prefix="ct"):
    """How to hear back after a handover: "w" in writing, "c" a call-back (shows the time windows),
    "t" the call-back window starting `start` (yymmddHHMM, Berlin) and ending `end` (HHMM)."""

    way: Literal["w", "c", "t"]
    start: Annotated[str, Field(pattern=r"^(\d{10})?$")] = ""
    end: Annotated[str, Field(pattern=r"^(\d{4})?$")] = ""


Press = (
    Language
    | Topics
    | Topic
    | Alternative
    | Helpful
    | Advisor
    | Consent
    | Rate
    | Delete
    | Calculator
    | Remind
    | Letter
    | Contact
)
PRESSES: dict[str, type[Press]] = {
    cls.__prefix__: cls
    for cls in (
        Language,
        Topics,
        Topic,
        Alternative,
        Helpful,
        Advisor,
        Consent,
        Rate,
        Delete,
        Calculator,
        Remind,
        Letter,
        Contact,
    )
}


def parse(data: str | None) -> Press | None:
    """Packed callback data back into its class; None for anything forged, stale or malformed."""
    kind = PRESSES.get((data or "").split(":", 1)[0])
    if kind is None or data is None:
        return None
    try:
        return kind.unpack(data)
    except (TypeError, ValueError):  # wrong number of parts, or a value of the wrong type (pydantic)
        return None


# ---------------------------------------------------------------- keyboards
def advisor(lang: str, reason: str = "request") -> Button:
    return Button(t("btn_advisor", lang), Advisor(reason=reason).pack())


def topics_row(lang: str) -> Keyboard:
    return [[Button(t("btn_topics", lang), Topics().pack())]]


def topic(title: str, topic_id: str) -> Button:
    return Button(title, Topic(topic=topic_id).pack())


KeyboardFor = Callable[[int], Keyboard]  # buttons that name the message they are under


def calculator(lang: str, kind: str) -> Button:
    """Start the guided calculator `kind` (dismissal, minimum_wage, vacation, sick_pay)."""
    return Button(t(f"calc_btn_{kind}", lang), Calculator(value=f"{MENU_PREFIX}{kind}").pack())


def answer_keyboard(lang: str, topic_id: str | None = None) -> KeyboardFor:
    """Under every answer: helpful / not helpful, naming the answer (its id is known once it is stored);
    under the answers of a topic with a calculator (dismissal, minimum wage, vacation, sick pay) that calculator."""
    kind = TOPIC_CALCULATORS.get(topic_id or "")

    def keyboard(message_id: int) -> Keyboard:
        rows = [
            [
                Button(t("btn_helpful", lang), Helpful(message_id=message_id, helpful=True).pack()),
                Button(t("btn_not_helpful", lang), Helpful(message_id=message_id, helpful=False).pack()),
            ],
            [advisor(lang)],
        ]
        return [[calculator(lang, kind)], *rows] if kind else rows

    return keyboard


def reply_keyboard(reply: Reply, lang: str, title_of: Callable[[str, str], str]) -> Keyboard | KeyboardFor | None:
    """The buttons of a retrieval reply: feedback under an answer, topics and a human under a fallback."""
    if reply.action == "answer":
        keyboard = answer_keyboard(lang, reply.topics[0].topic if reply.topics else None)
        other = reply.alternative
        if other is None or len(Alternative(entry=other.entry_id).pack()) > 64:  # 64 bytes: Telegram's limit
            return keyboard
        switch = Button(
            t("btn_or_about", lang, title=title_of(other.topic, lang)), Alternative(entry=other.entry_id).pack()
        )
        return lambda message_id: [[switch], *keyboard(message_id)]
    if reply.action == "fallback":
        rows = [[topic(title_of(s.topic, lang), s.topic)] for s in reply.suggestions[:3]]
        rows.append([advisor(lang, "fallback")])
        return rows
    if reply.action == "greeting":
        return topics_row(lang)
    return None


def language_keyboard() -> Keyboard:
    buttons = [Button(LANGUAGE_NAMES[code], Language(code=code).pack()) for code in UI_LANGUAGES]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def consent_keyboard(handoff_id: int, lang: str) -> Keyboard:
    return [
        [
            Button(t("btn_consent_yes", lang), Consent(handoff_id=handoff_id, answer="y").pack()),
            Button(t("btn_consent_no", lang), Consent(handoff_id=handoff_id, answer="n").pack()),
        ]
    ]


def delete_keyboard(lang: str) -> Keyboard:
    yes, no = Delete(answer="y").pack(), Delete(answer="n").pack()
    return [[Button(t("btn_delete_yes", lang), yes), Button(t("btn_delete_no", lang), no)]]


def remind(lang: str, message_id: int) -> Button:
    """The one tap that agrees to reminders of the deadline in the calculator result `message_id`."""
    return Button(t("remind_btn", lang), Remind(action="on", id=message_id).pack())


def stop_reminders_keyboard(lang: str, reminder_id: int) -> Keyboard:
    """Under the confirmation and under every reminder: stop them (one tap), or talk to a human."""
    return [[Button(t("remind_btn_stop", lang), Remind(action="off", id=reminder_id).pack())], [advisor(lang)]]


def contact_keyboard(lang: str) -> Keyboard:
    """Under the queue message: a written answer here (the default), or a call-back in a time window."""
    return [
        [Button(t("contact_btn_written", lang), Contact(way="w").pack())],
        [Button(t("contact_btn_callback", lang), Contact(way="c").pack())],
    ]


def window_keyboard(windows: list[tuple[str, tuple[str, str]]], lang: str) -> Keyboard:
    """The call-back windows (label, (start, end)), two to a row, and the written answer instead."""
    buttons = [Button(label, Contact(way="t", start=start, end=end).pack()) for label, (start, end) in windows]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return [*rows, [Button(t("contact_btn_written", lang), Contact(way="w").pack())]]


def rating_keyboard(conversation_id: int) -> Keyboard:
    return [[Button(str(n), Rate(conversation_id=conversation_id, rating=n).pack()) for n in range(1, 6)]]
