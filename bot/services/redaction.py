"""Personal data taken out of a text before it leaves the conversation (the unanswered report, drafts).

Editors improve the knowledge base from what people asked; they need the question, not who asked
it. Phone numbers, e-mail addresses, IBANs and the name a person gives ("ich heiße …", "my name
is …", in the bot's eight languages; "Frau …", "Mr …") become placeholders. Pattern-based, so it errs towards
removing: a long number that is not a phone number is masked too. Names said without such an
introduction are not found; that is why drafts made from a conversation are also deleted with it.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
# 7+ digits, optionally with +, spaces, dots, slashes, dashes or brackets between them
PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s./()-]{0,2}\d){6,}(?![\w])")
DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")  # 12.03.2023 is a deadline, not a phone number
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


def redact(text: str) -> str:
    """`text` with e-mail addresses, IBANs, phone numbers and introduced names replaced by placeholders."""
    if not text:
        return text
    text = EMAIL.sub("[E-Mail]", text)
    text = IBAN.sub("[IBAN]", text)
    text = PHONE.sub(_phone, text)
    text = SALUTATION.sub(lambda m: f"{m.group('title')} [Name]", text)
    return INTRODUCTION.sub(_name, text)
