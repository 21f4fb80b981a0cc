"""The topic taxonomy. A copy of ../shared/topics.yaml ships inside the package
(a test checks it still matches), so an installed fairbot needs no checkout."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

VENDORED_TOPICS = Path(__file__).with_name("topics.yaml")


@dataclass(frozen=True)
class Topic:
    id: str
    scope: Literal["answer", "referral", "meta"]
    title: dict[str, str]
    covers: str

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["en"]


@lru_cache(maxsize=4)
def load_topics(path: Path | None = None) -> tuple[Topic, ...]:
    data = yaml.safe_load((path or VENDORED_TOPICS).read_text(encoding="utf-8"))
    return tuple(
        Topic(id=t["id"], scope=t["scope"], title=dict(t["title"]), covers=t.get("covers", "")) for t in data["topics"]
    )


def topic_ids(path: Path | None = None) -> frozenset[str]:
    return frozenset(t.id for t in load_topics(path))
