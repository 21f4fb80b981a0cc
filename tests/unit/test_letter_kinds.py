"""The letter's kind decided by its phrases and its sender (kinds.py, senders.py), on text without OCR.

The letters of tests/data/letters-issue17.yaml were written for these rules (issue 17): every kind in
an unusual layout, and letters from other senders that use the same words, which must come out
"unknown" so that the reader says "I could not tell" instead of naming a wrong deadline.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.locales import t
from bot.services.letters import interpret, senders
from bot.services.letters.kinds import BESCHEIDE, DISMISSAL, EMPLOYMENT_AGENCY, JOBCENTER, UNKNOWN, classify
from bot.services.letters.render import render_reading
from tests.letter_heldout import CASES_FILE, as_text, load_heldout

TODAY = dt.date(2026, 11, 12)
CASES = load_heldout(CASES_FILE)
BODY = "\n".join(f"Zeile {i} des Schreibens." for i in range(12))


@pytest.mark.parametrize("letter_id", list(CASES))
def test_each_case_letter_is_read_with_its_kind_and_date(letter_id: str) -> None:
    sample = CASES[letter_id]
    reading = interpret(as_text(sample.lines), TODAY)
    assert reading.kind == sample.kind, reading.classification
    assert reading.facts.letter_date == sample.letter_date, reading.facts
    assert set(sample.amounts) <= {a.value for a in reading.facts.amounts}


def test_the_cases_cover_every_kind_and_the_other_senders() -> None:
    kinds = {sample.kind for sample in CASES.values()}
    assert kinds >= {DISMISSAL, *BESCHEIDE, "termination_agreement", "warning", "payslip", "employment_contract"}
    others = [letter_id for letter_id, sample in CASES.items() if sample.kind == UNKNOWN]
    for sender in ("landlord", "school", "health-insurer", "court", "lbank", "tax-office", "bank", "mobile"):
        assert any(sender in letter_id for letter_id in others), sender


def test_a_letter_from_another_sender_says_it_could_not_tell() -> None:
    reading = interpret(as_text(CASES["unknown-landlord-kuendigung"].lines), TODAY)
    assert reading.kind == UNKNOWN and reading.deadline is None
    assert "hiermit kündig" in " ".join(reading.classification.matched)  # the phrases were there; the sender decided
    assert render_reading(reading, "en").splitlines()[0] == t("letter_unknown", "en")


def test_the_letterhead_ends_at_the_address_window_or_the_salutation() -> None:
    text = "Arbeitsgericht Hannover\nEllernstraße 42\n\nHerrn\nAli Rezaei\nJobcenter Nord\nSehr geehrter Herr,"
    assert senders.letterhead(text) == "Arbeitsgericht Hannover\nEllernstraße 42"
    contract = "Arbeitsvertrag\n" + "\n".join(f"§ {i} Klausel" for i in range(20)) + "\nAgentur für Arbeit melden"
    assert len(senders.letterhead(contract).splitlines()) == senders.SENDER_LINES


@pytest.mark.parametrize(
    "head,official",
    [
        ("Arbeitsgericht Hannover", True),
        ("~ Finanzamt Hannover-Nord · Vahrenwalder Str. 206", True),
        ("Landratsamt Ostalbkreis", True),
        ("Landkreis Harburg\nDer Landrat", True),
        ("STADT SALZGITTER", True),
        ("AOK Niedersachsen", True),
        ("Jobcenter Region Hannover", True),
        ("Stadtwerke Delmenhorst GmbH", False),
        ("Amtsgericht Hannover HRB 208311 · Geschäftsführer: Jens Ollenburg", False),  # the register, not a sender
        ("Bäckerei Hinrichs GmbH & Co. KG\nBackstube · Filialen", False),
    ],
)
def test_courts_and_authorities_are_told_from_companies_in_the_letterhead(head: str, official: bool) -> None:
    assert senders.official_sender(head) is official


def test_a_bescheid_kind_needs_its_authority_as_the_sender() -> None:
    bescheid = "Bescheid über Bürgergeld\nGegen diesen Bescheid kann Widerspruch beim Jobcenter Nord erhoben werden."
    assert senders.from_authority(JOBCENTER, bescheid, "Frau A.")
    assert senders.from_authority(JOBCENTER, "Bescheid über Bürgergeld\nIhr Jobcenter", "")
    assert senders.from_authority(JOBCENTER, "", "Abteilung Leistung – Jobcenter Emden")
    # "geben Sie uns Bescheid" and a mention of the Jobcenter make no Jobcenter Bescheid
    school = "Beim Jobcenter können Sie Bildung und Teilhabe beantragen. Bitte geben Sie uns bis Freitag Bescheid."
    assert not senders.from_authority(JOBCENTER, school, "Gesamtschule Linden")
    # another body's Bescheid that names the Familienkasse in a sentence
    tax = "Bescheid für 2025 über Einkommensteuer\nDas Kindergeld zahlt weiterhin Ihre Familienkasse.\nEinspruch beim Finanzamt."
    assert not senders.from_authority("family_benefits", tax, "Finanzamt Hannover-Nord")
    assert set(senders.AUTHORITY) == set(BESCHEIDE)


def test_an_employer_kind_needs_a_job_and_no_official_sender() -> None:
    dismissal = f"Firma Beispiel GmbH\nHafenstraße 3\n\nFrau A.\n{BODY}\nhiermit kündigen wir das mit Ihnen bestehende "
    assert classify(dismissal + "Arbeitsverhältnis fristgerecht zum 31.03.2027.").kind == DISMISSAL
    assert classify(dismissal + "Mietverhältnis fristgerecht zum 31.03.2027.").kind == UNKNOWN
    bank = dismissal + "Girokonto fristgerecht zum 31.03.2027. Bitte nennen Sie Ihrem Arbeitgeber Ihr neues Konto."
    assert senders.about_work(bank) and not senders.about_a_job(bank)
    assert classify(bank).kind == UNKNOWN
    court = dismissal.replace("Firma Beispiel GmbH", "Arbeitsgericht Hannover") + "Arbeitsverhältnis zum 31.03.2027."
    assert classify(court).kind == UNKNOWN


def test_a_payslip_needs_its_title_or_its_net_pay() -> None:
    assert senders.is_payslip("Entgeltabrechnung Oktober 2026") and senders.is_payslip("Auszahlungsbetrag 1.586,12")
    assert senders.is_payslip("Verdienstabrechnung September 2026") and senders.is_payslip("Nettoverdienst 2.101,77")
    jobcenter = "Bitte legen Sie die Lohnsteuer-Bescheinigung und Ihre Krankenversicherung vor."
    assert not senders.is_payslip(jobcenter)


def test_an_authority_letter_about_an_employer_stays_the_authoritys() -> None:
    reading = interpret(as_text(CASES["employment-agency-ruhen-urlaubsabgeltung"].lines), TODAY)
    assert reading.kind == EMPLOYMENT_AGENCY
    assert reading.deadline is not None and reading.deadline.to_dict()["remedy"] == "widerspruch"
    text = as_text(CASES["jobcenter-mentions-employer"].lines)
    assert senders.about_a_job(text) and senders.is_payslip("Lohnabrechnung")  # employer words are there ...
    assert classify(text).kind == JOBCENTER  # ... but the Jobcenter wrote it
