"""Hypothesis strategies for Telegram updates, built from the Bot API spec (../shared/telegram-bot-api/api.json).

Why generated from the spec and not hand-written: the spec lists every field of every type the Bot API
can send, so the updates cover kinds and fields nobody thought of (a giveaway, a business message, a
paid-media purchase), and a newer spec file brings its new fields into the test by itself. Valid updates
follow the field types; broken ones drop a required field, put a wrong type in, carry 4096+ characters
or odd Unicode, or are of an update kind the spec does not know.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from hypothesis import strategies as st

from tests.emulator.spec import default_spec_path

MAX_DEPTH = 3  # nested objects beyond this carry their required fields only
ODD_TEXT = st.sampled_from(
    [
        "\u202eevil\u202c",  # right-to-left override
        "a\u200bb\u200d\u2060c\ufeff",  # zero-width characters
        "nul\x00byte",
        "\U0001f600" * 50,  # emoji beyond the BMP
        "\ud800",  # a lone surrogate (JSON can carry it as \\ud800)
        "ﷺ" * 300,  # one code point that renders very wide
        "<b>not closed",
        "{service.phone} %s {0}",
        "ي" * 5000,  # right-to-left text beyond 4096 characters
        " \n\t ",
    ]
)
TEXT = st.one_of(st.text(max_size=60), ODD_TEXT, st.text(min_size=4097, max_size=4200))


@cache
def api_types() -> dict[str, Any]:
    data = json.loads(default_spec_path().read_text(encoding="utf-8"))
    return dict(data["types"])


def _scalar(name: str) -> st.SearchStrategy[Any] | None:
    if name == "Integer":
        return st.integers(min_value=-(2**52), max_value=2**52)
    if name == "Float":
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if name == "String":
        return TEXT
    if name in ("Boolean", "True"):
        return st.just(True) if name == "True" else st.booleans()
    return None


def value_of(type_name: str, depth: int) -> st.SearchStrategy[Any]:
    """A value of one spec type name ("Integer", "Array of PhotoSize", "Message", ...)."""
    array = re.fullmatch(r"Array of (.+)", type_name)
    if array:
        return st.lists(st.deferred(lambda: value_of(array.group(1), depth + 1)), max_size=2)
    scalar = _scalar(type_name)
    if scalar is not None:
        return scalar
    return st.deferred(lambda: object_of(type_name, depth + 1))


@cache
def object_of(name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """An object of spec type `name`: required fields always, optional ones while not too deep."""
    spec = api_types().get(name)
    if spec is None:
        return st.just({})
    if spec.get("subtypes"):  # e.g. ChatMember, MessageOrigin, ReactionType
        subtypes: list[str] = list(spec["subtypes"])
        return st.one_of([_deferred_object(sub, depth) for sub in subtypes])
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in spec.get("fields", []):
        choice = st.one_of([value_of(t, depth) for t in field["types"]])
        literal = _literal_type(field) if field["name"] in ("type", "source", "status") else None
        if literal is not None and field["types"] == ["String"]:
            choice = literal
        (required if field.get("required") else optional)[field["name"]] = choice
    if depth >= MAX_DEPTH or not optional:
        return st.fixed_dictionaries(required)
    keys = sorted(optional)  # a few optional fields per object keep updates small and varied
    return st.sets(st.sampled_from(keys), max_size=3).flatmap(
        lambda chosen: st.fixed_dictionaries({**required, **{k: optional[k] for k in chosen}})
    )


def _deferred_object(name: str, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.deferred(lambda: object_of(name, depth))


def _literal_type(field: dict[str, Any]) -> st.SearchStrategy[str] | None:
    """The discriminator of a union ('Type of the chat, can be either “private”, …'), read from its description."""
    found = re.findall(r"[“\"]([a-z_]+)[”\"]", field.get("description", ""))
    return st.sampled_from(found) if found else None


def update_kinds() -> list[tuple[str, str]]:
    """(field name, type) of every kind of update the spec knows, e.g. ("message", "Message")."""
    return [(f["name"], f["types"][0]) for f in api_types()["Update"]["fields"] if f["name"] != "update_id"]


COMMANDS = st.sampled_from(["/start", "/help", "/delete", "/privacy", "/advisor", "/language", "/export", "/x" * 40])
CALLBACK_DATA = st.sampled_from(["del:y", "del:n", "consent:1:y", "adv:request", "fb:1:1", "calc:x", "", "\x00"])


@st.composite
def valid_update(draw: st.DrawFn, update_id: int) -> dict[str, Any]:
    kind, type_name = draw(st.sampled_from(update_kinds()))
    payload = draw(object_of(type_name))
    # What the bot's handlers read, more often than the spec's many optional fields would give it
    if type_name == "Message" and draw(st.booleans()):
        payload["text"] = draw(st.one_of(TEXT, COMMANDS))
        payload["chat"]["type"] = draw(st.sampled_from(["private", "private", "group"]))
    if type_name == "CallbackQuery" and draw(st.booleans()):
        payload["data"] = draw(st.one_of(CALLBACK_DATA, st.text(max_size=70)))
    return {"update_id": update_id, kind: payload}


def _break(draw: st.DrawFn, update: dict[str, Any]) -> dict[str, Any]:
    kind = next(k for k in update if k != "update_id")
    payload = update[kind]
    how = draw(st.sampled_from(["drop_required", "wrong_type", "unknown_kind", "not_an_object", "huge_text"]))
    if how == "drop_required" and isinstance(payload, dict) and payload:
        payload.pop(draw(st.sampled_from(sorted(payload))))
    elif how == "wrong_type" and isinstance(payload, dict) and payload:
        payload[draw(st.sampled_from(sorted(payload)))] = draw(
            st.one_of(st.text(max_size=5), st.integers(), st.none(), st.lists(st.integers(), max_size=2))
        )
    elif how == "unknown_kind":
        update = {"update_id": update["update_id"], "kind_from_2030": payload}
    elif how == "not_an_object":
        update[kind] = draw(st.one_of(st.text(max_size=5), st.integers(), st.lists(st.none(), max_size=2)))
    else:
        update[kind] = {**(payload if isinstance(payload, dict) else {}), "text": "x" * 5000}
    return update


@st.composite
def any_update(draw: st.DrawFn, update_id: int) -> dict[str, Any]:
    """A valid update, or one broken in one of the ways a buggy or newer Bot API could send."""
    update = draw(valid_update(update_id))
    return _break(draw, update) if draw(st.booleans()) else update


@st.composite
def message_from(draw: st.DrawFn, update_id: int, chat_id: int, language: str) -> dict[str, Any]:
    """A private text message from a known person (so a reply can be checked), with generated text."""
    message = {
        "message_id": draw(st.integers(min_value=1, max_value=2**31)),
        "date": 1_800_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "P"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "P", "language_code": language},
        "text": draw(TEXT),
    }
    return {"update_id": update_id, "message": message}
