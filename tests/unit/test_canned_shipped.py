"""The shipped canned replies and their fields, without a database: every reply in every served language,
fields filled from the service profile, a line without a value left out, short fields accepted."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput
from bot.services.editorial.canned import _checked, load_shipped, normalise_fields
from knowledge.schema import SUPPORTED_LANGUAGES
from knowledge.service_fields import render

PROFILE = {"operator": "Faire Arbeit Niedersachsen", "phone": "+49 511 1234567", "opening_hours": "Mo-Fr 09:00-17:00"}


def test_every_shipped_reply_exists_in_every_language() -> None:
    rows = load_shipped()
    keys = {row["key"] for row in rows}
    assert keys == {"first-reply", "send-documents", "contact", "closing"}
    for key in keys:
        assert sorted(r["language"] for r in rows if r["key"] == key) == sorted(SUPPORTED_LANGUAGES)


def test_fields_are_filled_and_empty_ones_leave_no_trace() -> None:
    for row in load_shipped():
        for values in (PROFILE, {}):
            text = render(row["text"], values)
            assert "{" not in text and "}" not in text, (row["key"], row["language"], text)
            # empty only when every line needs a value the profile lacks (then it is not offered)
            assert text.strip() or (row["key"] == "contact" and not values), (row["key"], row["language"])
    contact = next(r for r in load_shipped() if r["key"] == "contact" and r["language"] == "de")
    filled = render(contact["text"], PROFILE)
    assert "Telefon: +49 511 1234567" in filled and "Öffnungszeiten: Mo-Fr 09:00-17:00" in filled
    assert "E-Mail" not in filled and "Adresse" not in filled  # no value, no line
    # no way to reach the service outside the chat: the introduction line goes too
    assert "außerhalb des Chats" not in render(contact["text"], {"opening_hours": "Mo-Fr 09:00-17:00"})


def test_short_fields_and_unknown_fields() -> None:
    assert normalise_fields("Rufen Sie an: {phone}") == "Rufen Sie an: {service.phone}"
    assert _checked("de", " Anruf ", "Rufen Sie an: {phone}") == ("de", "Anruf", "Rufen Sie an: {service.phone}")
    with pytest.raises(InvalidInput, match="unknown field"):
        _checked("de", "IBAN", "Ihre IBAN: {service.iban}")
    with pytest.raises(InvalidInput, match="brace"):
        _checked("de", "Klammer", "Ihre Nummer: {nummer}")
    with pytest.raises(InvalidInput, match="language"):
        _checked("xx", "Titel", "Text")
