"""Exact-word evidence next to the embeddings (BM25 over entries).

People name the German term they read in a letter ("Arbeitszeugnis",
"Leiharbeit", "Ausbildung") inside a question in their own language. The
embedding model blurs such rare words; a word index over every language
version of an entry does not. Its score is squashed to [0, 1) without
normalising by the best hit, so an off-topic message gains nothing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from knowledge.intents import normalise
from knowledge.schema import Entry

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
STEM = 6  # a crude prefix stem: enough to join Kündigung/Kündigungsschutz, зарплата/зарплату


def terms(text: str) -> list[str]:
    return [w[:STEM] for w in WORD.findall(normalise(text))]


class LexicalIndex:
    def __init__(self, entries: Iterable[Entry], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs: dict[str, Counter[str]] = {}
        for entry in entries:
            bag: Counter[str] = Counter()
            for text in entry.texts.values():
                for part in (text.title, text.answer_lead, *text.questions):
                    bag.update(terms(part))
            self.docs[entry.id] = bag
        n = max(len(self.docs), 1)
        df: Counter[str] = Counter()
        for bag in self.docs.values():
            df.update(bag.keys())
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.lengths = {eid: sum(bag.values()) for eid, bag in self.docs.items()}
        self.avg_length = sum(self.lengths.values()) / n if self.lengths else 1.0

    def scores(self, query: str, entry_ids: Iterable[str]) -> dict[str, float]:
        """BM25 of the query against each entry."""
        q_terms = set(terms(query)) & self.idf.keys()
        out = {}
        for eid in entry_ids:
            bag = self.docs.get(eid)
            if not bag:
                continue
            norm = self.k1 * (1 - self.b + self.b * self.lengths[eid] / self.avg_length)
            out[eid] = sum(self.idf[t] * bag[t] * (self.k1 + 1) / (bag[t] + norm) for t in q_terms if t in bag)
        return out
