"""When deadline reminders fall due and what they say, in all eight languages."""

from __future__ import annotations

import datetime as dt
import string

import pytest
import yaml

from bot.locales import LOCALES_DIR, t
from bot.services import reminders
from bot.services.conversations import buttons

LANGUAGES = ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")
BERLIN = reminders.BERLIN


def test_a_week_two_days_and_the_last_day_at_nine_in_berlin_only_while_ahead() -> None:
    deadline = dt.date(2026, 11, 30)  # winter: 09:00 Berlin is 08:00 UTC
    early = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
    planned = reminders.plan(deadline, early)
    assert [days for days, _ in planned] == [7, 2, 0]
    assert [when for _, when in planned] == [
        dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC),
    ]
    # on the day of the week-ahead reminder, after nine: only the two later ones
    assert [d for d, _ in reminders.plan(deadline, dt.datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN))] == [2, 0]
    assert reminders.plan(deadline, dt.datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)) == []
    summer = reminders.plan(dt.date(2027, 7, 30), dt.datetime(2027, 7, 1, tzinfo=dt.UTC))
    assert summer[0][1] == dt.datetime(2027, 7, 23, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_bescheid_deadline_names_what_must_be_filed(lang: str) -> None:
    kind, deadline = reminders.deadline_of(
        {"calculator": "objection", "deadline": "2027-01-04", "remedy": "widerspruch"}
    ) or ("", dt.date.min)
    assert kind == "objection_widerspruch" and deadline == dt.date(2027, 1, 4)
    what = t("calc_remedy_widerspruch", lang)
    assert what in reminders.text(kind, deadline, 2, lang) and "04.01.2027" in reminders.text(kind, deadline, 0, lang)
    planned = reminders.plan(deadline, dt.datetime(2026, 12, 3, tzinfo=dt.UTC))
    confirmed = reminders.confirmation(kind, deadline, planned, lang)
    assert what in confirmed and "28.12.2026" in confirmed and "Arbeitsgericht" not in confirmed


def test_only_a_running_dismissal_deadline_starts_reminders() -> None:
    assert reminders.deadline_of({"calculator": "dismissal", "claim_deadline": "2026-11-30"}) == (
        "dismissal_claim",
        dt.date(2026, 11, 30),
    )
    assert reminders.deadline_of({"calculator": "sick_pay", "pay_until": "2026-11-30"}) is None
    assert reminders.deadline_of(None) is None


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_reminder_phrase_exists_in_all_eight_languages_with_the_same_placeholders() -> None:
    files = {lang: yaml.safe_load((LOCALES_DIR / f"{lang}.yaml").read_text(encoding="utf-8")) for lang in LANGUAGES}
    english = {k: str(v) for k, v in files["en"].items() if k.startswith("remind_")}
    assert len(english) >= 9
    for lang, strings in files.items():
        ours = {k: str(v) for k, v in strings.items() if k.startswith("remind_")}
        assert set(ours) == set(english), lang
        for key, text in english.items():
            assert _placeholders(ours[key]) == _placeholders(text), f"{lang}:{key}"
            assert lang == "en" or ours[key] != text, f"{lang}:{key} untranslated"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reminders_name_the_date_and_the_days_left(lang: str) -> None:
    week = reminders.text("dismissal_claim", dt.date(2026, 11, 30), 7, lang)
    last = reminders.text("dismissal_claim", dt.date(2026, 11, 30), 0, lang)
    assert "30.11.2026" in week and "7" in week and "Arbeitsgericht" in week
    assert "30.11.2026" in last and "Rechtsantragstelle" in last


def test_the_reminder_buttons_pack_within_telegrams_64_bytes() -> None:
    on, off = buttons.Remind(action="on", id=2**31 - 1), buttons.Remind(action="off", id=12)
    assert on.pack() == "rem:on:2147483647" and off.pack() == "rem:off:12"
    assert buttons.parse("rem:off:12") == off
    assert buttons.parse("rem:maybe:12") is None and buttons.parse("rem:on:2147483648") is None
