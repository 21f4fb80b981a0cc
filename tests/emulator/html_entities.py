"""Telegram's parse_mode=HTML: the tag set, entity decoding and error texts of the real parser.

The result is the plain text a user sees plus MessageEntity dicts with UTF-16 offsets. One deliberate
difference: a bare `&` that starts no known entity is rejected (Telegram keeps it), so a bot that
forgets to escape user text fails here before it fails in production on a `<`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED = frozenset({*_SIMPLE_TAGS, "a", "span", "tg-emoji"})
_ATTR = re.compile(r"""\s*([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


@dataclass(slots=True)
class _Open:
    tag: str
    start_utf16: int
    attrs: dict[str, str]
    byte_offset: int
    entity_type: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _decode_entities(raw: str, base_offset: int, strict: bool) -> str:
    if "&" not in raw:
        return raw
    out: list[str] = []
    pos = 0
    while True:
        amp = raw.find("&", pos)
        if amp < 0:
            out.append(raw[pos:])
            return "".join(out)
        out.append(raw[pos:amp])
        m = _ENTITY.match(raw, amp)
        decoded: str | None = None
        if m:
            if m.group(1) or m.group(2):
                code = int(m.group(1), 10) if m.group(1) else int(m.group(2), 16)
                if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                    decoded = chr(code)
            else:
                decoded = _NAMED.get(m.group(3).lower())
        if decoded is None:
            if strict:
                offset = base_offset + len(raw[:amp].encode("utf-8"))
                raise _error(f'Unsupported HTML entity or unescaped "&" at byte offset {offset}')
            out.append("&")
            pos = amp + 1
            continue
        out.append(decoded)
        pos = m.end()  # type: ignore[union-attr]


def parse_html(source: str, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) or raise ApiError 400 "can't parse entities: ..."."""
    text_parts: list[str] = []
    utf16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    pos = 0
    n = len(source)
    byte_base = 0  # byte offset of `pos`, advanced lazily
    byte_pos = 0

    def byte_offset(index: int) -> int:
        nonlocal byte_base, byte_pos
        if index >= byte_pos:
            byte_base += len(source[byte_pos:index].encode("utf-8"))
        else:
            byte_base = len(source[:index].encode("utf-8"))
        byte_pos = index
        return byte_base

    while pos < n:
        lt = source.find("<", pos)
        chunk_end = n if lt < 0 else lt
        if chunk_end > pos:
            chunk = _decode_entities(source[pos:chunk_end], byte_offset(pos), strict_ampersand)
            text_parts.append(chunk)
            utf16 += _utf16_len(chunk)
        if lt < 0:
            break
        start = lt
        if source.startswith("</", start):
            gt = source.find(">", start)
            if gt < 0:
                raise _error(f"Unclosed end tag at byte offset {byte_offset(start)}")
            name = source[start + 2 : gt].strip().lower()
            if not stack:
                raise _error(f"Unexpected end tag at byte offset {byte_offset(start)}")
            top = stack[-1]
            if name != top.tag:
                raise _error(
                    f'Unmatched end tag at byte offset {byte_offset(start)}, expected "</{top.tag}>", found "</{name}>"'
                )
            stack.pop()
            _close(top, utf16, stack, entities)
            pos = gt + 1
            continue
        i = start + 1
        while i < n and not source[i].isspace() and source[i] not in ">":
            i += 1
        if i >= n:
            raise _error(f"Unclosed start tag at byte offset {byte_offset(start)}")
        name = source[start + 1 : i].lower()
        if name not in _SUPPORTED:
            raise _error(f'Unsupported start tag "{name}" at byte offset {byte_offset(start)}')
        gt = source.find(">", i)
        if gt < 0:
            raise _error(f"Unclosed start tag at byte offset {byte_offset(start)}")
        attrs = _attributes(source[i:gt], byte_offset(start), strict_ampersand)
        opened = _Open(tag=name, start_utf16=utf16, attrs=attrs, byte_offset=byte_offset(start))
        _classify(opened, stack)
        stack.append(opened)
        pos = gt + 1
    if stack:
        raise _error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(text_parts), entities


def _attributes(raw: str, tag_offset: int, strict: bool) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    raw = raw.rstrip()
    if raw.endswith("/"):
        raw = raw[:-1]
    while pos < len(raw):
        if raw[pos:].strip() == "":
            break
        m = _ATTR.match(raw, pos)
        if not m or m.end() == pos:
            raise _error(f"Expected equal sign in declaration of an attribute of the tag at byte offset {tag_offset}")
        value = m.group(2) or ""
        if value[:1] in "\"'" and value:
            value = value[1:-1]
        attrs[m.group(1).lower()] = _decode_entities(value, tag_offset, strict)
        pos = m.end()
    return attrs


def _classify(opened: _Open, stack: list[_Open]) -> None:
    tag, attrs = opened.tag, opened.attrs
    if tag == "a":
        href = attrs.get("href", "")
        if href:
            opened.entity_type = "text_link"
            opened.extra["url"] = href
    elif tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise _error(f'Tag "span" must have class "tg-spoiler" at byte offset {opened.byte_offset}')
        opened.entity_type = "spoiler"
    elif tag == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            at = opened.byte_offset
            raise _error(f"Custom emoji entity must contain a tg://emoji URL or emoji-id at byte offset {at}")
        opened.entity_type = "custom_emoji"
        opened.extra["custom_emoji_id"] = emoji_id
    elif tag == "blockquote":
        opened.entity_type = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    elif tag == "code" and stack and stack[-1].tag == "pre":
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1].extra["language"] = lang[len("language-") :]
            opened.entity_type = None
        else:
            opened.entity_type = "code"
    else:
        opened.entity_type = _SIMPLE_TAGS[tag]


def _close(opened: _Open, utf16: int, stack: list[_Open], entities: list[dict[str, Any]]) -> None:
    length = utf16 - opened.start_utf16
    if opened.entity_type is None or length <= 0:
        return
    if opened.tag == "code" and stack and stack[-1].tag == "pre" and "language" in stack[-1].extra:
        return
    entity: dict[str, Any] = {"type": opened.entity_type, "offset": opened.start_utf16, "length": length}
    entity.update(opened.extra)
    entities.append(entity)


def utf16_length(text: str) -> int:
    return _utf16_len(text)
