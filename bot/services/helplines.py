"""Which help lines a person in danger sees, in which order, by emergency sub-type.

Numbers come first and the line that fits the danger comes first among them:
TelefonSeelsorge for suicidal thoughts, 112 for a medical emergency, the
women's help line for sexual violence, the specialised counselling for
trafficking and forced labour. The texts are the bot's own phrases
(bot/locales); this module only decides the order, and where a browser can
dial them (`dialable`: Telegram's HTML has no tel: links, the web chat does).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from bot.locales import languages, t

LINES_BY_SUBTYPE: dict[str, tuple[str, ...]] = {
    "violence": ("emergency_police", "emergency_ambulance", "emergency_women"),
    "trafficking": ("emergency_police", "emergency_ambulance", "emergency_trafficking"),
    "medical": ("emergency_ambulance", "emergency_police"),
    "suicide": ("emergency_seelsorge", "emergency_ambulance"),
    "sexual": ("emergency_police", "emergency_women", "emergency_ambulance"),
    "child": ("emergency_police", "emergency_ambulance"),
}
DEFAULT_SUBTYPE = "violence"


# The phrases that carry a number (any language), and the numbers a phone can dial from them.
NUMBER_KEYS = ("emergency_police", "emergency_ambulance", "emergency_women", "emergency_seelsorge", "danger_note")
_NUMBER = re.compile(r"(?<![\d+])(0800 111 0 111|0800 111 0 222|116 016|110|112)(?!\d)")


def help_lines(subtype: str | None, lang: str, lead_key: str | None = None) -> str:
    """The lead (`lead_key`, or the one that fits the danger) and the numbers for `subtype`, as Telegram HTML."""
    subtype = subtype if subtype in LINES_BY_SUBTYPE else DEFAULT_SUBTYPE
    lead = t(lead_key or ("emergency_suicide_lead" if subtype == "suicide" else "emergency_lead"), lang)
    lines = "\n".join(f"• {html.escape(t(key, lang))}" for key in LINES_BY_SUBTYPE[subtype])
    return f"<b>{html.escape(lead)}</b>\n{lines}"


def emergency_reply(subtype: str | None, lang: str) -> str:
    """Numbers first, then short and warm: an advisor is told now; is it safe to write."""
    return "\n\n".join(
        (help_lines(subtype, lang), html.escape(t("emergency_handoff", lang)), html.escape(t("emergency_safe", lang)))
    )


def danger_note(subtype: str | None, lang: str) -> str:
    """Put above an answer in the middle band: the person may be in danger, the question still gets its answer."""
    if subtype == "suicide":
        return help_lines(subtype, lang)
    return f"<b>{html.escape(t('danger_note', lang))}</b>"


def waiting_numbers(subtype: str | None, lang: str) -> str:
    """Under the waiting message of an urgent handover: until a person answers (maybe only tomorrow morning),
    the numbers that reach someone now are the last thing the person reads."""
    return help_lines(subtype, lang, "handoff_numbers_lead")


@lru_cache(maxsize=1)
def _phrases() -> re.Pattern[str]:
    """Every help-line phrase of every language, as it appears escaped in a stored reply (longest first)."""
    phrases = {html.escape(t(key, lang)) for key in NUMBER_KEYS for lang in languages()}
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


def _link_numbers(match: re.Match[str]) -> str:
    return _NUMBER.sub(lambda m: f'<a href="tel:{m.group(1).replace(" ", "")}">{m.group(1)}</a>', match.group(0))


def dialable(html_text: str) -> str:
    """The numbers inside the bot's own help-line phrases as tel: links, so a phone dials them with one tap.

    Only those phrases, never free text: "§ 112" or "112 €" in an answer stays text.
    """
    return _phrases().sub(_link_numbers, html_text) if html_text else html_text
