"""The service profile end to end: the answers people get, and the console page that admins (only) save it with."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.services import accounts
from bot.services.answers import AnswerService
from bot.services.service_profile import ServiceProfileStore
from knowledge.schema import SUPPORTED_LANGUAGES
from tests.e2e.harness import answer_service, make_settings, running_app

PASSWORD = "a-long-enough-password"
PROFILE_ENTRIES = (
    "about-service-contact-niedersachsen",
    "about-service-who-we-are",
    "privacy-what-is-stored",
    "privacy-delete-and-rights",
)


@pytest.fixture(autouse=True)
def _no_profile_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    for name in ("OPERATOR", "ADDRESS", "PHONE", "EMAIL", "MESSENGER", "LANGUAGES", "OPENING_HOURS"):
        monkeypatch.delenv(f"FAIRBOT_SERVICE_{name}", raising=False)
    monkeypatch.delenv("FAIRBOT_SERVICE_PRIVACY_CONTROLLER", raising=False)


def _answers(settings: Settings) -> AnswerService:
    """The project's loaded answer service (model and index), with this deployment's profile."""
    shared = answer_service()
    return AnswerService(
        shared.retriever, shared.rules, shared.thresholds, settings.fairbot_region, ServiceProfileStore(settings)
    )


def _text(reply_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", reply_html))


def _entry_text(service: AnswerService, entry_id: str, lang: str = "de") -> str:
    return _text(service.compose_entry(service.retriever.index.entries[entry_id], lang))


def test_a_configured_phone_appears_in_the_contact_answer(tmp_path: Path) -> None:
    (tmp_path / "service-profile.yaml").write_text(
        "phone: '+49 511 1234567'\noperator: Beispielträger e. V.\n", encoding="utf-8"
    )
    service = _answers(make_settings(tmp_path))
    reply = service.entry_for_topic("about-service", "de")  # what a tap on the topic shows
    assert reply.entry_id == "about-service-contact-niedersachsen"
    text = _text(reply.html)
    assert "So erreichen Sie die Beratungsstelle in Niedersachsen:\nTelefon: +49 511 1234567" in text
    assert "kann ich Ihnen hier nicht nennen" not in text  # a contact exists: no "ask in the chat instead"
    assert "E-Mail:" not in text and "Adresse:" not in text  # unset: neither label nor value
    assert "Träger der Beratungsstelle in Niedersachsen: Beispielträger e. V." in _entry_text(
        service, "about-service-who-we-are"
    )
    assert "Phone: +49 511 1234567" in _entry_text(service, "about-service-contact-niedersachsen", "en")


def test_without_a_profile_nothing_is_left_and_people_are_sent_to_the_chat(tmp_path: Path) -> None:
    service = _answers(make_settings(tmp_path))
    for entry_id in PROFILE_ENTRIES:
        for lang in SUPPORTED_LANGUAGES:
            text = _entry_text(service, entry_id, lang)
            assert "{" not in text and "}" not in text and "TODO" not in text, (entry_id, lang)
    contact = _entry_text(service, "about-service-contact-niedersachsen")
    assert "Telefon:" not in contact and "So erreichen Sie" not in contact and "Träger" not in contact
    assert (
        "Fragen Sie danach, nach einem Termin vor Ort oder nach Ihrer Sprache einfach die Beratung hier im Chat (/advisor)."
        in contact
    )
    # no controller configured: "who is responsible for my data" is still answered (GDPR Art. 13(1)(a)), in words,
    # without a placeholder or an invented operator, and the line meant for a configured controller is left out
    privacy = _entry_text(service, "privacy-delete-and-rights")
    assert (
        "Verantwortlich für Ihre Daten ist die Organisation, die diese Beratung betreibt; "
        "ihren Kontakt erfragen Sie mit /advisor (dabei wird Ihr Gespräch an die Beratung weitergegeben)." in privacy
    )  # asking through /advisor is a handover: the person is told before they use it
    assert "ohne Weitergabe an die Beratung):" not in privacy
    english = _entry_text(service, "privacy-delete-and-rights", "en")
    assert "Responsible for your data is the organisation running this counselling service" in english


def test_a_configured_privacy_controller_replaces_the_fallback(tmp_path: Path) -> None:
    (tmp_path / "service-profile.yaml").write_text(
        "privacy_controller: Beispielträger e. V., Hannover\n", encoding="utf-8"
    )
    privacy = _entry_text(_answers(make_settings(tmp_path)), "privacy-delete-and-rights")
    assert "ohne Weitergabe an die Beratung): Beispielträger e. V., Hannover" in privacy
    assert "die Organisation, die diese Beratung betreibt" not in privacy


def test_the_privacy_answer_quotes_the_period_the_purge_applies(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, retention_days=42)
    text = _entry_text(_answers(settings), "privacy-what-is-stored")
    assert f"Löschfrist: {settings.retention_days} Tage nach der letzten Nachricht im Gespräch." in text
    assert "Retention period: 42 days" in _entry_text(_answers(settings), "privacy-what-is-stored", "en")


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def _login(client: httpx.AsyncClient, username: str) -> None:
    page = await client.get("/console/login")
    response = await client.post(
        "/console/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text)}
    )
    assert response.status_code == 303, response.text[:300]


async def test_the_console_form_saves_the_profile_and_only_admins_may(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    service = _answers(settings)
    async with running_app(settings, service) as app:
        async with app.state.runtime.db.transaction() as session:
            await accounts.create_account(session, username="ada", password=PASSWORD, role="admin")
            await accounts.create_account(session, username="eddi", password=PASSWORD, role="editor")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
            assert (await anonymous.get("/console/profile")).status_code == 303  # to the login page

        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as editor:
            await _login(editor, "eddi")
            assert (await editor.get("/console/profile")).status_code == 403
            token = _csrf((await editor.get("/console/editor/canned")).text)
            refused = await editor.post("/console/profile", data={"phone": "+49 30 1", "csrf_token": token})
            assert refused.status_code == 403
        assert not (tmp_path / "service-profile.yaml").exists()

        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin:
            await _login(admin, "ada")
            page = await admin.get("/console/profile")
            assert page.status_code == 200 and 'data-testid="profile-retention"' in page.text
            # the privacy controller is marked as required for production, and as missing while unset
            required = re.search(r'data-testid="profile-privacy_controller-required">([^<]+)<', page.text)
            assert required and "Art. 13" in required.group(1) and "Nicht gesetzt" in html.unescape(required.group(1))
            form: dict[str, Any] = {"csrf_token": _csrf(page.text), "phone": "+49 511 7654321"}
            assert (await admin.post("/console/profile", data={**form, "csrf_token": "wrong"})).status_code == 403
            bad = await admin.post("/console/profile", data={**form, "email": "[TODO]"})
            assert bad.status_code == 400 and "placeholder" in bad.text
            saved = await admin.post(
                "/console/profile", data={**form, "languages": "Deutsch, Russisch", "email": "beratung@example.org"}
            )
            assert saved.status_code == 303 and saved.headers["location"] == "/console/profile?notice=saved"
            shown = await admin.get("/console/profile?notice=saved")
            assert 'value="+49 511 7654321"' in shown.text and 'data-testid="profile-saved"' in shown.text
            audit = await admin.get("/console/audit?action=service_profile.save")
            assert "service_profile.save" in audit.text and "7654321" not in audit.text  # which fields, not values

    text = _text(service.entry_for_topic("about-service", "de").html)
    assert "Telefon: +49 511 7654321" in text and "E-Mail: beratung@example.org" in text
    assert "Sprachen: Deutsch, Russisch" in text
