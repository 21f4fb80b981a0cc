"""Console UI strings in German and English (the advisors' and editors' language, not the bot's).

The bot's own phrases for people live in `bot/locales`; these are the console's
labels. German first: the counselling centre works in German; English for
colleagues who prefer it. Missing keys fall back to English, then to the key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from starlette.requests import Request

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
UI_LANGUAGES = ("de", "en")
DEFAULT_UI_LANG = "de"
COOKIE = "console_lang"


@cache
def _catalog(lang: str) -> dict[str, str]:
    path = LOCALES_DIR / f"{lang}.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def translate(key: str, lang: str, **params: object) -> str:
    text = _catalog(lang).get(key) or _catalog("en").get(key) or key
    return text.format(**params) if params else text


def ui_lang(request: Request, account_lang: str | None = None) -> str:
    """Explicit choice (cookie) wins, then the account's setting, then the browser's Accept-Language."""
    chosen = request.cookies.get(COOKIE)
    if chosen in UI_LANGUAGES:
        return chosen
    if account_lang in UI_LANGUAGES:
        return account_lang
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in UI_LANGUAGES:
            return code
    return DEFAULT_UI_LANG
