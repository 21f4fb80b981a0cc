"""What a machine can check of legal content: citations with sources, official sources, no placeholders, successors.

Why: a blind review found placeholders shown to people, sources from newspapers
and mirror sites, and amounts that silently stop being served on 1 January. A
lawyer still has to read every statement (the `review:` record of an entry);
these rules catch what slips through between two reviews. `fairbot kb check`
reports them; errors block publishing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from urllib.parse import urlparse

from knowledge.schema import Entry

# Domains of law texts and of the public bodies responsible for what the entries say.
OFFICIAL_DOMAINS = (
    "gesetze-im-internet.de",
    "bund.de",
    "bmas.de",
    "bmj.de",
    "bmfsfj.de",
    "bundesregierung.de",
    "bundesgesundheitsministerium.de",
    "bundesfinanzministerium.de",
    "arbeitsagentur.de",
    "bamf.de",
    "zoll.de",
    "deutsche-rentenversicherung.de",
    "dguv.de",
    "baua.de",
    "bgn.de",
    "niedersachsen.de",
    "bundesarbeitsgericht.de",
    "eur-lex.europa.eu",
    "europa.eu",
    "faire-integration.de",
    "servicestelle-gegen-zwangsarbeit.de",
    "make-it-in-germany.com",
    "anerkennung-in-deutschland.de",
    "netzwerk-iq.de",
    "jugendmigrationsdienste.de",
    "hilfetelefon.de",
    "telefonseelsorge.de",
    "bpb.de",
    "berlin.de",
    "sachsen-anhalt.de",
    "bayern.de",
    "minijob-zentrale.de",
    "familienkasse.de",
)
PLACEHOLDER = re.compile(r"\[\s*(TODO|TBD|XXX|FIXME|\.\.\.|…)|\bTODO\b|\bXXX\b|\bTBD\b|\[[A-ZÄÖÜ][A-ZÄÖÜ _:-]{2,}\]")
# "§ 4 KSchG", "§§ 232–233a StGB", "§ 25(1) SGB III", "§ 17 Abs. 1 S. 2 MuSchG": the law's abbreviation follows.
CITATION = re.compile(
    r"§§?\s*\d+[a-z]?(?:[\s\d(),.–\-a-zA-Z]{0,40}?)\s"
    r"(?P<law>SGB\s?(?:[IVX]+|\d+)|[A-ZÄÖÜ][A-Za-zÄÖÜäöü]*[A-ZÄÖÜ][A-Za-zÄÖÜäöü]*)\b"
)
ROMAN = {
    "I": 1,
    "II": 2,
    "III": 3,
    "IV": 4,
    "V": 5,
    "VI": 6,
    "VII": 7,
    "VIII": 8,
    "IX": 9,
    "X": 10,
    "XI": 11,
    "XII": 12,
}
AMOUNT = re.compile(r"\d[\d.,]*\s?(€|euros?\b|eur\b)", re.IGNORECASE)
NOT_LAWS = frozenset({"Abs", "Nr", "Satz", "Art", "S", "Sa"})


def is_official(url: str) -> bool:
    host = (urlparse(url).hostname or "").removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in OFFICIAL_DOMAINS)


def _law_keys(law: str) -> set[str]:
    """How a law shows up in a source title or URL: "SGB III" -> {"sgb iii", "sgb 3", "sgb_3"}."""
    law = " ".join(law.split())
    keys = {law.casefold(), law.casefold().replace(" ", "")}
    match = re.fullmatch(r"SGB\s?([IVX]+|\d+)", law)
    if match:
        n = ROMAN.get(match.group(1), match.group(1))
        keys |= {f"sgb {n}", f"sgb_{n}", f"sgb{n}", f"sgb {match.group(1)}".casefold()}
    return keys


def cited_laws(text: str) -> set[str]:
    return {m.group("law") for m in CITATION.finditer(text) if m.group("law") not in NOT_LAWS}


def _has_source(entry: Entry, law: str) -> bool:
    haystack = " ".join(f"{s.title} {s.url}" for s in entry.sources).casefold()
    haystack_compact = haystack.replace(" ", "")
    return any(key in haystack or key in haystack_compact for key in _law_keys(law))


def successors(entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    """Entry id -> the entries that name it in `replaces:`."""
    out: dict[str, list[Entry]] = {}
    for e in entries:
        if e.replaces:
            out.setdefault(e.replaces, []).append(e)
    return out


def rule_problems(entries: Sequence[Entry], today: dt.date) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the machine-checkable content rules."""
    errors: list[str] = []
    warnings: list[str] = []
    ids = {e.id for e in entries}
    after = successors(entries)
    for e in entries:
        where = f"{e.topic}/{e.id}"
        for lang, text in e.texts.items():
            for field, value in (("title", text.title), ("answer", text.answer)):
                if placeholder := PLACEHOLDER.search(value):
                    errors.append(
                        f"{where} [{lang}]: placeholder in the {field} ({placeholder.group(0)!r}); people would see it"
                    )
            for law in sorted(cited_laws(text.answer)):
                if not _has_source(e, law):
                    errors.append(f"{where} [{lang}]: cites {law} but no source of {law} is listed")
        for source in e.sources:
            if not is_official(str(source.url)) and not source.why:
                errors.append(
                    f"{where}: source {source.url} is not an official domain; replace it with the law text or the "
                    "responsible body, or record why it is needed (`why:` on the source)"
                )
        if e.replaces and e.replaces not in ids:
            errors.append(f"{where}: replaces {e.replaces!r}, which does not exist")
        if e.valid_until:
            if not after.get(e.id):
                if e.valid_until < today:
                    errors.append(
                        f"{where}: expired on {e.valid_until} and has no successor; it is served with a dated "
                        "caveat until an editor adds one (`replaces:` on the new entry) or removes it"
                    )
                else:
                    warnings.append(f"{where}: valid until {e.valid_until} and no successor names it in `replaces:`")
        elif any(AMOUNT.search(t.answer) for t in e.texts.values()):
            warnings.append(
                f"{where}: quotes an amount in euros but has no valid_until; set it if the amount is time-bound"
            )
    return errors, warnings
