"""The Bot API description (api.json) turned once into lookup tables.

The file lives in the read-only shared folder beside the repository; it is read a single time per
process, so validating a call costs only dictionary lookups.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

SPEC_ENV = "FAIRBOT_BOT_API_SPEC"
PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})


@dataclass(frozen=True, slots=True)
class TypeRef:
    """One alternative of a field type: `depth` times "Array of", then a base type name."""

    base: str
    depth: int

    @classmethod
    def parse(cls, text: str) -> TypeRef:
        depth = 0
        while text.startswith("Array of "):
            text = text[len("Array of ") :]
            depth += 1
        return cls(text, depth)

    def __str__(self) -> str:
        return "Array of " * self.depth + self.base


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[TypeRef, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """A method's parameters or a type's fields; `subtypes` is set for union types like MenuButton."""

    name: str
    fields: tuple[FieldSpec, ...]
    subtypes: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.required)


@dataclass(frozen=True, slots=True)
class ApiSpec:
    version: str
    methods: dict[str, ObjectSpec]
    types: dict[str, ObjectSpec]
    returns: dict[str, tuple[str, ...]]


def default_spec_path() -> Path:
    override = os.environ.get(SPEC_ENV)
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "telegram-bot-api" / "api.json"


def _object(name: str, raw: dict[str, Any]) -> ObjectSpec:
    fields = tuple(
        FieldSpec(
            name=str(f["name"]),
            types=tuple(TypeRef.parse(t) for t in f["types"]),
            required=bool(f.get("required")),
        )
        for f in raw.get("fields", [])
    )
    return ObjectSpec(name=name, fields=fields, subtypes=tuple(raw.get("subtypes", ())))


@lru_cache(maxsize=4)
def load_spec(path: Path | None = None) -> ApiSpec:
    data = json.loads((path or default_spec_path()).read_text(encoding="utf-8"))
    return ApiSpec(
        version=str(data.get("version", "")),
        methods={name: _object(name, raw) for name, raw in data["methods"].items()},
        types={name: _object(name, raw) for name, raw in data["types"].items()},
        returns={name: tuple(raw.get("returns", ())) for name, raw in data["methods"].items()},
    )
