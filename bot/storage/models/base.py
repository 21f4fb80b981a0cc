"""The declarative base and the column types every model shares.

Timestamps are timezone-aware UTC everywhere (`UTCDateTime` re-attaches UTC on
SQLite, which stores naive values).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC, returns aware datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# Stripped from every stored text (see CleanText) and from every inbound message (Inbound.of): NUL and the other C0 controls but tab and newlines
# (PostgreSQL rejects NUL), the bidi embeddings, overrides and isolates (U+202A-E, U+2066-9: they reorder
# what the console shows, e.g. make "exe.txt" read "txt.exe"), and invisible characters that carry no
# meaning in text (zero-width space, word joiner, invisible operators, BOM). Kept on purpose: U+200C/U+200D
# (Persian needs the non-joiner, emoji sequences the joiner) and the plain LRM/RLM marks.
_UNSAFE = dict.fromkeys(
    [
        *range(0x00, 0x09),
        0x0B,
        0x0C,
        *range(0x0E, 0x20),
        0x7F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x200B,
        0x180E,
        *range(0x2060, 0x2065),
        0xFEFF,
    ]
)
# Lone UTF-16 surrogates (U+D800-DFFF) are not characters: JSON can carry them ("\ud800"), but UTF-8
# cannot encode them, so the database driver and the tokenizer fail on them. Shown as U+FFFD instead.
_UNSAFE.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))


def clean_text(value: str) -> str:
    """`value` without the characters of `_UNSAFE`."""
    return value.translate(_UNSAFE)


class CleanText(TypeDecorator[str]):
    """Text that is cleaned going in and coming out (rows stored before the cleaning are shown clean too)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else clean_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else clean_text(value)


# JSON on every backend; JSONB would be nicer on PostgreSQL but nothing queries inside it.
JSONType = JSON()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime, dict[str, Any]: JSONType}
