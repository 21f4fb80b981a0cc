"""The editor's live preview: an entry text composed into Telegram HTML the way the bot sends it.

Uses the answer service's own composer when it offers one for a bare text, so the
preview cannot drift from what users get; otherwise the same layout (bold title,
escaped answer, linked sources) built here from escaped parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any


def preview_html(title: str, answer: str, sources: Sequence[dict[str, Any]]) -> str:
    try:
        from bot.services.answers import compose_entry_html  # type: ignore[attr-defined]
    except ImportError:
        compose_entry_html = None
    if compose_entry_html is not None:
        return str(compose_entry_html(title, answer, sources))
    parts = []
    if title.strip():
        parts.append(f"<b>{escape(title.strip(), quote=False)}</b>")
    if answer.strip():
        parts.append(escape(answer.strip(), quote=False))
    links = []
    for source in sources:
        name = escape(str(source.get("title", "")).strip(), quote=False)
        url = str(source.get("url", "")).strip()
        if name and url.startswith(("http://", "https://")):
            links.append(f'<a href="{escape(url, quote=True)}">{name}</a>')
        elif name:
            links.append(name)
    if links:
        parts.append("📎 " + " · ".join(links))
    return "\n\n".join(parts)
