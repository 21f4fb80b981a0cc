"""Which letter this is: weighted German signal phrases per kind, and "I could not tell" when none is clear.

Letters of these kinds are formulaic (a Kündigung says "hiermit kündigen wir", a Bescheid names
its authority and ends with a Rechtsbehelfsbelehrung), so a handful of phrases per kind separates
them, and every decision can be explained by the phrases it matched. Words that stand in many
kinds ("Kündigung" in a contract's clauses or a warning's last line, "Agentur für Arbeit" in a
dismissal's reminder to register) carry little weight alone; the subject line near the top counts
double. A kind wins only with enough evidence and a margin over the next one: a wrong kind would
name a wrong deadline, so "I could not tell" is the safer answer.

Phrases alone cannot tell who wrote a letter, and that decides as much as they do: `senders.py`
rules kinds out by the sender (a Bescheid kind only from its authority, an employer's kind only
about a job and never from a court or an authority, a payslip only when it calls itself one or
states the net pay).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services.letters import senders
from bot.services.letters.senders import AE, OE, UE

DISMISSAL = "dismissal"
TERMINATION_AGREEMENT = "termination_agreement"
WARNING = "warning"
PAYSLIP = "payslip"
EMPLOYMENT_CONTRACT = "employment_contract"
JOBCENTER = "jobcenter"
EMPLOYMENT_AGENCY = "employment_agency"
FAMILY_BENEFITS = "family_benefits"
IMMIGRATION_OFFICE = "immigration_office"
UNKNOWN = "unknown"

BESCHEIDE = (JOBCENTER, EMPLOYMENT_AGENCY, FAMILY_BENEFITS, IMMIGRATION_OFFICE)
EMPLOYER_KINDS = (DISMISSAL, TERMINATION_AGREEMENT, WARNING, PAYSLIP, EMPLOYMENT_CONTRACT)
KINDS = (*EMPLOYER_KINDS, *BESCHEIDE)

MIN_SCORE = 4.0
MIN_MARGIN = 1.5
HEADER_LINES = 14  # letterhead, address window, date and subject

_BESCHEID = (r"\bbescheid\b", 2.0)
_REMEDY = (r"rechtsbehelfsbelehrung|widerspruch|einspruch", 1.0)

SIGNALS: dict[str, tuple[tuple[str, float], ...]] = {
    DISMISSAL: (
        (rf"hiermit\s+k{UE}ndig", 4.0),
        (rf"k{UE}ndigung\s+(?:ihres|des)\s+arbeitsverh", 4.0),
        (rf"\bk{UE}ndigen\s+wir\b|\bwir\s+k{UE}ndigen\b", 3.0),
        # "kündigen daher das mit Ihnen bestehende Arbeitsverhältnis", "kündige ich das am … geschlossene …"
        (rf"k{UE}ndig\w*\s+(?:\w+\s+){{0,2}}das\s+(?:mit\s+ihnen\s+)?(?:[\w.]+\s+){{0,4}}arbeitsverh", 4.0),
        # the verb at the end, the employer speaking: "wir sehen uns gezwungen, das Arbeitsverhältnis unter Einhaltung
        # der … Frist zum 31.10.2026 zu kündigen" (not a contract's "ist berechtigt, das Arbeitsverhältnis … zu kündigen")
        (
            rf"\b(?:wir|ich)\b[^.]{{0,80}}\b(?:das|ihr)\s+arbeitsverh{AE}ltnis\b(?:[^.]|\.(?=\d)){{0,160}}?\bzu\s+k{UE}ndigen\b",
            4.0,
        ),
        (rf"beendigung\s+(?:ihres|des)\s+arbeitsverh{AE}ltnisses", 2.0),
        (
            rf"k{UE}ndigung\s+(?:aus\s+(?:betriebs|personen|verhaltens)bedingten|(?:innerhalb|w{AE}hrend)\s+der\s+probezeit)",
            3.0,
        ),
        (rf"(?:ordentlich|au(?:ß|ss)erordentlich|fristlos)\w*\s+(?:und\s+\w+\s+)?(?:zum|k{UE}ndig)", 2.0),
        (r"\bfristgerecht\b", 1.5),
        (r"n(?:ä|ae|a)chstm(?:ö|oe|o)glichen", 1.5),
        (rf"\bk{UE}ndigung\b", 1.0),
    ),
    TERMINATION_AGREEMENT: (
        # an Abwicklungsvertrag settles the end after a dismissal: the same risks (no suit, a Sperrzeit) as an Aufhebungsvertrag
        (
            r"aufhebungsvertrag|aufl(?:ö|oe|o)sungsvertrag|aufhebungsvereinbarung|abwicklungs(?:vertrag|vereinbarung)",
            5.0,
        ),
        (r"gegenseitigen\s+einvernehmen|einvernehmlich", 3.0),
        (r"\babfindung\b", 1.5),
        (r"die\s+parteien\s+sind\s+sich\s+einig", 2.0),
    ),
    WARNING: (
        (r"\babmahnung\b", 5.0),
        (r"mahnen\s+sie\s+(?:[\w.,]+\s+){0,6}?ab\b", 4.0),  # "mahnen Sie wegen dieses Verhaltens hiermit ab"
        (r"im\s+wiederholungsfall", 2.0),
        (r"arbeitsrechtliche\w*\s+konsequenzen", 1.5),
        (r"pflichten\s+aus\s+dem\s+arbeitsvertrag", 1.0),
    ),
    PAYSLIP: (
        (r"(?:lohn|gehalts|entgelt|verdienst)abrechnung|abrechnung\s+der\s+brutto", 5.0),
        (r"auszahlungsbetrag|netto(?:verdienst|betrag|bez(?:ü|ue|u)ge)", 2.0),
        (r"gesamtbrutto|brutto(?:lohn|verdienst|bez(?:ü|ue|u)ge)", 2.0),
        (r"lohnsteuer", 1.5),
        (r"rentenversicherung|krankenversicherung|pflegeversicherung", 1.0),
        (r"steuerklasse|personal-?\s?nr", 1.0),
    ),
    EMPLOYMENT_CONTRACT: (
        (r"\barbeitsvertrag\b", 3.0),
        (r"nachfolgend\s+(?:\W\s*)?arbeit(?:geber|nehmer)", 2.0),
        (r"arbeitsverh(?:ä|ae|a)ltnis\s+beginnt", 3.0),
        (r"\bprobezeit\b", 1.5),
        (r"\bverg(?:ü|ue|u)tung\b|stundenlohn", 1.0),
        (r"\barbeitszeit\b", 1.0),
        (r"\bzwischen\b.{0,120}\bund\b", 0.5),
    ),
    JOBCENTER: (
        (r"\bjobcenter\b", 4.0),
        (r"b(?:ü|ue|u)rgergeld|sgb\s*ii\b|zweiten\s+buch\s+sozialgesetzbuch", 2.0),
        (r"sicherung\s+des\s+lebensunterhalts|bedarfsgemeinschaft|bg-nummer", 2.0),
        _BESCHEID,
        _REMEDY,
    ),
    EMPLOYMENT_AGENCY: (
        (r"agentur\s+f(?:ü|ue|u)r\s+arbeit", 2.0),
        (r"arbeitslosengeld(?!\s+ii)|sgb\s*iii|dritten\s+buch\s+sozialgesetzbuch", 2.0),
        (r"sperrzeit|leistungsbetrag|kundennummer", 1.0),
        _BESCHEID,
        _REMEDY,
    ),
    FAMILY_BENEFITS: (
        (r"familienkasse", 4.0),
        (r"kindergeld|kinderzuschlag", 2.0),
        _BESCHEID,
        _REMEDY,
    ),
    IMMIGRATION_OFFICE: (
        (rf"ausl{AE}nderbeh{OE}rde|ausl{AE}nderamt|ausl{AE}nderangelegenheiten", 4.0),
        (r"aufenthaltserlaubnis|aufenthaltstitel|niederlassungserlaubnis|duldung|fiktionsbescheinigung", 2.0),
        (r"aufenthaltsgesetz|aufenthg|bundesgebiet\s+.{0,30}verlassen|ausreise", 2.0),
        _BESCHEID,
        _REMEDY,
    ),
}
_COMPILED = {kind: tuple((re.compile(p, re.I | re.S), w) for p, w in signals) for kind, signals in SIGNALS.items()}


def _allowed(kind: str, text: str, head: str) -> bool:
    """Whether the sender can have written a letter of `kind` (`senders.py`): a Bescheid comes from its authority,
    an employer's letter is about a job and comes from no court or authority, a payslip says it is one."""
    if kind in BESCHEIDE:
        return senders.from_authority(kind, text, head)
    if senders.official_sender(head) or not senders.about_work(text):
        return False
    return senders.is_payslip(text) if kind == PAYSLIP else senders.about_a_job(text)


