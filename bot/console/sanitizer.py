"""Telegram HTML made safe for a browser with nh3 (the ammonia sanitizer), so the console can show replies
as the person sees them.

`Reply.html` is built by the answer service from escaped content, but a browser is a far richer
interpreter than Telegram: only Telegram's tag set survives, `<a>` keeps nothing but an `href`
with a safe scheme (or a site-relative one), script and style content is dropped, and all text
is re-escaped, so even a bug upstream cannot turn into script.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3
from markupsafe import Markup

# Telegram's HTML parse mode: https://core.telegram.org/bots/api#html-style
ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote", "tg-spoiler", "br"}
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_TEL_TARGET = re.compile(r'(<a href="tel:[^"]*") target="_blank"')
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "svg", "math"})


def _safe_href(tag: str, attribute: str, value: str) -> str | None:
    """Links open http(s), mail and phone targets, or pages of this site; anything else loses its href."""
    if tag != "a" or attribute != "href":
        return value
    value = value.strip()
    scheme = urlsplit(value).scheme.lower()
    if scheme and scheme not in SAFE_SCHEMES:
        return None
    if not scheme and not value.startswith(("/", "#")):
        return None
    return value


def sanitize_telegram_html(html: str | None) -> Markup:
    """Telegram HTML → browser-safe HTML (newlines become <br>, like Telegram shows them)."""
    if not html:
        return Markup("")
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={"a": {"href"}},
        attribute_filter=_safe_href,
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )
    # A phone number is dialled, not opened in a new tab (an empty tab would stay behind on a phone).
    clean = _TEL_TARGET.sub(r"\1", clean)
    return Markup(clean.replace("\n", "<br>\n"))  # noqa: S704 - nh3's allow-list output
