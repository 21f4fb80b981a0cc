"""The letter reader on letters drawn by the test (tests/letter_samples.py) and read by Debian's Tesseract.

One letter of every kind, each in another font and look: clean scans (one a little crooked) and phone
photos (turned, unevenly lit, soft, grainy, JPEG); a scanned PDF without a text layer; and
`fairbot read-letter` printing kind, dates, amounts and the deadline. Without Tesseract these
fail under CI=true (tests/required.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from bot.cli import main
from bot.services.letters import LetterFileError, read_letter
from tests.letter_heldout import CASES_FILE, load_heldout, render_heldout
from tests.letter_samples import FONTS, SAMPLES, Sample, render, render_pdf

pytestmark = pytest.mark.tesseract
TODAY = dt.date(2026, 11, 12)


@pytest.mark.parametrize("index,kind", list(enumerate(SAMPLES)))
def test_a_drawn_letter_of_each_kind_is_read_with_its_kind_date_and_amounts(index: int, kind: str) -> None:
    look = "phone" if index % 2 else "scan"
    data = render(kind, font=FONTS[index % len(FONTS)], look=look, seed=index, fmt="JPEG" if look == "phone" else "PNG")
    reading = read_letter(data, TODAY)
    sample = SAMPLES[kind]
    assert reading.kind == kind, (look, reading.classification, reading.text[:400])
    assert reading.facts.letter_date == sample.letter_date, reading.text[:400]
    assert set(sample.amounts) <= {a.value for a in reading.facts.amounts}, reading.facts.amounts


# Written for this test (not from the held-out file): the date only in a reference table's value row,
# under "Datum", with an earlier date (the start of the job) and a later one (the end) in the text.
TABLE_DATED = Sample(
    "dismissal",
    (
        "Gebäudedienste Weser GmbH",
        "~ Gebäudedienste Weser GmbH · Am Deich 4 · 28199 Bremen",
        "Frau",
        "Irina Sokolova",
        "Pappelstraße 12",
        "28199 Bremen",
        "Ihr Zeichen | Unser Zeichen | Durchwahl | Datum",
        "- | GW-PA-118 | 0421 55 20-14 | 17.11.2026",
        "Kündigung Ihres Arbeitsverhältnisses",
        "Sehr geehrte Frau Sokolova,",
        "hiermit kündigen wir das seit dem 01.04.2024 bestehende",
        "Arbeitsverhältnis fristgerecht zum 31.12.2026.",
        "Mit freundlichen Grüßen",
        "Personalabteilung",
    ),
    dt.date(2026, 11, 17),
)


@pytest.mark.parametrize("look", ["scan", "phone"])
def test_a_date_in_a_reference_table_is_found_under_its_header(look: str) -> None:
    reading = read_letter(render_heldout(TABLE_DATED, font=FONTS[1], look=look, seed=3), TODAY)
    assert reading.kind == "dismissal", reading.text[:400]
    assert reading.facts.letter_date == dt.date(2026, 11, 17), reading.text[:600]
    assert reading.facts.end_date == dt.date(2026, 12, 31)


CASES = load_heldout(CASES_FILE)


@pytest.mark.parametrize("index,letter_id", list(enumerate(CASES)))
def test_the_issue_17_letters_are_read_with_their_kind_and_date(index: int, letter_id: str) -> None:
    """Every kind in an unusual layout, and other senders using the same words (tests/data/letters-issue17.yaml)."""
    look = "phone" if index % 2 else "scan"
    sample = CASES[letter_id]
    reading = read_letter(render_heldout(sample, font=FONTS[index % len(FONTS)], look=look, seed=index), TODAY)
    assert reading.kind == sample.kind, (look, reading.classification, reading.text[:400])
    assert reading.facts.letter_date == sample.letter_date, (look, reading.text[:600])


def test_a_scanned_pdf_is_rendered_and_read() -> None:
    reading = read_letter(render_pdf("family_benefits", font=FONTS[1]), TODAY)
    assert reading.source == "ocr" and reading.kind == "family_benefits"
    assert reading.deadline is not None and reading.deadline.to_dict()["remedy"] == "einspruch"


def test_an_image_too_large_is_refused_before_it_is_decoded() -> None:
    buffer = io.BytesIO()
    Image.new("1", (9000, 5000), 1).save(buffer, "PNG")
    with pytest.raises(LetterFileError) as refused:
        read_letter(buffer.getvalue(), TODAY)
    assert refused.value.reason == "letter_err_too_big"


def test_read_letter_prints_kind_dates_amounts_and_the_deadline(tmp_path: Path) -> None:
    letter = tmp_path / "kuendigung.jpg"
    letter.write_bytes(render("dismissal", font=FONTS[2], look="phone", seed=7, fmt="JPEG"))
    runner = CliRunner()
    shown = runner.invoke(main, ["read-letter", str(letter), "--today", "2026-11-05"])
    assert shown.exit_code == 0, shown.output
    assert "kind: dismissal" in shown.output and "letter date: 2026-11-03" in shown.output
    assert "24.11.2026" in shown.output and "§ 4 KSchG" in shown.output
    as_json = runner.invoke(main, ["read-letter", str(letter), "--today", "2026-11-05", "--json"])
    data = json.loads(as_json.output)
    assert data["kind"] == "dismissal" and data["deadline"]["claim_deadline"] == "2026-11-24"
    assert data["end_date"] == "2026-11-30"
    bad = tmp_path / "letter.jpg"
    bad.write_bytes(b"not a picture")
    refused = runner.invoke(main, ["read-letter", str(bad)])
    assert refused.exit_code == 2 and "JPEG, PNG, WebP or PDF" in refused.output
