"""Safe contact: office hours in the person's language, and the call-back windows offered by buttons."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services import contact
from bot.services.conversations import buttons
from bot.services.handoff import BERLIN, OpeningHours

HOURS = OpeningHours.parse("Mo-Th 09:00-16:00; Fr 09:00-13:00")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", "Montag–Donnerstag 09:00–16:00, Freitag 09:00–13:00"),
        ("ar", "الاثنين–الخميس 09:00–16:00, الجمعة 09:00–13:00"),
        ("uk", "понеділок–четвер 09:00–16:00, пʼятниця 09:00–13:00"),
    ],
)
def test_office_hours_as_the_profile_writes_them_with_weekdays_in_the_persons_language(
    lang: str, expected: str
) -> None:
    assert contact.localized_hours("Mo-Do 09:00-16:00, Fr 09:00-13:00", lang) == expected
    assert contact.localized_hours("Mo-Fr 9-17 Uhr", "en") == "Monday–Friday 9–17 Uhr"


def test_windows_halve_each_opening_slot_on_the_next_two_opening_days() -> None:
    thursday_morning = dt.datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)
    offered = contact.windows(HOURS, thursday_morning)
    assert [(w.start.strftime("%a %H:%M"), w.end.strftime("%H:%M")) for w in offered] == [
        ("Thu 12:00", "16:00"),  # 09:00-12:00 has begun
        ("Fri 09:00", "11:00"),
        ("Fri 11:00", "13:00"),
    ]
    assert offered[1].label("de") == "Freitag, 04.12. 09:00–11:00"
    friday_evening = dt.datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN)
    assert [w.start.date().isoformat() for w in contact.windows(HOURS, friday_evening)] == ["2026-12-07"] * 2 + [
        "2026-12-08"
    ] * 2


def test_a_button_names_a_window_only_while_it_is_offered() -> None:
    now = dt.datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)
    start, end = contact.windows(HOURS, now)[1].packed()
    assert (start, end) == ("2612040900", "1100")
    assert contact.find(HOURS, now, start, end) is not None
    assert contact.find(HOURS, now + dt.timedelta(days=1), start, end) is None  # the time has passed
    assert contact.find(HOURS, now, "2612040900", "1300") is None  # not a window we offered
    packed = buttons.Contact(way="t", start=start, end=end).pack()
    assert packed == "ct:t:2612040900:1100" and len(packed.encode()) <= 64
    assert buttons.parse(packed) == buttons.Contact(way="t", start=start, end=end)
    assert buttons.parse("ct:t:tomorrow:1100") is None and buttons.parse("ct:x::") is None


def test_no_opening_hours_no_windows() -> None:
    assert contact.windows(OpeningHours.parse(""), dt.datetime(2026, 12, 3, tzinfo=dt.UTC)) == []


def test_every_contact_phrase_exists_in_all_eight_languages_with_the_same_placeholders() -> None:
    import string

    import yaml

    from bot.locales import LOCALES_DIR

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    files = {
        lang: yaml.safe_load((LOCALES_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))
        for lang in ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")
    }
    english = {k: str(v) for k, v in files["en"].items() if k.startswith("contact_")}
    assert len(english) == 8
    for lang, strings in files.items():
        ours = {k: str(v) for k, v in strings.items() if k.startswith("contact_")}
        assert set(ours) == set(english), lang
        for key, text in english.items():
            assert fields(ours[key]) == fields(text), f"{lang}:{key}"
            assert lang == "en" or ours[key] != text, f"{lang}:{key} untranslated"
