"""The allow-list sanitizer: Telegram's tags survive, everything else becomes inert text or disappears."""

from __future__ import annotations

import pytest

from bot.console.sanitizer import sanitize_telegram_html


def test_telegram_formatting_survives() -> None:
    html = '<b>Titel</b> <i>kursiv</i> <a href="https://www.gesetze-im-internet.de/kschg/__4.html">§ 4</a>'
    out = str(sanitize_telegram_html(html))
    assert "<b>Titel</b>" in out and "<i>kursiv</i>" in out
    assert 'href="https://www.gesetze-im-internet.de/kschg/__4.html"' in out
    assert 'rel="noopener noreferrer"' in out


def test_escaped_content_stays_escaped() -> None:
    out = str(sanitize_telegram_html("Lohn &lt;script&gt;alert(1)&lt;/script&gt; &amp; mehr"))
    assert "<script" not in out
    assert "&lt;script&gt;" in out and "&amp; mehr" in out


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<b onclick="alert(1)">x</b>',
        "<iframe src=https://evil.example></iframe>",
        "<svg><script>alert(1)</script></svg>",
        "<style>body{display:none}</style>",
    ],
)
def test_dangerous_markup_is_removed(payload: str) -> None:
    out = str(sanitize_telegram_html(payload)).lower()
    for needle in ("<script", "<img", "javascript:", "onerror", "onclick", "<iframe", "<svg", "<style", "data:"):
        assert needle not in out, out


def test_unbalanced_tags_are_closed_and_newlines_become_breaks() -> None:
    out = str(sanitize_telegram_html("<b>offen\nzweite Zeile"))
    assert out.endswith("</b>")
    assert "<br>" in out
