"""The editor's live preview: an entry text composed into Telegram HTML exactly as the bot sends it.

The running AnswerService's own `compose_entry` does the composing, so the preview
cannot drift from what people get; only when no answer service is loaded (no index
yet) or the form is not a valid entry yet does a plain local layout stand in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from pydantic import ValidationError

from knowledge.schema import SUPPORTED_LANGUAGES, Entry


def preview_html(
    title: str,
    answer: str,
    sources: Sequence[dict[str, Any]],
    *,
    lang: str = "de",
    reviewed: str | None = None,
    answers: Any = None,
) -> str:
    compose = getattr(answers, "compose_entry", None)
    if compose is not None and title.strip() and answer.strip():
        text = {"title": title, "questions": [], "answer": answer}
        try:
            entry = Entry.model_validate(
                {
                    "id": "preview",
                    "topic": "other",
                    "reviewed": reviewed or dt.date.today().isoformat(),
                    "sources": list(sources),
                    "texts": dict.fromkeys(SUPPORTED_LANGUAGES, text),
                }
            )
        except ValidationError:
            pass
        else:
            return str(compose(entry, lang))
    return _plain(title, answer, sources)


def _plain(title: str, answer: str, sources: Sequence[dict[str, Any]]) -> str:
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
        parts.append(", ".join(links))
    return "\n\n".join(parts)
