"""Calculator results as text in every language, and `fairbot deadline …` printing the same result."""

from __future__ import annotations

import datetime as dt
import json
import string
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.locales import LOCALES_DIR
from bot.services.calculators import calculate_dismissal, calculate_minimum_wage
from bot.services.calculators.render import render

LANGUAGES = ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_calculator_phrase_exists_in_all_eight_languages_with_the_same_placeholders() -> None:
    files = {lang: yaml.safe_load((LOCALES_DIR / f"{lang}.yaml").read_text(encoding="utf-8")) for lang in LANGUAGES}
    english = {k: str(v) for k, v in files["en"].items() if k.startswith("calc_")}
    assert len(english) > 90
    for lang, strings in files.items():
        ours = {k: str(v) for k, v in strings.items() if k.startswith("calc_")}
        assert set(ours) == set(english), (
            f"{lang}: missing {set(english) - set(ours)}, extra {set(ours) - set(english)}"
        )
        for key, text in english.items():
            assert _placeholders(ours[key]) == _placeholders(text), f"{lang}:{key}"
        assert len(ours["calc_weekdays"].split(",")) == 7 and len(ours["calc_months"].split(",")) == 12, lang
        if lang != "en":
            same = [
                k for k in ("calc_first_estimate", "calc_dismissal_claim", "calc_mw_below") if ours[k] == english[k]
            ]
            assert not same, f"{lang}: untranslated {same}"


def test_the_dismissal_result_in_german_arabic_and_russian() -> None:
    # received Sat 07.11.2026 -> Sat 28.11. -> Mon 30.11.2026
    result = calculate_dismissal(dt.date(2026, 11, 7), today=dt.date(2026, 11, 9))
    de = render(result, "de")
    assert "Montag, 30.11.2026" in de and "Noch Tage: 21" in de and "Samstag, 28.11.2026" in de
    assert "erste Einschätzung" in de and "https://www.gesetze-im-internet.de/kschg/__4.html" in de
    assert "/advisor" in de
    ar = render(result, "ar")
    assert "الاثنين, 30.11.2026" in ar and "تقدير أولي" in ar and "§ 4 KSchG" in ar
    ru = render(result, "ru")
    assert "понедельник, 30.11.2026" in ru and "Осталось дней: 21" in ru


def test_html_for_the_chat_links_the_sources_and_escapes_nothing_it_should_not() -> None:
    result = calculate_minimum_wage(dt.date(2026, 11, 1), Decimal(160), Decimal(2000))
    text = render(result, "de", html=True)
    assert text.startswith("<b>Mindestlohn im November 2026</b>")
    assert '<a href="https://www.gesetze-im-internet.de/milog/__1.html">§ 1 MiLoG</a>' in text
    assert "2000,00 €" in text and "12,50 €" in text and "224,00 €" in text
    assert "2000.00 €" in render(result, "en")


def run(*args: str) -> tuple[int, str]:
    outcome = CliRunner().invoke(main, ["deadline", *args])
    return outcome.exit_code, outcome.output


def test_cli_dismissal_prints_the_same_result_as_the_chat() -> None:
    code, out = run("dismissal", "--received", "2028-10-10", "--today", "2028-10-11", "--lang", "de")
    # 31.10.2028 is Reformationstag in Niedersachsen -> Wednesday 01.11.2028
    assert code == 0
    assert "Mittwoch, 01.11.2028" in out and "Feiertag: Reformationstag" in out
    expected = render(
        calculate_dismissal(dt.date(2028, 10, 10), today=dt.date(2028, 10, 11)), "de", offer_advisor=False
    )
    assert out.strip() == expected.strip()


def test_cli_json_for_scripts() -> None:
    code, out = run(
        "dismissal", "--received", "2026-11-03", "--employed-since", "2025-06-01", "--end", "2026-11-30",
        "--today", "2026-11-03", "--json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["calculator"] == "dismissal"
    assert (data["claim_deadline"], data["earliest_end"], data["notice_kept"]) == (
        "2026-11-24",
        "2026-12-15",
        "too_short",
    )
    code, out = run("minimum-wage", "--month", "2027-01", "--hours", "100", "--pay", "1400", "--json")
    assert json.loads(out)["shortfall"] == "60.00"
    code, out = run("vacation", "--days-per-week", "4", "--start", "2026-08-01", "--year", "2026", "--json")
    assert json.loads(out)["entitlement_days"] == "7"
    code, out = run("sick-pay", "--first-day", "2026-07-10", "--employed-since", "2026-07-01", "--json")
    assert (json.loads(out)["pay_from"], json.loads(out)["pay_until"]) == ("2026-07-29", "2026-09-08")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("dismissal", "--received", "3.11.2026"), "is not a date"),
        (("dismissal", "--received", "2026-11-03", "--end", "2026-11-01", "--today", "2026-11-04"), "before the day"),
        (("minimum-wage", "--month", "2023-05", "--hours", "100", "--pay", "1000"), "no minimum wage known"),
        (("vacation", "--days-per-week", "7", "--start", "2026-01-01"), "at most 6"),
    ],
)
def test_cli_refuses_bad_input_with_one_line_and_exit_code_2(args: tuple[str, ...], message: str) -> None:
    code, out = run(*args)
    assert code == 2 and message in out and "Traceback" not in out
