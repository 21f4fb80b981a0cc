"""Who sent a letter, as far as the kind depends on it: an authority, a court, an employer, or someone else.

The phrases of `kinds.py` stand in many letters: a dismissal tells the person to register with the
Agentur für Arbeit, a Jobcenter letter asks for the employer's payslips, a court summons quotes the
dismissal it is about, a landlord "kündigt" a flat. What tells them apart is the sender, named in
the letterhead above the salutation, and what the letter is about (work or not). These rules only
ever take a kind away, so a letter from anyone else ends as "I could not tell" rather than as a
kind whose deadline would be wrong.
"""

from __future__ import annotations

import re

SENDER_LINES = 8  # the most lines a letterhead takes before the address window
UE = "(?:ü|ue|u)"  # OCR and typing lose umlauts
AE = "(?:ä|ae|a)"
OE = "(?:ö|oe|o)"

# the authority whose Bescheid a kind (kinds.BESCHEIDE) is, by the name it signs with
AUTHORITY = {
    "jobcenter": re.compile(r"\bjob\s?-?center\b", re.I),
    "employment_agency": re.compile(rf"agentur\s+f{UE}r\s+arbeit", re.I),
    "family_benefits": re.compile(r"familienkasse", re.I),
    "immigration_office": re.compile(rf"ausl{AE}nderbeh{OE}rde|ausl{AE}nderamt|ausl{AE}nderangelegenheiten", re.I),
}
# the letter calls itself a Bescheid ("Bescheid über", "diesen Bescheid", "Aufhebungs- und Erstattungsbescheid"),
# not "geben Sie uns Bescheid"
_SELF_BESCHEID = re.compile(
    r"(?:diese[nms]?|folgende[nr]?)\s+\w*bescheid|\bbescheid\s*(?:über|ueber|uber|vom|:)"
    r"|^\W*[\w-]*bescheid\s*(?:über|ueber|uber|für|fuer|$)",
    re.I | re.M,
)
# a Bescheid names its sender in the remedy ("Widerspruch … beim Jobcenter Duisburg") or its sign-off ("Ihr Jobcenter")
_REMEDY_AT = r"(?:widerspruch|einspruch)\b[^.]{{0,160}}?{authority}"
_SIGN_OFF = r"^\W*ihre?\s+{authority}[^.\n]{{0,40}}$"
_SEGMENT = re.compile(r"\s[-–—]+\s|[·|•]|,\s")  # what separates the parts of a letterhead line
SENDER_WORDS = 2  # a sender's name starts its part of a letterhead line, after at most this many words

# a letterhead line that names a court or an authority: such a letter is no employer's
_OFFICIAL_SENDER = re.compile(
    rf"^\W*(?:der\s+|die\s+|das\s+)?(?:"
    rf"(?:amts|arbeits|landes?arbeits|sozial|landessozial|verwaltungs|ober\w*|finanz|land|bundes\w*)?gericht\b"
    rf"|(?:finanz|bezirks|landrats|ordnungs|sozial|standes|b{UE}rger|jugend|gesundheits|ausl{AE}nder|landes|bundes"
    rf"|versorgungs|einwohnermelde|haupt|steuer)amt\b|amt\s+f{UE}r\b|\w*beh{OE}rde\b"
    rf"|job\s?-?center\b|(?:bundes)?agentur\s+f{UE}r\s+arbeit|familienkasse|landkreis\b|kreisverwaltung\b"
    rf"|(?:landeshaupt|kreis|universit{AE}ts|hanse)?stadt\s+[a-zäöü]|gemeinde\s+[a-zäöü]|bezirksamt|regierungspr{AE}sidium"
    rf"|(?:ober)?b{UE}rgermeister|landrat\b|bundesamt\b|landesamt\b|deutsche\s+rentenversicherung"
    rf"|(?:aok|barmer|dak|ikk|bkk)\b|(?:techniker\s+)?\w*krankenkasse\b"
    rf")",
    re.I,
)
_REGISTER = re.compile(r"\bHR\s?[AB]\b|registergericht|handelsregister|\bsitz\b", re.I)
# what an employer ends, warns about or agrees on: without one, a Kündigung or an Abmahnung is a landlord's or a bank's
_JOB = re.compile(
    rf"arbeitsverh{AE}ltnis|besch{AE}ftigungsverh{AE}ltnis|ausbildungsverh{AE}ltnis|dienstverh{AE}ltnis|arbeitsvertrag"
    rf"|arbeitsvertragliche|arbeitnehmer|probezeit|arbeitsplatz|arbeitsrechtliche|betriebsrat|betriebszugeh{OE}rigkeit"
    rf"|arbeitszeit",
    re.I,
)
# words of a job: without one, no letter is an employer's dismissal, warning, payslip or contract
_WORK = re.compile(
    rf"arbeitsverh{AE}ltnis|arbeitsvertrag|arbeitgeber|arbeitnehmer|besch{AE}ftigung|besch{AE}ftigt\s+(?:als|bei|seit)"
    rf"|\blohn\b|\blohn(?:abrechnung|steuer|art|konto)|\bgehalt\b|\bgehalts(?:abrechnung|zahlung)|arbeitsentgelt"
    rf"|\bentgelt(?:abrechnung|nachweis|gruppe|fortzahlung)|\bverdienst|personalabteilung|personal\s?-?n(?:umme)?r"
    rf"|pers\.\s?-?nr|arbeitsplatz|arbeitsleistung|probezeit|dienstplan|\bschicht|arbeitszeit|betriebsrat"
    rf"|arbeitsrechtliche",
    re.I,
)
# what makes a payslip one: its title, or the line with the pay that reaches the account
_PAYSLIP_TITLE = re.compile(
    r"(?:lohn|gehalts|entgelt|verdienst|bez(?:ü|ue|u)ge)\s?-?(?:abrechnung|nachweis)|abrechnung\s+der\s+brutto",
    re.I,
)
_NET_PAY = re.compile(
    r"auszahlungsbetrag|(?:^|\n)\s*auszahlung\b|(?:^|\s)netto\s?-?(?:verdienst|lohn|bez(?:ü|ue|u)ge|gehalt|entgelt|betrag)"
    r"|(?:ü|ue|u)berweisungsbetrag",
    re.I,
)
# where the letterhead ends: the address window ("Herrn", "Frau", "Familie", "An") or the salutation
_AFTER_LETTERHEAD = re.compile(
    r"^\W*(?:herrn?|frau|familie|eheleute|an\s+(?:die|den|das|herrn?|frau)|sehr\s+geehrte|liebe[rs]?|hallo|guten\s+tag)\b",
    re.I,
)


