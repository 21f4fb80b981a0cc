"""Telegram HTML cut into messages of at most 4096 characters, each part valid HTML on its own."""

from __future__ import annotations

import re

TELEGRAM_TEXT_LIMIT = 4096
_TOKEN = re.compile(r"<[^>]+>|&[#a-zA-Z0-9]+;|\s+|[^<&\s]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9-]+)")


def split_html(html: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` characters without breaking tags or entities.

    Breaks at whitespace where it can; tags open at a break are closed at the end
    of one part and reopened at the start of the next, so each part parses alone.
    """
    if len(html) <= limit:
        return [html]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    open_tags: list[tuple[str, str]] = []  # (name, full opening tag)

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(open_tags))

    def flush() -> None:
        nonlocal current, size
        text = "".join(current) + closing()
        if text.strip():
            parts.append(text.strip())
        current = [tag for _, tag in open_tags]
        size = sum(len(t) for t in current)

    reserve = 64  # room for the closing tags appended at a break
    for token in _TOKEN.findall(html):
        pieces = [token]
        if len(token) > limit - reserve - 256:  # one enormous word: cut it
            step = limit - reserve - 256
            pieces = [token[i : i + step] for i in range(0, len(token), step)]
        for piece in pieces:
            if size + len(piece) + len(closing()) > limit - reserve and size > 0:
                flush()
            current.append(piece)
            size += len(piece)
            match = _TAG.match(piece) if piece.startswith("<") else None
            if match:
                closing_tag, name = match.group(1), match.group(2).lower()
                if closing_tag:
                    for i in range(len(open_tags) - 1, -1, -1):
                        if open_tags[i][0] == name:
                            del open_tags[i]
                            break
                elif not piece.endswith("/>"):
                    open_tags.append((name, piece))
    open_tags.clear()
    if current and "".join(current).strip():
        parts.append("".join(current).strip())
    return parts
