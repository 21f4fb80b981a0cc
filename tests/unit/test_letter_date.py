"""The letter's own date among all its dates, rule by rule, on text and on OCR layouts built by hand (no OCR)."""

from __future__ import annotations

import datetime as dt

from bot.services.letters import interpret
from bot.services.letters.facts import dates_in, find_letter_date
from bot.services.letters.kinds import PAYSLIP
from bot.services.letters.layout import PageLayout, parse_tsv, text_layout
from bot.services.letters.letter_date import EXPLICIT, HEADER, PAY_PERIOD, RIGHT_ALIGNED, candidates, choose
from bot.services.letters.render import render_reading

TODAY = dt.date(2026, 11, 12)
CHAR = 10  # pixels per character in the hand-made layouts below
ROW = 30  # pixels per line


def tsv(*placed: tuple[int, float, str]) -> str:
    """Tesseract's TSV for lines of words at (column, row), in the order given: the OCR's reading order."""
    rows = ["level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"]
    for block, (column, row, text) in enumerate(placed, start=1):
        position = 0
        for number, word in enumerate(text.split(), start=1):
            start = text.index(word, position)
            position = start + len(word)
            left, top = (column + start) * CHAR, int(row * ROW)
            rows.append(f"5\t1\t{block}\t1\t1\t{number}\t{left}\t{top}\t{len(word) * CHAR}\t20\t91.5\t{word}")
    return "\n".join(rows)


def day_of(text: str, layout: PageLayout | None = None, kind: str | None = None) -> dt.date | None:
    chosen = find_letter_date(text, layout, kind=kind)
    return chosen.day if chosen else None


def cue_of(page: PageLayout, *, payslip: bool = False) -> str | None:
    chosen = choose(page, candidates(page, dates_in), payslip=payslip)
    return chosen.cue if chosen else None


# 1. explicit cues: a label, a place and a comma, wherever they stand


def test_a_labelled_date_wins_over_the_dates_around_it() -> None:
    text = "Jobcenter Nord\nLeistungen vom 01.12.2026 bis 30.11.2027\nGeschäftszeichen: 241\nDatum: 12.11.2026"
    assert day_of(text) == dt.date(2026, 11, 12)
    assert day_of("Abrechnungsdatum 31.10.2026") == dt.date(2026, 10, 31)
    assert day_of("Az.: 3-121-NGU-2026 · Datum 08.10.2026") == dt.date(2026, 10, 8)
    assert day_of("Geburtsdatum: 02.06.1996\nEintrittsdatum: 01.03.2025") is None  # not a date of this letter


def test_a_place_before_a_comma_marks_the_date_also_at_the_foot_of_a_contract() -> None:
    contract = "Arbeitsvertrag\nHerr Bilal Rahimi, geb. 02.06.1996\nbeginnt am 15.09.2026\n" + "x\n" * 20
    assert day_of(contract + "Bremen, den 02.09.2026") == dt.date(2026, 9, 2)
    assert day_of(contract + "Frankfurt am Main, 17. August 2026") == dt.date(2026, 8, 17)
    assert day_of("30161 Hannover Hannover, 09.11.2026") == dt.date(2026, 11, 9)  # address and date read as one line


def test_a_weekday_or_a_sentence_before_a_comma_is_no_place() -> None:
    assert day_of("Ihr Termin am Donnerstag, 03.12.2026, um 8:15 Uhr") is None
    assert day_of("Sie sind am Montag, den 09.11.2026, nicht erschienen") is None
    assert day_of("Schreiben 05.11.2026\nBitte senden Sie die Erklärung, 31.12.2026") == dt.date(2026, 11, 5)


# 2. the cell under "Datum" in a reference table whose values stand on the next row


def test_the_value_under_datum_in_a_reference_table_is_the_letters_date() -> None:
    table = (
        "PERSOflex GmbH\n"
        "Ihr Zeichen    Unser Zeichen    Telefon         Datum\n"
        "-              PF/NUE-2291      0911 4471-30    22.09.2026\n"
        "das am 01.08.2026 begonnene Arbeitsverhältnis kündigen wir zum 06.10.2026"
    )
    assert day_of(table) == dt.date(2026, 9, 22)
    assert cue_of(text_layout(table)) == EXPLICIT


def test_a_date_under_another_column_of_the_table_is_not_taken_for_it() -> None:
    table = "Eintritt        Personalnummer      Datum\n01.03.2025      4711                24.11.2026"
    assert day_of(table) == dt.date(2026, 11, 24)
    no_date_column = "Eintritt        Personalnummer\n01.03.2025      4711"
    assert day_of(no_date_column) is None  # "Eintritt" is a start, not the letter's date


