"""Allow-list sanitizer for Telegram HTML, so the bot's composed replies can be shown as HTML in a browser.

`Reply.html` is built by the answer service from escaped content, but a browser is a
far richer interpreter than Telegram: anything outside Telegram's tag set (and any
attribute but `href` on `<a>` with a safe scheme, or the spoiler class) is dropped
here, and all text is re-escaped, so even a bug upstream cannot turn into script.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markupsafe import Markup

# Telegram's HTML parse mode: https://core.telegram.org/bots/api#html-style
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
    }
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
VOID_DROP = frozenset({"script", "style", "iframe", "object", "embed", "template", "svg", "math"})


def _safe_href(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    scheme = urlsplit(value).scheme.lower()
    if scheme and scheme not in SAFE_SCHEMES:
        return None
    if not scheme and not value.startswith(("/", "#")):
        return None
    return value


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self._drop_depth = 0  # inside <script>/<style>: drop the content too

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_DROP:
            self._drop_depth += 1
            return
        if self._drop_depth:
            return
        if tag == "br":
            self.out.append("<br>")
            return
        if tag == "span" and dict(attrs).get("class") == "tg-spoiler":
            tag = "tg-spoiler"
        if tag not in ALLOWED_TAGS:
            return
        if tag == "a":
            href = _safe_href(dict(attrs).get("href"))
            if href is None:
                self.out.append("<a>")
            else:
                self.out.append(f'<a href="{escape(href, quote=True)}" rel="noopener noreferrer" target="_blank">')
        else:
            self.out.append(f"<{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_DROP:
            self._drop_depth = max(0, self._drop_depth - 1)
            return
        if self._drop_depth:
            return
        if tag == "span" and "tg-spoiler" in self.open:
            tag = "tg-spoiler"
        if tag not in ALLOWED_TAGS or tag not in self.open:
            return
        # close everything opened after it, so the output stays well-formed
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._drop_depth:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        tail = "".join(f"</{tag}>" for tag in reversed(self.open))
        return "".join(self.out) + tail


def sanitize_telegram_html(html: str | None) -> Markup:
    """Telegram HTML → browser-safe HTML (newlines become <br>, like Telegram shows them)."""
    if not html:
        return Markup("")
    parser = _Sanitizer()
    parser.feed(html)
    clean = parser.result().replace("\n", "<br>\n")
    return Markup(clean)
