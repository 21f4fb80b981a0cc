"""The buttons' callback data: typed classes, the same packed strings on Telegram and in the web chat."""

from __future__ import annotations

import pytest

from bot.services.conversations import buttons
from bot.services.conversations.buttons import Advisor, Consent, Delete, Helpful, Language, Rate, Topic, Topics
from bot.services.conversations.people import UI_LANGUAGES

# The wire format is what keyboards already sent to people carry: it must not change under them.
PACKED = [
    (Language(code="ar"), "lang:ar"),
    (Topics(), "topics"),
    (Topic(topic="wages"), "topic:wages"),
    (Helpful(message_id=12, helpful=True), "fb:12:1"),
    (Helpful(message_id=12, helpful=False), "fb:12:0"),
    (Advisor(reason="fallback"), "adv:fallback"),
    (Consent(handoff_id=7, answer="y"), "consent:7:y"),
    (Rate(conversation_id=3, rating=5), "rate:3:5"),
    (Delete(answer="n"), "del:n"),
]


@pytest.mark.parametrize(("pressed", "packed"), PACKED)
def test_every_press_packs_to_its_known_string_and_back(pressed: buttons.Press, packed: str) -> None:
    assert pressed.pack() == packed
    assert buttons.parse(packed) == pressed
    assert type(buttons.parse(packed)) is type(pressed)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "nonsense",
        "forged:data:that:means:nothing",
        "lang:xx",  # not a UI language
        "topic:",  # no topic
        "topics:extra",
        "fb:abc",
        "fb:abc:1",
        "fb:12:maybe",
        "consent:999:maybe",
        "consent:x:y",
        "rate:1:9",  # outside 1–5
        "rate:1:0",
        "del:maybe",
        "adv",
        "x" * 200,
        "fb:" + "9" * 24 + ":1",  # an id no row can have
        "consent:2147483648:y",
        "rate:99999999999:3",
    ],
)
def test_forged_or_malformed_data_parses_to_nothing(data: str | None) -> None:
    assert buttons.parse(data) is None


def test_keyboards_carry_packed_typed_data_within_telegrams_limit() -> None:
    rows = [
        *buttons.language_keyboard(),
        *buttons.answer_keyboard("de")(buttons.MAX_DB_ID),
        *buttons.consent_keyboard(buttons.MAX_DB_ID, "de"),
        *buttons.rating_keyboard(buttons.MAX_DB_ID),
        *buttons.delete_keyboard("ar"),
        *buttons.topics_row("uk"),
    ]
    for row in rows:
        for button in row:
            assert buttons.parse(button.data) is not None, button
            assert len(button.data.encode()) <= 64
    assert [buttons.parse(b.data) for row in buttons.language_keyboard() for b in row] == [
        Language(code=code) for code in UI_LANGUAGES
    ]
    answer = buttons.answer_keyboard("de")(41)
    assert [buttons.parse(b.data) for b in answer[0]] == [
        Helpful(message_id=41, helpful=True),
        Helpful(message_id=41, helpful=False),
    ]


def test_the_near_tie_button_packs_every_entry_id_within_telegrams_limit() -> None:
    """ "Or is your question about …?" carries the other entry's id: every id of the knowledge base fits."""
    from bot.config import PROJECT_ROOT

    ids = [path.stem for path in (PROJECT_ROOT / "knowledge" / "entries").glob("*/*.yaml")]
    assert ids
    for entry_id in ids:
        packed = buttons.Alternative(entry=entry_id).pack()
        assert len(packed.encode()) <= 64 and buttons.parse(packed) == buttons.Alternative(entry=entry_id)
    assert buttons.parse("alt:../etc") is None and buttons.parse("alt:") is None
