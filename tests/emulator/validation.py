"""Checks a call's parameters against api.json and converts them to Python values.

Form fields arrive as strings (aiogram sends JSON-encoded strings for objects and arrays, "true" for
booleans), JSON bodies arrive typed; both end up as the same typed dict. Unknown parameters are
ignored, as Telegram does.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError, bad_request
from .files import Upload
from .spec import ApiSpec, FieldSpec, ObjectSpec, TypeRef

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_MISSING_MESSAGES = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "callback_query_id": "query_id is empty",
    "message_id": "message identifier is not specified",
}


class _Mismatch(Exception):
    """A value does not fit one type alternative; carries the reason for the final message."""


class Validator:
    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec
        self._methods = {name.lower(): obj for name, obj in spec.methods.items()}

    def method(self, name: str) -> ObjectSpec | None:
        return self._methods.get(name.lower())

    def validate(self, method: ObjectSpec, params: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in method.fields:
            value = params.get(field.name)
            if value is None or (value == "" and field.required):
                if field.required:
                    raise bad_request(_MISSING_MESSAGES.get(field.name, f'parameter "{field.name}" is required'))
                continue
            try:
                out[field.name] = self._field(field, value, field.name)
            except _Mismatch as exc:
                raise bad_request(str(exc)) from None
        return out

    def validate_object(self, type_name: str, value: Any) -> dict[str, Any]:
        """Public for tests and for the server's own checks of nested objects."""
        try:
            return self._object(self.spec.types[type_name], value, type_name)
        except _Mismatch as exc:
            raise bad_request(str(exc)) from None

    def _field(self, field: FieldSpec, value: Any, path: str) -> Any:
        first: _Mismatch | None = None
        for ref in field.types:
            try:
                return self._value(ref, value, path)
            except _Mismatch as exc:
                first = first or exc
        assert first is not None
        if len(field.types) > 1 and all(r.base in _SCALARS for r in field.types):
            expected = " or ".join(str(r) for r in field.types)
            raise _Mismatch(f'field "{path}" must be of type {expected}')
        raise first

    def _value(self, ref: TypeRef, value: Any, path: str) -> Any:
        if ref.depth:
            if isinstance(value, str):
                value = _json(value, f"can't parse {path} JSON array")
            if not isinstance(value, list):
                raise _Mismatch(f'field "{path}" must be an Array')
            inner = TypeRef(ref.base, ref.depth - 1)
            return [self._value(inner, item, f"{path}[{i}]") for i, item in enumerate(value)]
        scalar = _SCALARS.get(ref.base)
        if scalar is not None:
            return scalar(value, path, ref.base)
        obj = self.spec.types.get(ref.base)
        if obj is None:
            return value
        return self._object(obj, value, path)

    def _object(self, obj: ObjectSpec, value: Any, path: str) -> dict[str, Any]:
        if isinstance(value, str):
            value = _json(value, f"can't parse {obj.name} JSON object")
        if not isinstance(value, dict):
            raise _Mismatch(f'field "{path}" must be a JSON object of type {obj.name}')
        if obj.subtypes:
            return self._union(obj, value, path)
        out = dict(value)
        for field in obj.fields:
            item = value.get(field.name)
            if item is None:
                if field.required:
                    raise _Mismatch(f'can\'t parse {obj.name}: field "{path}.{field.name}" is required')
                continue
            out[field.name] = self._field(field, item, f"{path}.{field.name}")
        return out

    def _union(self, obj: ObjectSpec, value: dict[str, Any], path: str) -> dict[str, Any]:
        first: _Mismatch | None = None
        for name in obj.subtypes:
            try:
                return self._object(self.spec.types[name], value, path)
            except _Mismatch as exc:
                first = first or exc
        raise _Mismatch(f"can't parse {obj.name}: no variant matches ({first})")


def _json(text: str, message: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise _Mismatch(message) from None


def _integer(value: Any, path: str, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _Mismatch(f'field "{path}" must be of type Integer')


def _float(value: Any, path: str, name: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise _Mismatch(f'field "{path}" must be of type Float')


def _boolean(value: Any, path: str, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    raise _Mismatch(f'field "{path}" must be of type Boolean')


def _string(value: Any, path: str, name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _Mismatch(f'field "{path}" must be of type String')


def _input_file(value: Any, path: str, name: str) -> str | Upload:
    if isinstance(value, (str, Upload)):
        return value
    raise _Mismatch(f'field "{path}" must be a file_id, an HTTP URL or an uploaded file')


_SCALARS: dict[str, Any] = {
    "Integer": _integer,
    "Float": _float,
    "Boolean": _boolean,
    "True": _boolean,
    "String": _string,
    "InputFile": _input_file,
}


def check(condition: bool, reason: str) -> None:
    if not condition:
        raise bad_request(reason)


__all__ = ["ApiError", "Validator", "check"]
