"""Which help lines a person in danger sees, in which order, by emergency sub-type.

Numbers come first and the line that fits the danger comes first among them:
TelefonSeelsorge for suicidal thoughts, 112 for a medical emergency, the
women's help line for sexual violence, the specialised counselling for
trafficking and forced labour. The texts are the bot's own phrases
(bot/locales); this module only decides the order.
"""

from __future__ import annotations

import html

from bot.locales import t

LINES_BY_SUBTYPE: dict[str, tuple[str, ...]] = {
    "violence": ("emergency_police", "emergency_ambulance", "emergency_women"),
    "trafficking": ("emergency_police", "emergency_ambulance", "emergency_trafficking"),
    "medical": ("emergency_ambulance", "emergency_police"),
    "suicide": ("emergency_seelsorge", "emergency_ambulance"),
    "sexual": ("emergency_police", "emergency_women", "emergency_ambulance"),
    "child": ("emergency_police", "emergency_ambulance"),
}
DEFAULT_SUBTYPE = "violence"


def help_lines(subtype: str | None, lang: str) -> str:
    """The lead and the numbers for `subtype`, as Telegram HTML."""
    subtype = subtype if subtype in LINES_BY_SUBTYPE else DEFAULT_SUBTYPE
    lead = t("emergency_suicide_lead" if subtype == "suicide" else "emergency_lead", lang)
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
