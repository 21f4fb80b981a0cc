"""The bot's own phrases in every supported language (knowledge content lives in knowledge/entries).

Strings are formatted after translating, so a translation may reorder the
placeholders. English is the fallback for a missing language or key.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

LOCALES_DIR = Path(__file__).parent
FALLBACK = "en"


@lru_cache(maxsize=1)
def _all_strings() -> dict[str, dict[str, str]]:
    """Every locale file, read once: a bounded per-language cache was thrashed by the many detected languages
    without a file of their own, and re-parsing YAML cost milliseconds per message (bench/retrieval.py)."""
    out = {}
    for path in sorted(LOCALES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out[path.stem] = {str(k): str(v) for k, v in data.items()}
    return out


def strings(lang: str) -> dict[str, str]:
    return _all_strings().get(lang, {})


def t(key: str, lang: str, **params: object) -> str:
    """The phrase `key` in `lang`; raises KeyError only if English lacks it too (a bug, caught by tests)."""
    text = strings(lang).get(key) or strings(FALLBACK)[key]
    return text.format(**params) if params else text


def languages() -> list[str]:
    return sorted(p.stem for p in LOCALES_DIR.glob("*.yaml"))