def test_the_table_is_read_by_position_when_the_ocr_splits_its_cells() -> None:
    # cells of one row often come as separate blocks, and a figure is set to its column's right edge
    page = parse_tsv(
        tsv(
            (8, 1, "Familienkasse Bayern Süd"),
            (8, 10, "Kindergeldnummer"),
            (50, 10, "Datum"),
            (8, 11, "225FK087766"),
            (95, 11, "24.11.2026"),
            (8, 12, "Aufhebung der Kindergeldfestsetzung ab dem 28.04.2026"),
        )
    )
    assert page is not None
    assert day_of("", page) == dt.date(2026, 11, 24)


def test_the_table_is_read_on_a_crooked_photo_with_glued_header_cells() -> None:
    # turned clockwise: the right end of each row stands lower; the OCR glued two header cells
    page = parse_tsv(
        tsv(
            (8, 1, "Jobcenter Duisburg"),
            (8, 10, "Ihr Zeichen"),
            (45, 10.3, "BG-Nummer"),
            (70, 10.5, "AnsprechpartnerDatum"),
            (45, 11.2, "34902BG0078812"),
            (70, 11.4, "Herr Kampmann"),
            (105, 11.6, "20.10.2026"),
            (8, 13, "Entscheidung vom 14.05.2026"),
        )
    )
    assert page is not None
    assert day_of("", page) == dt.date(2026, 10, 20) and cue_of(page) == EXPLICIT
    born = "Name            Geburtsdatum\nOksana Melnyk   02.06.1996\nBescheid vom 01.10.2026"
    assert day_of(born) is None  # the column says birth date: neither the letter's date nor a header date


# 3. the layout: position on the page, not Tesseract's reading order; a date set to the right


def test_lines_are_ordered_by_where_they_stand_not_by_tesseracts_reading_order() -> None:
    page = parse_tsv(tsv((8, 12, "Rechnung 20.11.2026 erhalten"), (8, 3, "Lieferschein 14.10.2026")))
    assert page is not None
    assert [line.text for line in page.lines] == ["Lieferschein 14.10.2026", "Rechnung 20.11.2026 erhalten"]
    assert day_of("", page) == dt.date(2026, 10, 14)


def test_a_date_set_to_the_right_near_the_top_is_the_letters_date() -> None:
    # Tesseract put the right-aligned date after the first body line, and lost the comma after the place
    page = parse_tsv(
        tsv(
            (8, 1, "Praxis Vogt & Kaya · Schillerplatz 2 · 70173 Stuttgart"),
            (8, 2, "Frau Zeynep Arslan"),
            (8, 8, "Ihre Untersuchung 03.12.2026 ist bestätigt."),
            (70, 5, "Stuttgart 16.11.2026"),
        )
    )
    assert page is not None
    assert day_of("", page) == dt.date(2026, 11, 16)
    assert cue_of(page) == RIGHT_ALIGNED
    indented = "Stadtwerke\nHerrn Ali Hassan\n" + " " * 40 + "12.11.2026\nRechnung 20.11.2026"
    assert day_of(indented) == dt.date(2026, 11, 12)


def test_a_right_aligned_address_and_date_on_one_row_count_from_the_gap() -> None:
    page = parse_tsv(tsv((8, 4, "Frau Amina Yusuf" + " " * 40 + "05.11.2026"), (8, 6, "Ihr Antrag 20.10.2026")))
    assert page is not None
    assert cue_of(page) == RIGHT_ALIGNED and day_of("", page) == dt.date(2026, 11, 5)


# 4. dates that are clearly another day


def test_deadlines_periods_births_and_ends_are_never_the_letters_date() -> None:
    for line in (
        "Bitte zahlen Sie bis zum 15.11.2026.",
        "Leistungen für die Zeit vom 01.12.2026 bis 30.11.2027",
        "Sperrzeit 01.10.2026 - 23.12.2026",
        "Herr Dragan Petrović, geb. 14.03.1989",
        "Luca Ionescu, geboren am 03.07.2026",
        "kündigen wir fristgerecht zum 30.11.2026",
        "mit Ablauf des 31.12.2026",
        "Eintritt 01.03.2025",
        "freigestellt ab dem 01.12.2026",
        "Grund ist die Entnahme am 29.10.2026",
        "Ihr Antrag vom 02.07.2026",
    ):
        assert day_of(line) is None, line
    assert day_of("Kündigung zum 30.11.2026\nSchreiben 05.11.2026") == dt.date(2026, 11, 5)
    assert cue_of(text_layout("Schreiben 05.11.2026")) == HEADER


# 5. payslips: the date of issue, else the end of the pay period


def test_a_payslip_is_dated_by_its_issue_date_even_in_the_small_print() -> None:
    payslip = "Abrechnung der Brutto/Netto-Bezüge für Oktober 2026\nEintritt 01.03.2025\n" + "x\n" * 25
    assert day_of(payslip + "Erstellt am 28.10.2026 · DATEV", kind=PAYSLIP) == dt.date(2026, 10, 28)
    assert day_of("Lohnabrechnung\nAbrechnungsmonat: November 2026\nDatum: 30.11.2026", kind=PAYSLIP) == dt.date(
        2026, 11, 30
    )


