"""The knowledge entry format: one YAML file per entry, validated by pydantic.

An entry is the unit editors review: one topic, one legal review date, one
source list, and the same answer in every supported language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)

from knowledge.service_fields import BRACE, field_problems

SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")
SOURCE_LANGUAGE = "de"  # translations are stale when the German text changed after them
FALLBACK_LANGUAGE = "en"  # answer language for languages without content
MAX_ANSWER_CHARS = 900
ENTRY_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: NonEmpty
    url: HttpUrl
    why: str | None = None  # a source outside the official domains (knowledge/content_rules.py) says why it is needed


class EntryText(BaseModel):
    """One language version of an entry: how people ask, and what the bot answers."""

    model_config = ConfigDict(extra="forbid")

    title: NonEmpty
    questions: list[NonEmpty] = Field(default_factory=list)
    answer: NonEmpty

    @field_validator("answer")
    @classmethod
    def _no_markup(cls, value: str) -> str:
        # Answers are plain text; the composer escapes them for Telegram HTML.
        if re.search(r"<\s*/?\s*[a-zA-Z][^>]*>", value):
            raise ValueError("answer must be plain text without HTML tags (the bot adds formatting)")
        problems = field_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("title", "questions")
    @classmethod
    def _no_fields(cls, value: str | list[str]) -> str | list[str]:
        # Fields are filled in only in answers (service profile); a title or question is matched as written.
        if any(BRACE.search(v) for v in ([value] if isinstance(value, str) else value)):
            raise ValueError("braces and {service.…} fields are allowed only in answers")
        return value

    @property
    def answer_lead(self) -> str:
        """The answer itself: its first paragraph, before the next step and the contacts.

        Only this part is embedded: the later paragraphs ("Help: Faire Integration, your
        union...") repeat across entries and would pull unrelated entries together, and
        embedding whole answers costs most of the build time.
        """
        return self.answer.split("\n\n", 1)[0].strip()


class Review(BaseModel):
    """The legal review record of an entry: who fixed it, who checked it independently, what they found.

    `fairbot kb review-report` turns these records into docs/content-review.md.
    """

    model_config = ConfigDict(extra="forbid")

    date: dt.date
    writer: NonEmpty  # who (or which session) checked every statement and fixed the text
    checker: str | None = None  # the independent second pass; None until it has happened
    statements: int = Field(ge=0)  # statements checked against a primary source
    defects_fixed: list[NonEmpty] = Field(default_factory=list)
    unconfirmed: list[NonEmpty] = Field(default_factory=list)  # softened into "ask an advisor", or removed
    outcome: str = "pending"  # agreed | defects-fixed | pending


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=ENTRY_ID)]
    topic: NonEmpty
    reviewed: dt.date
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    region: str | None = None  # None = national; e.g. "ni" for a regional override
    sources: list[Source] = Field(min_length=1)
    review: Review | None = None
    replaces: str | None = None  # id of the entry this one succeeds when the older one's valid_until passes
    texts: dict[str, EntryText]

    @field_validator("texts")
    @classmethod
    def _languages_known(cls, texts: dict[str, EntryText]) -> dict[str, EntryText]:
        unknown = sorted(set(texts) - set(SUPPORTED_LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language(s) {unknown}; supported: {list(SUPPORTED_LANGUAGES)}")
        missing = [lang for lang in SUPPORTED_LANGUAGES if lang not in texts]
        if missing:
            raise ValueError(f"missing language(s) {missing}: every entry needs all of {list(SUPPORTED_LANGUAGES)}")
        return texts

    @model_validator(mode="after")
    def _dates_in_order(self) -> Entry:
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError(f"valid_from {self.valid_from} is after valid_until {self.valid_until}")
        return self

    def is_expired_on(self, day: dt.date) -> bool:
        return bool(self.valid_until and day > self.valid_until)

    def is_valid_on(self, day: dt.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)

    def text(self, lang: str) -> EntryText:
        return self.texts.get(lang) or self.texts[FALLBACK_LANGUAGE]

    def content_hash(self) -> str:
        """Changes whenever anything a user could see changes; the index manifest records it."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]
