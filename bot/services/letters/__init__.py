"""Reading a letter: a photo or PDF of a German letter to its kind, date, figures and the deadline it starts.

`ocr.py` turns the file into text (Tesseract, offline), `kinds.py` tells the kind, `facts.py`
finds dates, amounts and the remedy, `reader.py` puts them together with the deadline from the
calculators, and `render.py` says it in the person's language. No aiogram, no FastAPI, no
database here: what the chat keeps, and only with the person's consent, is decided by
bot/services/conversations/letters.py.
"""

from __future__ import annotations

from bot.services.letters.kinds import KINDS, UNKNOWN
from bot.services.letters.ocr import ACCEPTED_TYPES, MAX_BYTES, LetterFileError
from bot.services.letters.reader import LetterReading, interpret, read_letter

__all__ = [
    "ACCEPTED_TYPES",
    "KINDS",
    "MAX_BYTES",
    "UNKNOWN",
    "LetterFileError",
    "LetterReading",
    "interpret",
    "read_letter",
]