def test_a_payslip_without_issue_date_is_dated_by_the_end_of_its_pay_period() -> None:
    assert day_of("Abrechnung der Brutto/Netto-Bezüge für Oktober 2026\nEintritt 01.03.2025", kind=PAYSLIP) == (
        dt.date(2026, 10, 31)
    )
    assert day_of("Verdienstabrechnung\nAbrechnungsmonat: 02/2028", kind=PAYSLIP) == dt.date(2028, 2, 29)
    assert day_of("Lohnabrechnung\nAbrechnungszeitraum 01.10.2026 - 31.10.2026", kind=PAYSLIP) == dt.date(2026, 10, 31)
    assert cue_of(text_layout("Gehaltsabrechnung März 2027"), payslip=True) == PAY_PERIOD
    assert day_of("Verdienstabrechnung Oktober 2026") is None  # only a payslip is dated by its pay period


def test_the_reply_says_when_a_payslips_date_is_the_end_of_its_pay_period() -> None:
    lines = [
        "Verdienstabrechnung Oktober 2026",
        "Eintritt 01.03.2025",
        "Gesamtbrutto 2.208,00",
        "Lohnsteuer 155,41",
        "Auszahlungsbetrag 1.348,76",
    ]
    period = interpret("\n".join(lines), TODAY)
    assert period.kind == PAYSLIP and period.facts.letter_date == dt.date(2026, 10, 31)
    assert period.to_dict()["letter_date_cue"] == PAY_PERIOD
    assert "End of the pay period (no date of issue found): Saturday, 31.10.2026" in render_reading(period, "en")
    issued = interpret("\n".join([*lines, "Druckdatum 02.11.2026"]), TODAY)
    assert "Date of the letter: Monday, 02.11.2026" in render_reading(issued, "en")
    assert "Datum des Briefs: Montag, 02.11.2026" in render_reading(issued, "de")


def test_interpret_uses_the_layout_it_is_given() -> None:
    text = "Frau Demir\nIhre Sendung 03.12.2026\nKöln 02.11.2026\nZahlungsaufforderung über 55,08 Euro"
    page = parse_tsv(tsv((8, 2, "Frau Demir"), (8, 9, "Ihre Sendung 03.12.2026"), (80, 4, "Köln 02.11.2026")))
    assert interpret(text, TODAY).facts.letter_date == dt.date(2026, 12, 3)  # plain text: the first date
    assert interpret(text, TODAY, layout=page).facts.letter_date == dt.date(2026, 11, 2)


# 6. issue 17: abbreviated months, more labels, the place-and-date line over dates in the body


def test_abbreviated_month_names_are_dates() -> None:
    assert [day for day, _, _ in dates_in("Grömitz, 3. Nov. 2026")] == [dt.date(2026, 11, 3)]
    assert day_of("Regensburg, den 21. Okt. 2026") == dt.date(2026, 10, 21)
    assert day_of("Datum: 12. Okt. 2026") == dt.date(2026, 10, 12)
    assert day_of("Bremen, 5. Sept. 2026") == dt.date(2026, 9, 5)
    assert list(dates_in("Novum 3. Novelle 2026")) == []  # a word that starts like a month is none


def test_printing_and_creation_labels_mark_the_letters_date() -> None:
    payslip = "Entgeltabrechnung Oktober 2026\nEintritt 01.04.2024\n" + "x\n" * 12
    assert day_of(payslip + "Ausdruck vom 28.10.2026 · Seite 1/1", kind=PAYSLIP) == dt.date(2026, 10, 28)
    assert day_of("Erstellungsdatum: 27.10.2026") == dt.date(2026, 10, 27)
    table = "Personalnummer      Abrechnungsmonat      Erstellungsdatum\n0815                11/2026               26.11.2026"
    assert day_of(table, kind=PAYSLIP) == dt.date(2026, 11, 26)
    born = "Personalnummer      Geburtsdatum\n0815                12.12.1988"
    assert day_of(born) is None


def test_the_place_and_date_line_wins_over_a_name_and_birth_date_in_the_body() -> None:
    contract = (
        "Arbeitsvertrag\nzwischen Café Kranz, Ostertorsteinweg 12, 28203 Bremen und\n"
        "Hoa Tran, 14.07.1999, Vor dem Steintor 80, 28203 Bremen\nDas Arbeitsverhältnis beginnt am 16.11.2026.\n"
        "Bremen, 03.11.2026"
    )
    assert day_of(contract) == dt.date(2026, 11, 3)
    signatures = "Cloppenburg, 19.11.2026" + " " * 20 + "Cloppenburg, 19.11.2026"
    assert day_of(signatures) == dt.date(2026, 11, 19)


def test_a_date_opening_a_line_is_read_with_the_end_of_the_line_above() -> None:
    broken = "Die Parteien sind sich einig, dass das seit dem\n01.04.2019 bestehende Arbeitsverhältnis endet."
    assert day_of(broken) is None
    assert day_of("Stadtwerke Nord\n01.04.2026 Jahresabrechnung") == dt.date(2026, 4, 1)
