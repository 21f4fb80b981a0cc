"""kb check's content rules: placeholders, citations without a source, unofficial sources, successors, expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from knowledge.content_rules import rule_problems
from knowledge.index import LoadedIndex
from knowledge.schema import Entry

LANGS = ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")
LAW = {"title": "§ 4 KSchG", "url": "https://www.gesetze-im-internet.de/kschg/__4.html"}


def entry(entry_id: str = "a-b", answer: str = "Drei Wochen (§ 4 KSchG).", **extra: Any) -> Entry:
    text = {"title": "Titel", "questions": ["frage"], "answer": answer}
    data = {"id": entry_id, "topic": "dismissal", "reviewed": "2026-12-01", "sources": [LAW], **extra}
    return Entry.model_validate({**data, "texts": dict.fromkeys(LANGS, text)})


TODAY = dt.date(2026, 12, 2)


def test_a_clean_entry_passes() -> None:
    assert rule_problems([entry()], TODAY) == ([], [])


def test_placeholders_are_errors() -> None:
    errors, _ = rule_problems([entry(answer="Rufen Sie [TODO: Telefon] an.")], TODAY)
    assert errors and all("placeholder" in e for e in errors)
    errors, _ = rule_problems([entry(answer="Telefon: [TELEFONNUMMER]")], TODAY)
    assert errors


def test_a_cited_law_needs_a_source_of_that_law() -> None:
    errors, _ = rule_problems(
        [entry(answer="Melden Sie sich (§ 38 Abs. 1 SGB III) und klagen Sie (§ 4 KSchG).")], TODAY
    )
    assert len(errors) == len(LANGS) and all("SGB III" in e for e in errors)
    sgb = {"title": "§ 38 SGB III", "url": "https://www.gesetze-im-internet.de/sgb_3/__38.html"}
    ok = entry(answer="Melden Sie sich (§ 38 Abs. 1 SGB III).", sources=[sgb])
    assert rule_problems([ok], TODAY)[0] == []


def test_unofficial_sources_need_a_reason() -> None:
    blog = {"title": "Ein Blog", "url": "https://anwalt-blog.example.com/kuendigung"}
    errors, _ = rule_problems([entry(sources=[LAW, blog])], TODAY)
    assert errors and "not an official domain" in errors[0]
    assert rule_problems([entry(sources=[LAW, {**blog, "why": "only source of a court decision"}])], TODAY)[0] == []


def test_an_expired_entry_without_successor_is_an_error_and_still_served() -> None:
    old = entry("amount-2026", answer="13,90 € pro Stunde (§ 4 KSchG).", valid_until="2026-11-30")
    errors, _ = rule_problems([old], TODAY)
    assert errors and "no successor" in errors[0]
    index = LoadedIndex("v", {}, None, [], {old.id: old}, None)  # type: ignore[arg-type]
    assert index.is_served(old, TODAY)
    new = entry(
        "amount-2027",
        answer="14,60 € (§ 4 KSchG).",
        valid_from="2026-12-01",
        valid_until="2027-12-31",
        replaces="amount-2026",
    )
    errors, warnings = rule_problems([old, new], TODAY)
    assert errors == [] and any("amount-2027" in w for w in warnings)
    index = LoadedIndex("v", {}, None, [], {old.id: old, new.id: new}, None)  # type: ignore[arg-type]
    assert not index.is_served(old, TODAY) and index.is_served(new, TODAY)


def test_an_amount_without_valid_until_is_reported() -> None:
    _, warnings = rule_problems([entry(answer="Es gibt 259 € im Monat (§ 4 KSchG).")], TODAY)
    assert any("amount in euros" in w for w in warnings)


def test_the_review_report_is_generated_from_the_entries() -> None:
    """docs/content-review.md is not written by hand: `fairbot kb review-report` rebuilds it."""
    from bot.config import PROJECT_ROOT
    from knowledge.loader import load_entries
    from knowledge.review_report import review_report

    entries = load_entries(PROJECT_ROOT / "knowledge" / "entries")
    report = (PROJECT_ROOT / "docs" / "content-review.md").read_text(encoding="utf-8")
    assert report == review_report(entries), "run `fairbot kb review-report` and commit docs/content-review.md"
