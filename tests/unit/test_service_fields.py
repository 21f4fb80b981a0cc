"""Service-profile fields in entries: only allow-listed names, filled line by line, nothing left when unset."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.services.service_profile import ProfileError, ServiceProfileStore
from knowledge.loader import load_entries
from knowledge.schema import EntryText
from knowledge.service_fields import FIELD, render, shown_length

ROOT = Path(__file__).resolve().parents[2]
CONTACT = "Rufen Sie an:{service.if_contact}\nTelefon: {service.phone}\nE-Mail: {service.email}\nFragen Sie im Chat (/advisor).{service.if_no_contact}"


def test_a_set_field_is_filled_in_and_an_unset_one_leaves_no_trace() -> None:
    text = render(CONTACT, {"phone": "+49 511 1234567", "email": "  "})
    assert text == "Rufen Sie an:\nTelefon: +49 511 1234567"
    assert render(CONTACT, {}) == "Fragen Sie im Chat (/advisor)."


def test_the_controller_fallback_line_shows_only_while_the_controller_is_unset() -> None:
    text = (
        "Verantwortlich: {service.privacy_controller}\n{service.if_no_privacy_controller}Verantwortlich ist der Träger."
    )
    assert render(text, {}) == "Verantwortlich ist der Träger."
    assert render(text, {"privacy_controller": "  "}) == "Verantwortlich ist der Träger."
    assert (
        render(text, {"privacy_controller": "Beispiel e. V., Hannover"}) == "Verantwortlich: Beispiel e. V., Hannover"
    )


def test_the_length_limit_counts_the_controller_line_or_its_fallback_never_both() -> None:
    text = "Absatz.\n\nVerantwortlich: {service.privacy_controller}\n{service.if_no_privacy_controller}Der Träger, fragen Sie."
    with_controller = "Absatz.\n\nVerantwortlich: {service.privacy_controller}"
    fallback = "Absatz.\n\n{service.if_no_privacy_controller}Der Träger, fragen Sie."
    assert shown_length(text) == max(len(with_controller), len(fallback)) < len(text)
    contact = "Telefon: {service.phone}\nFragen Sie.{service.if_no_contact}"
    assert shown_length(contact) == len(contact)  # other lines: as written


def test_a_paragraph_that_loses_every_line_disappears() -> None:
    text = render("Erster Absatz.\n\nTräger: {service.operator}\n\nLetzter Absatz.", {})
    assert text == "Erster Absatz.\n\nLetzter Absatz."


def test_unknown_fields_and_stray_braces_are_refused_in_answers() -> None:
    with pytest.raises(ValidationError, match=r"unknown field \{service\.phon\}"):
        EntryText(title="t", answer="Telefon: {service.phon}")
    with pytest.raises(ValidationError, match="brace outside a field"):
        EntryText(title="t", answer="Telefon: {phone}")
    with pytest.raises(ValidationError, match="only in answers"):
        EntryText(title="Telefon {service.phone}", answer="a")
    assert EntryText(title="t", answer="Telefon: {service.phone}").answer == "Telefon: {service.phone}"


def test_every_entry_renders_without_a_field_or_brace_when_nothing_is_configured() -> None:
    entries = load_entries(ROOT / "knowledge" / "entries")
    with_fields = [e for e in entries for t in e.texts.values() if FIELD.search(t.answer)]
    assert {e.id for e in with_fields} >= {
        "about-service-contact-niedersachsen",
        "about-service-who-we-are",
        "privacy-what-is-stored",
        "privacy-delete-and-rights",
    }
    for entry in entries:
        for lang, text in entry.texts.items():
            shown = render(text.answer, {})
            assert "{" not in shown and "}" not in shown, (entry.id, lang)
            assert shown.strip(), (entry.id, lang)


def test_profile_file_environment_override_and_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("PHONE", "EMAIL", "OPERATOR", "LANGUAGES"):
        monkeypatch.delenv(f"FAIRBOT_SERVICE_{name}", raising=False)
    settings = Settings(_env_file=None, fairbot_data_dir=tmp_path, retention_days=30)  # type: ignore[call-arg]
    store = ServiceProfileStore(settings)
    assert store.values() == {"retention_days": "30"}  # no file: nothing configured but the purge's period
    (tmp_path / "service-profile.yaml").write_text(
        "phone: '+49 511 1234567'\nlanguages: [Deutsch, Englisch]\n", encoding="utf-8"
    )
    assert store.values() == {"phone": "+49 511 1234567", "languages": "Deutsch, Englisch", "retention_days": "30"}
    monkeypatch.setenv("FAIRBOT_SERVICE_PHONE", "+49 30 7654321")
    monkeypatch.setenv("FAIRBOT_SERVICE_LANGUAGES", "Russisch, Arabisch")
    values = ServiceProfileStore(settings).values()  # the environment is read once, at start
    assert values["phone"] == "+49 30 7654321" and values["languages"] == "Russisch, Arabisch"
    assert ServiceProfileStore(settings).environment() == {
        "phone": "+49 30 7654321",
        "languages": ["Russisch", "Arabisch"],
    }
    for bad, reason in (
        ({"phone": "[TODO]"}, "placeholder"),
        ({"email": "beratung at example"}, "e-mail address"),
        ({"fax": "1"}, "Extra inputs"),
    ):
        with pytest.raises(ProfileError, match=reason):
            store.parse(bad)
    (tmp_path / "service-profile.yaml").write_text("phone: TODO\n", encoding="utf-8")  # a broken file
    assert "phone" not in store.values()  # is left out, not shown, and does not break replies
    (tmp_path / "service-profile.yaml").unlink()
    assert store.values() == {"retention_days": "30"}