@dataclass(frozen=True)
class Classification:
    kind: str
    score: float
    runner_up: str | None
    runner_up_score: float
    matched: tuple[str, ...]  # the phrases that decided it (for the advisor and the tests)


def _score(kind: str, text: str, header: str) -> tuple[float, list[str]]:
    """The weighted phrases of `kind` found in the flattened text, those in the header counted twice."""
    score, matched = 0.0, []
    for pattern, weight in _COMPILED[kind]:
        found = pattern.search(text)
        if found is None:
            continue
        score += weight * (2 if pattern.search(header) else 1)
        matched.append(found.group(0).strip())
    return score, matched


def classify(text: str) -> Classification:
    """The kind of letter `text` is, or UNKNOWN when no kind is clearly ahead."""
    flat = " ".join(text.split()).lower()
    header = " ".join(" ".join(text.strip().splitlines()[:HEADER_LINES]).split()).lower()
    head = senders.letterhead(text)
    scored = []
    for kind in KINDS:
        phrases, matched = _score(kind, flat, header)
        score = phrases if phrases and _allowed(kind, text, head) else 0.0
        scored.append((score, phrases, matched, kind))
    # a kind the sender rules out scores nothing; among those, the one with most phrases is named with them,
    # so an "unknown" letter still shows what it looked like (a landlord's "hiermit kündigen wir")
    scored.sort(key=lambda s: (-s[0], -s[1]))
    (best, _, matched, kind), (second, _, _, runner_up) = scored[0], scored[1]
    if best < MIN_SCORE or best - second < MIN_MARGIN:
        return Classification(UNKNOWN, best, kind, second, tuple(matched))
    return Classification(kind, best, runner_up, second, tuple(matched))