def letterhead(text: str) -> str:
    """The lines above the address window or the salutation (at most SENDER_LINES): where a letter names its sender.

    Not the whole top of the page: a contract or a payslip has no address window, and its clauses and
    table rows ("Agentur für Arbeit arbeitsuchend melden", "Krankenkasse | AOK") would read as senders.
    """
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if _AFTER_LETTERHEAD.match(line) or len(lines) >= SENDER_LINES:
            break
        lines.append(line.strip())
    return "\n".join(lines)


def official_sender(head: str) -> bool:
    """A line of the letterhead names a court or an authority (Arbeitsgericht, Finanzamt, Landkreis, Jobcenter …);
    not the register court in a company's small print ("Amtsgericht Hannover HRB 208311")."""
    return any(_OFFICIAL_SENDER.match(line) and not _REGISTER.search(line) for line in head.splitlines())


def from_authority(kind: str, text: str, head: str) -> bool:
    """A Bescheid kind's authority sent the letter: its name in the letterhead, or the letter calls itself a
    Bescheid and names that authority as where to object or as its signature. A school letter or a dismissal
    that mentions the Jobcenter or the Agentur, or another body's Bescheid that mentions Bürgergeld, is none."""
    authority = AUTHORITY[kind]
    if any(_starts_part(authority, line) for line in head.splitlines()):
        return True
    named = re.search(_REMEDY_AT.format(authority=authority.pattern), text, re.I | re.S) or re.search(
        _SIGN_OFF.format(authority=authority.pattern), text, re.I | re.M
    )
    return bool(named and _SELF_BESCHEID.search(text))


def _starts_part(name: re.Pattern[str], line: str) -> bool:
    """`name` opens a part of the line ("Bundesagentur für Arbeit – Familienkasse Bayern Süd", "Abteilung Ordnung –
    Ausländerangelegenheiten"), as a sender's name does, not the middle of a sentence that mentions it."""
    for part in _SEGMENT.split(line):
        found = name.search(part)
        if found and len(part[: found.start()].split()) <= SENDER_WORDS:
            return True
    return False


def about_work(text: str) -> bool:
    """The letter speaks of a job (Arbeitsverhältnis, Arbeitgeber, Lohn …): an employer's letter needs one."""
    return bool(_WORK.search(text))


def about_a_job(text: str) -> bool:
    """The letter names an employment itself (Arbeitsverhältnis, Arbeitsvertrag, Probezeit …), not only an
    employer in passing ("tell your employer your new account"): what a dismissal, a warning, an agreement
    to part or a contract is about."""
    return bool(_JOB.search(text))


def is_payslip(text: str) -> bool:
    """A payslip is titled one (Lohn-, Gehalts-, Entgelt-, Verdienstabrechnung) or states the net pay paid out."""
    return bool(_PAYSLIP_TITLE.search(text) or _NET_PAY.search(text))
