"""Personal data taken out of free text before it leaves the conversation or outlives it.

Editors improve the knowledge base from what people asked (the unanswered report, drafts made from an
advisor's reply), and admins write a reason when they open a conversation without consent (the audit
log). They need the question, not who asked it. Replaced by placeholders, in the bot's eight languages:

- phone numbers: Google's libphonenumber metadata (the `phonenumbers` package) finds valid numbers in
  German and international format, also short landlines such as "(0511) 123-45"; any other run of 7+
  digits is masked too (pattern), so a number written oddly ("0 1 5 1 / 2 3 4 …") does not slip through;
- e-mail addresses, also written "name (at) host (dot) de";
- IBANs, any country, with or without spaces;
- dates of birth: a date after "geboren", "born", "né", "родился", "doğum", "تاريخ الميلاد", "تاریخ تولد" …,
  and any full date with a year at least 15 years back (a birth date or an old fact about the person);
- addresses: German street names with a house number ("Musterstraße 12a", "Am Markt 3"), postcode and
  town ("30159 Hannover"), and street words of the other languages ("ул. Ленина 5", "5 rue de la Paix");
- names a person gives ("ich heiße …", "my name is …", "меня зовут …", "اسمي …") or a title with a
  capitalised name ("Frau Schmidt", "Mr Smith").

It errs towards removing: a long order number is masked like a phone number. Deadlines stay (a date in
this decade is what the question is about). Names said without an introduction are not found; that is
why drafts made from a conversation are deleted with it and audit reasons are blanked
(bot.services.accounts.forget_reasons). No library was available for the rest: presidio needs spaCy
models per language (not installable offline here), scrubadub is unmaintained and English-only.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers

PHONE_REGION = "DE"  # national numbers without +49 are read as German ones; "+…" numbers as written

EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|\(at\)|\[at\]|\{at\})\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\]|\(punkt\))\s*[\w-]+)+",
    re.IGNORECASE,
)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){3,7}(?:[ -]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
# 7+ digits, optionally with +, spaces, dots, slashes, dashes or brackets between them
PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s./()-]{0,3}\d){6,}(?![\w])")
DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")  # 12.03.2023 is a deadline, not a phone number
FULL_DATE = re.compile(r"(?<![\d.])(\d{1,2})\s?[./-]\s?(\d{1,2})\s?[./-]\s?(\d{4})(?![\d])")
ISO_DATE = re.compile(r"(?<![\d.])(\d{4})\s?[./-]\s?(\d{1,2})\s?[./-]\s?(\d{1,2})(?![\d])")
YEARS_BACK = 15  # a full date this old is a birth date or an old fact about the person, not a deadline

_MONTH_OR_NUMBER = r"[\w.]{1,12}"
# "geboren am 3. März 1990", "born 03/12/1990", "né le 3 mars 1990", "родился 3 марта 1990 года" …
BIRTH = re.compile(
    r"(?P<intro>\b(?:geboren|geb\.|geburtsdatum|geburtstag|born|birthday|date\s+of\s+birth|d\.?o\.?b\.?|"
    r"née?|date\s+de\s+naissance|родил(?:ся|ась)|дата\s+рождения|день\s+рождения|народил(?:ся|ася)|"
    r"дата\s+народження|день\s+народження|doğum\s+tarihi(?:m)?|doğumluyum|doğdum)"
    r"|تاريخ\s+الميلاد|تاريخ\s+ميلادي|ولدت|مواليد|تاریخ\s+تولد|متولد|به\s+دنیا\s+آمدم)"
    r"(?P<sep>[\s:,]*(?:am|on|le|в|у|في|در)?[\s:,]*)"
    r"(?P<date>\d{4}\s?[./-]\s?\d{1,2}\s?[./-]\s?\d{1,2}"
    rf"|\d{{1,2}}\s?[./-]\s?\d{{1,2}}\s?[./-]\s?\d{{2,4}}|(?:\d{{1,2}}\.?\s+)?(?:{_MONTH_OR_NUMBER}\s+)?\d{{4}}"
    rf"|{_MONTH_OR_NUMBER}\s+\d{{1,2}},?\s+\d{{4}})",
    re.IGNORECASE,
)

# German street names: a capitalised word ending in a street word, or a preposition and a name; a number
STREET_WORDS = (
    r"straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|chaussee|ufer|pfad|stieg|steig|markt|hof|"
    r"berg|feld|graben|kamp|wall|brücke|siedlung|garten|anger|winkel"
)
# house numbers have 1-3 digits, so "Arbeitsmarkt 2026" stays; "Am Montag 3 Stunden" is why "Am …" is not read
STREET = re.compile(
    rf"\b[A-ZÄÖÜ][\wäöüß.-]*(?:{STREET_WORDS})\s+\d{{1,3}}\s?[a-zA-Z]?\b(?:\s?[-/]\s?\d{{1,3}}[a-zA-Z]?\b)?"
)
# "30159 Hannover": a German postcode and a town (not an amount: "12000 Euro")
POSTCODE = re.compile(r"\b(?:D-)?[0-9]{5}\s+(?!Euro\b|EUR\b|Dollar\b|Stunden\b|Tage\b|Menschen\b)[A-ZÄÖÜ][\wäöüß-]+")
# street words of the other languages: "ул. Ленина, 5", "вулиця Шевченка 12", "Atatürk Caddesi No: 5",
# "5 rue de la Paix", "شارع النيل 12", "خیابان آزادی ۱۲"
FOREIGN_STREET = re.compile(
    r"(?:\b(?:ул\.|улица|пр-т|проспект|вул\.|вулиця|просп\.)\s*[^\d\n,;]{1,30}?,?\s*\d{1,4}"
    r"|\b[\wçğıöşü]+\s+(?:cad(?:desi)?\.?|caddesi|sok(?:ak|ağı)?\.?|mah(?:allesi)?\.?|bulvarı)\s*(?:no:?\s*)?\d{1,4}"
    r"|\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|bd|chemin|allée|place|impasse|quai)\s+[^\n,;.]{1,40}"
    r"|(?:شارع|خیابان|کوچه|بلوار)\s+[^\d\n،,]{1,30}?\s*\d{1,4})",
    re.IGNORECASE,
)

_NAME_WORD = r"[^\W\d_][\w'’-]*"
# "<introduction> Name [Surname [Surname]]" in de, en, fr, ru, uk, tr, ar, fa
INTRODUCTION = re.compile(
    r"(?P<intro>\b(?:ich\s+heiße|ich\s+heisse|mein\s+name\s+ist|ich\s+bin\s+(?:der|die)|my\s+name\s+is|"
    r"i\s+am\s+called|call\s+me|je\s+m'appelle|je\s+m’appelle|mon\s+nom\s+est|меня\s+зовут|мене\s+звати|"
    r"моё\s+имя|моє\s+ім'я|benim\s+adım|adım|ismim)"
    r"|اسمي|أنا\s+اسمي|اسم\s+من|نام\s+من|من)"
    r"(?P<sep>[\s:,]+(?:ist\s+|is\s+|est\s+)?)"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})",
    re.IGNORECASE | re.UNICODE,
)
# "Frau Schmidt", "Mr Smith": a title and a capitalised name (case-sensitive, so "meine Frau arbeitet" stays)
SALUTATION = re.compile(r"\b(?P<title>Frau|Herrn?|Mrs?\.?|Ms\.?|Madame|Monsieur|Mme\.?)\s+[A-ZÄÖÜ][\w'’-]+")
NAME_STOPWORDS = frozenset(
    {"nicht", "not", "pas", "ein", "eine", "a", "an", "the", "hier", "here", "seit", "since", "krank", "sick"}
)


def _name(match: re.Match[str]) -> str:
    words = match.group("name").split()
    if words and words[0].lower() in NAME_STOPWORDS:  # "ich bin nicht …", "I am not …": no name follows
        return match.group(0)
    return f"{match.group('intro')}{match.group('sep')}[Name]"


def _phone(match: re.Match[str]) -> str:
    return match.group(0) if DATE.fullmatch(match.group(0).strip()) else "[Telefon]"


def _library_phones(text: str) -> str:
    """Valid numbers by libphonenumber's metadata, replaced from the end so offsets stay right."""
    found = [
        (m.start, m.end)
        for m in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION, leniency=phonenumbers.Leniency.VALID)
    ]
    for start, end in reversed(found):
        if not DATE.fullmatch(text[start:end].strip()):
            text = f"{text[:start]}[Telefon]{text[end:]}"
    return text


def _old_date(match: re.Match[str]) -> str:
    first, month, last = (int(g) for g in match.groups())
    day, year = (first, last) if last > 31 else (last, first)  # 12.03.1990 or 1990-03-12
    if 1 <= day <= 31 and 1 <= month <= 12 and year <= dt.date.today().year - YEARS_BACK:
        return "[Datum]"
    return match.group(0)


def redact(text: str) -> str:
    """`text` with phone numbers, e-mail addresses, IBANs, dates of birth, addresses and names as placeholders."""
    if not text:
        return text
    text = EMAIL.sub("[E-Mail]", text)
    text = IBAN.sub("[IBAN]", text)
    text = BIRTH.sub(lambda m: f"{m.group('intro')}{m.group('sep')}[Datum]", text)
    text = FULL_DATE.sub(_old_date, text)
    text = ISO_DATE.sub(_old_date, text)
    text = STREET.sub("[Adresse]", text)
    text = FOREIGN_STREET.sub("[Adresse]", text)
    text = POSTCODE.sub("[Adresse]", text)
    text = _library_phones(text)
    text = PHONE.sub(_phone, text)
    text = SALUTATION.sub(lambda m: f"{m.group('title')} [Name]", text)
    return INTRODUCTION.sub(_name, text)
